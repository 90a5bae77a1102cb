"""Replicate-weight designs: given (published) replicate weights or ones generated from a design.

Follows R ``survey``: ``svrepdesign`` for user-supplied weights and ``as.svrepdesign`` for generated ones.
The variance of a statistic theta is

    V = scale * sum_r rscales_r * (theta_r - centre)^2

with centre the full-sample estimate (``mse=True``) or the mean of the replicate estimates (``mse=False``).
Replicate weights are kept *combined* (analysis weight x replicate factor), one column per replicate, so every
estimator computes all replicates at once as a matrix product. Replicates that give no estimate (a domain empty in
a replicate) are left out of the sum, as R does.

Generated weights (:func:`replicate_design`):

- ``JK1`` (one stratum, R PSUs): replicate r drops PSU r and multiplies the others by R/(R-1);
  scale (R-1)/R (1 - f).
- ``JKn``: replicate (h, i) drops PSU i of stratum h and multiplies the other PSUs of h by n_h/(n_h-1);
  rscales (n_h-1)/n_h (1 - f_h), scale 1.
- ``BRR`` / ``Fay``: half-samples from a Sylvester Hadamard matrix (two PSUs per stratum); factors 2 / 0
  (Fay: 2 - rho / rho), scale 1/(R (1 - rho)^2). The fpc is ignored, as in R.
- ``bootstrap``: Rao-Wu rescaled bootstrap (n_h - 1 PSUs drawn with replacement in each stratum, R's
  ``subbootstrap``), with the Rao-Wu-Yue fpc adjustment; scale 1/(R-1). Seeded.

Degrees of freedom are R's ``degf``: the rank of the replicate-weight matrix minus one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from ruralmig.errors import DataQualityWarning, InputError, Issue
from ruralmig.survey.calibration import FloatArray, IntArray, RakingPolicy, rake_weights
from ruralmig.survey.design import SurveyDesign, margin_codes, post_strata_factors

__all__ = ["REPLICATE_KINDS", "ReplicateDesign", "ReplicateKind", "replicate_design", "sylvester_hadamard"]

BoolArray = npt.NDArray[np.bool_]
ReplicateKind = Literal["JK1", "JKn", "BRR", "Fay", "bootstrap", "successive-difference", "other"]
REPLICATE_KINDS: tuple[str, ...] = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "successive-difference", "other")


def matrix_rank(matrix: FloatArray, tolerance: float = 1e-5) -> int:
    """Numerical rank: singular values of the column-normalised matrix above ``tolerance`` times the largest
    (close to R's ``qr(tol=1e-5)$rank``); through the Gram matrix of the shorter side, so tall matrices are cheap."""
    if matrix.size == 0:
        return 0
    norms = np.sqrt((matrix**2).sum(axis=0))
    scaled = matrix / np.where(norms > 0, norms, 1.0)
    gram = scaled.T @ scaled if scaled.shape[0] >= scaled.shape[1] else scaled @ scaled.T
    singular = np.sqrt(np.clip(np.linalg.eigvalsh(gram), 0.0, None))
    return int((singular > tolerance * singular.max()).sum()) if singular.max() > 0 else 0


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A design carried by replicate weights (R ``svyrep.design``); the estimators accept it like a
    :class:`~ruralmig.survey.SurveyDesign`.

    ``replicate_weights`` is records x replicates, combined with the analysis weights. Generated designs keep them
    compressed (one factor per PSU and replicate, ``psu_codes`` and ``psu_factors``): estimators then sum the data
    by PSU first and multiply by the factors, so records x replicates is never built. ``calibration`` names the
    calibration applied to every replicate (post-stratification, raking), if any.
    """

    data: pd.DataFrame
    weights: FloatArray
    dense_weights: FloatArray | None
    scale: float
    rscales: FloatArray
    mse: bool
    kind: str
    degrees_of_freedom: int
    source: str = "data"
    rho: float = 0.0
    calibration: str | None = None
    psu_codes: IntArray | None = None
    psu_factors: FloatArray | None = None

    @cached_property
    def replicate_weights(self) -> FloatArray:
        """Records x replicates combined weights (built from the PSU factors of a generated design when needed)."""
        if self.dense_weights is not None:
            return self.dense_weights
        if self.psu_codes is None or self.psu_factors is None:
            raise ValueError("the design has neither replicate weights nor PSU factors")
        combined: FloatArray = self.weights[:, None] * self.psu_factors[self.psu_codes]
        return combined

    def replicate_totals(
        self, domain_codes: IntArray, inside: BoolArray, domain_count: int, values: FloatArray
    ) -> FloatArray:
        """Domains x terms x replicates weighted sums of ``values`` (records x terms) over records ``inside``.

        Compressed designs aggregate w * y by PSU x domain and multiply by the PSU factors; dense ones multiply a
        sparse domain indicator by the records x replicates weights.
        """
        result = np.empty((domain_count, values.shape[1], self.replicate_count))
        if self.psu_codes is not None and self.psu_factors is not None and self.dense_weights is None:
            weighted = np.where(inside[:, None], values * self.weights[:, None], 0.0)
            psu_count = self.psu_factors.shape[0]
            combined = self.psu_codes * domain_count + domain_codes
            for term in range(values.shape[1]):
                by_psu = np.bincount(combined, weights=weighted[:, term], minlength=psu_count * domain_count)
                result[:, term, :] = by_psu.reshape(psu_count, domain_count).T @ self.psu_factors
            return result
        rows = np.flatnonzero(inside)
        indicator = sparse.csr_matrix(
            (np.ones(rows.size), (domain_codes[rows], rows)), shape=(domain_count, len(domain_codes))
        )
        factors = self.replicate_weights
        for term in range(values.shape[1]):
            result[:, term, :] = indicator @ (factors * np.where(inside, values[:, term], 0.0)[:, None])
        return result

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        weights: str,
        replicate_weights: Sequence[str] | FloatArray,
        kind: ReplicateKind = "other",
        scale: float | None = None,
        rscales: Sequence[float] | FloatArray | None = None,
        mse: bool = False,
        combined: bool = True,
        rho: float | None = None,
        degrees_of_freedom: int | None = None,
        source: str = "data",
    ) -> ReplicateDesign:
        """A design from published replicate weights (R ``svrepdesign``).

        ``replicate_weights`` names the replicate columns of ``data`` or is a records x replicates array.
        With ``combined=False`` they are factors multiplied by the analysis weights. ``scale`` defaults as in R:
        BRR 1/R, Fay 1/(R (1-rho)^2), bootstrap 1/(R-1), JK1 (R-1)/R, successive-difference 4/R, other 1.
        ``rscales`` is required for JKn. Degrees of freedom default to the rank of the weights minus one.
        """
        if kind not in REPLICATE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REPLICATE_KINDS)}; got {kind!r}")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
        frame = data.reset_index(drop=True)
        analysis = _checked_weights(frame, weights, source)
        names: list[str]
        if isinstance(replicate_weights, np.ndarray):
            matrix = np.asarray(replicate_weights, dtype=np.float64)
            if matrix.ndim != 2 or matrix.shape[0] != len(frame):
                raise InputError(
                    Issue(
                        file=source,
                        column="replicate_weights",
                        value=str(matrix.shape),
                        reason=f"has the wrong shape; expected ({len(frame)}, replicates), one row per record",
                    )
                )
            names = [f"replicate {r + 1}" for r in range(matrix.shape[1])]
        else:
            names = list(replicate_weights)
            missing = [name for name in names if name not in frame.columns]
            if missing:
                raise InputError(
                    Issue(file=source, column=missing[0], reason="the replicate-weight column is not in the data"),
                    total=len(missing),
                )
            matrix = (
                np.column_stack(
                    [
                        pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64, na_value=np.nan)
                        for name in names
                    ]
                )
                if names
                else np.zeros((len(frame), 0))
            )
        if matrix.shape[1] < 2:
            raise InputError(
                Issue(file=source, column="replicate_weights", reason="at least two replicate weights are needed")
            )
        bad = np.argwhere(~np.isfinite(matrix) | (matrix < 0))
        if bad.size:
            position, which = (int(i) for i in bad[0])
            raise InputError(
                Issue(
                    file=source,
                    row=position + 1,
                    column=names[which],
                    value=str(matrix[position, which]),
                    reason="is not a finite, non-negative replicate weight",
                ),
                total=len(bad),
            )
        if not combined:
            matrix = matrix * analysis[:, None]
        count = matrix.shape[1]
        fay = 0.0 if rho is None else float(rho)
        if kind == "Fay" and rho is None:
            raise ValueError("kind='Fay' needs rho")
        if not 0.0 <= fay < 1.0:
            raise ValueError(f"rho must be in [0, 1); got {rho!r}")
        defaults = {
            "BRR": 1.0 / count,
            "Fay": 1.0 / (count * (1.0 - fay) ** 2),
            "bootstrap": 1.0 / (count - 1),
            "JK1": (count - 1) / count,
            "successive-difference": 4.0 / count,
        }
        chosen_scale = float(scale) if scale is not None else defaults.get(kind, 1.0)
        if kind == "JKn" and rscales is None:
            raise ValueError("kind='JKn' needs rscales ((n_h - 1) / n_h for each replicate)")
        scales = _rscales(rscales, count, source)
        df = degrees_of_freedom if degrees_of_freedom is not None else matrix_rank(matrix) - 1
        return cls(frame, analysis, matrix, chosen_scale, scales, bool(mse), kind, int(df), source, fay)

    @property
    def record_count(self) -> int:
        """Number of records (rows)."""
        return len(self.weights)

    @property
    def replicate_count(self) -> int:
        """Number of replicates."""
        if self.dense_weights is None and self.psu_factors is not None:
            return int(self.psu_factors.shape[1])
        return int(self.replicate_weights.shape[1])

    @property
    def weight_total(self) -> float:
        """Estimated population size, the sum of the analysis weights."""
        return float(self.weights.sum())

    def replicate_variance(self, estimate: FloatArray, replicates: FloatArray) -> FloatArray:
        """Variance of each estimate (any shape) from its replicate estimates (same shape + replicates).

        Replicates that gave no finite estimate are dropped from the sum and the centre (R ``svrVar``).
        """
        reps = np.asarray(replicates, dtype=np.float64)
        valid = np.isfinite(reps)
        used = valid & (self.rscales > 0)
        if self.mse:
            centre = np.asarray(estimate, dtype=np.float64)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                centre = np.where(used, reps, 0.0).sum(axis=-1) / used.sum(axis=-1)
        squares = np.where(valid, (reps - centre[..., None]) ** 2, 0.0)
        variance: FloatArray = self.scale * (squares * self.rscales).sum(axis=-1)
        dropped = ~valid.all(axis=-1) & np.isfinite(np.asarray(estimate))
        if dropped.any():
            warnings.warn(
                f"{int((~valid).sum())} replicate estimates were empty (a domain without weight in a replicate) "
                "and were left out of the variance, as R does",
                DataQualityWarning,
                stacklevel=3,
            )
        variance = np.where(valid.any(axis=-1), variance, np.nan)
        return variance

    def post_stratify(self, column: str, population: Mapping[Any, float]) -> ReplicateDesign:
        """Post-stratify the analysis weights and every replicate separately (R ``postStratify`` on a replicate
        design); degrees of freedom are recomputed from the new weights."""
        codes, totals = margin_codes(self.data, column, population, self.source)
        weights = self.weights * post_strata_factors(codes, totals, self.weights[:, None], column)[:, 0]
        replicates = self.replicate_weights * post_strata_factors(codes, totals, self.replicate_weights, column)
        label = f"post-stratified on {column}"
        return self._calibrated(weights, replicates, label)

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float]],
        *,
        epsilon: float = 1.0,
        max_iterations: int = 10,
        on_failure: RakingPolicy = "warn",
    ) -> ReplicateDesign:
        """Rake the analysis weights (R ``rake``: iterative post-stratification over ``margins`` until the joint
        table moves by less than ``epsilon``) and every replicate with the same number of sweeps."""
        coded = [margin_codes(self.data, column, totals, self.source) for column, totals in margins.items()]
        both = np.column_stack([self.weights, self.replicate_weights])
        result = rake_weights(both, coded, list(margins), epsilon, max_iterations, on_failure, self.source)
        label = "raked on " + ", ".join(margins)
        return self._calibrated(result.weights[:, 0], result.weights[:, 1:], label)

    def _calibrated(self, weights: FloatArray, replicates: FloatArray, label: str) -> ReplicateDesign:
        previous = f"{self.calibration}; " if self.calibration else ""
        return replace(
            self,
            weights=weights,
            dense_weights=replicates,
            degrees_of_freedom=matrix_rank(np.nan_to_num(replicates)) - 1,
            calibration=previous + label,
            psu_codes=None,
            psu_factors=None,
        )


def _checked_weights(frame: pd.DataFrame, weights: str, source: str) -> FloatArray:
    if weights not in frame.columns:
        raise InputError(Issue(file=source, column=weights, reason="the weight column is not in the data"))
    values = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise InputError(
            Issue(
                file=source,
                row=position + 1,
                column=weights,
                value=str(frame[weights].iloc[position]),
                reason="is not a finite, non-negative weight",
            ),
            total=int(bad.sum()),
        )
    return values


def _rscales(rscales: Sequence[float] | FloatArray | None, count: int, source: str) -> FloatArray:
    if rscales is None:
        return np.ones(count)
    values = np.asarray(rscales, dtype=np.float64).ravel()
    if values.size == 1:
        values = np.full(count, float(values[0]))
    if values.size != count or not np.all(np.isfinite(values) & (values >= 0)):
        raise InputError(
            Issue(
                file=source,
                column="rscales",
                value=str(values.size),
                reason=f"must hold {count} finite non-negative values, one per replicate",
            )
        )
    return values


def sylvester_hadamard(order: int) -> IntArray:
    """A Hadamard matrix of +1/-1 of the smallest power-of-two size >= ``order`` (Sylvester's construction)."""
    matrix = np.ones((1, 1), dtype=np.intp)
    while matrix.shape[0] < order:
        matrix = np.block([[matrix, matrix], [matrix, -matrix]])
    return matrix


def replicate_design(
    design: SurveyDesign,
    kind: Literal["JK1", "JKn", "BRR", "Fay", "bootstrap"] = "JK1",
    *,
    rho: float = 0.0,
    replicates: int = 50,
    seed: int | np.random.Generator | None = None,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate weights generated from a Taylor design (R ``as.svrepdesign``); see the module docstring.

    Only the first stage enters (a second-stage fpc is dropped, as in R). Calibrated designs are converted before
    calibration is possible here: calibrate the replicate design instead (``post_stratify``, ``rake``).
    """
    if design.calibration is not None:
        raise ValueError("convert the design before calibrating it, then calibrate the replicate design")
    stratum_fraction = design.sampling_fraction_by_stratum
    counts = design.psu_count_by_stratum
    if kind == "JK1":
        if design.stratum_count != 1:
            raise ValueError("JK1 needs a design with one stratum; use JKn for a stratified design")
        n = design.psu_count
        factors = np.full((n, n), n / (n - 1.0))
        np.fill_diagonal(factors, 0.0)
        scale, rscales = (n - 1.0) / n * (1.0 - stratum_fraction[0]), np.ones(n)
    elif kind == "JKn":
        factors, rscales = _jackknife_n(design)
        # R: with lonely_psu="average" the lonely strata get no replicate and the scale grows by PSUs / replicates
        scale = design.psu_count / factors.shape[1] if design.lonely_psu == "average" else 1.0
    elif kind in ("BRR", "Fay"):
        factors = _half_samples(design, rho if kind == "Fay" else 0.0)
        scale, rscales = 1.0 / (factors.shape[1] * (1.0 - (rho if kind == "Fay" else 0.0)) ** 2), None
    elif kind == "bootstrap":
        if replicates < 2:
            raise ValueError(f"replicates must be at least 2; got {replicates}")
        factors = _rao_wu(design, replicates, np.random.default_rng(seed))
        scale, rscales = 1.0 / (replicates - 1.0), None
    else:
        raise ValueError(f"kind must be JK1, JKn, BRR, Fay or bootstrap; got {kind!r}")
    if (counts == 1).any() and kind == "JK1":
        raise ValueError("JK1 needs at least two PSUs")
    positive = np.bincount(design.psu_codes, weights=design.weights, minlength=design.psu_count) > 0
    return ReplicateDesign(
        data=design.data,
        weights=design.weights,
        dense_weights=None,
        scale=float(scale),
        rscales=np.ones(factors.shape[1]) if rscales is None else rscales,
        mse=mse,
        kind=kind,
        # R's degf is the rank of the weights minus one; beyond 1000 replicates the design df (equal for JK1/JKn)
        degrees_of_freedom=(
            matrix_rank(factors[positive]) - 1 if factors.shape[1] <= 1000 else design.degrees_of_freedom
        ),
        source=design.source,
        rho=rho if kind == "Fay" else 0.0,
        psu_codes=design.psu_codes,
        psu_factors=factors,
    )


def _jackknife_n(design: SurveyDesign) -> tuple[FloatArray, FloatArray]:
    """PSU x replicate factors and rscales of the stratified jackknife, with R's lonely-PSU rules."""
    counts = design.psu_count_by_stratum.astype(np.float64)
    psu_stratum = design.psu_stratum
    lonely = counts == 1
    kept = np.flatnonzero(~lonely[psu_stratum])  # one replicate per PSU of a stratum with >= 2 PSUs
    factors = np.ones((design.psu_count, kept.size))
    same = psu_stratum[:, None] == psu_stratum[kept][None, :]
    own = counts[psu_stratum[kept]]
    factors = np.where(same, own / (own - 1.0), factors)
    factors[kept, np.arange(kept.size)] = 0.0
    rscales = (own - 1.0) / own * (1.0 - design.sampling_fraction_by_stratum[psu_stratum[kept]])
    if design.lonely_psu == "adjust" and lonely.any():
        strata = float(design.stratum_count)
        single = np.flatnonzero(lonely)
        extra = np.where(psu_stratum[:, None] == single[None, :], 0.0, strata / (strata - 1.0))
        factors = np.column_stack([factors, extra])
        rscales = np.concatenate([rscales, np.full(single.size, (strata - 1.0) / strata)])
    if factors.shape[1] == 0:
        raise ValueError("no stratum has two PSUs; the jackknife has no replicate")
    return factors, rscales


def _half_samples(design: SurveyDesign, rho: float) -> FloatArray:
    """PSU x replicate factors of balanced half-samples (two PSUs per stratum), Fay-damped by ``rho``."""
    if not np.all(design.psu_count_by_stratum == 2):
        bad = int(np.flatnonzero(design.psu_count_by_stratum != 2)[0])
        raise ValueError(
            f"BRR and Fay need exactly two PSUs per stratum; stratum {design.stratum_labels[bad]!s} has "
            f"{int(design.psu_count_by_stratum[bad])}"
        )
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"rho must be in [0, 1); got {rho!r}")
    hadamard = sylvester_hadamard(design.stratum_count + 1)
    # which PSU of its stratum is the first: order of appearance by PSU code
    first = np.ones(design.psu_count, dtype=bool)
    order = np.argsort(design.psu_stratum, kind="stable")
    first[order[1::2]] = False
    sign = hadamard[1 + design.psu_stratum]  # psu x replicates, rows 2.. of H as R
    chosen = (sign > 0) == first[:, None]
    factors: FloatArray = np.where(chosen, 2.0 - rho, rho)
    return factors


def _rao_wu(design: SurveyDesign, replicates: int, rng: np.random.Generator) -> FloatArray:
    """PSU x replicate factors of the Rao-Wu rescaled bootstrap (n_h - 1 draws with replacement per stratum)."""
    counts = design.psu_count_by_stratum
    draws = np.maximum(counts - 1, 0)
    order = np.argsort(design.psu_stratum, kind="stable")  # PSU codes grouped by stratum
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot_stratum = np.repeat(np.arange(design.stratum_count), draws)
    uniform = rng.random((replicates, slot_stratum.size))
    picked = order[start[slot_stratum] + np.floor(uniform * counts[slot_stratum]).astype(np.intp)]
    hits = np.zeros((replicates, design.psu_count))
    np.add.at(hits, (np.repeat(np.arange(replicates), slot_stratum.size), picked.ravel()), 1.0)
    n = counts[design.psu_stratum].astype(np.float64)
    m = draws[design.psu_stratum].astype(np.float64)
    f = design.sampling_fraction_by_stratum[design.psu_stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.sqrt(m * (1.0 - f) / (n - 1.0))
        factors = 1.0 - lam[:, None] + (lam * n / m)[:, None] * hits.T
    result: FloatArray = np.where((n > 1)[:, None], factors, 1.0)
    return result
