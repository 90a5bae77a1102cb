"""Survey designs: weights, strata, primary sampling units and an fpc (one stage or ultimate cluster), plus an
optional second stage sampled without replacement inside each PSU.

The design follows R ``survey::svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~fpc)`` with
``options(survey.lonely.psu = ...)``: the variance of a linearised statistic is

    V = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_i (z_hi - mean_h z)^2

where z_hi are the weighted scores summed within PSU i of stratum h (see ``taylor_variance``). With a second stage
(R's default ``survey.ultimate.cluster = FALSE``) each PSU adds (n_h / N_h) times the same formula applied to its
second-stage units with f_2i = n_2i / N_2i.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import (
    FloatArray,
    IntArray,
    LinearCalibration,
    PostStrata,
    Raking,
    RakingPolicy,
    group_sums,
    rake_weights,
    raking_factors,
)

if TYPE_CHECKING:
    from ruralmig.survey.replicates import ReplicateDesign

__all__ = ["LONELY_PSU_OPTIONS", "LonelyPsu", "SurveyDesign", "margin_codes", "post_strata_factors"]

LonelyPsu = Literal["fail", "remove", "certainty", "adjust", "average"]
LONELY_PSU_OPTIONS: tuple[str, ...] = ("fail", "remove", "certainty", "adjust", "average")


def _issue(source: str, position: int, column: str, value: object, reason: str) -> Issue:
    """An issue at a 1-based data row (the header is not counted)."""
    return Issue(file=source, row=position + 1, column=column, value=str(value), reason=reason)


def _require_column(data: pd.DataFrame, column: str, role: str, source: str) -> pd.Series:
    if column not in data.columns:
        raise InputError(Issue(file=source, column=column, reason=f"the {role} column is not in the data"))
    return data[column]


def _codes(values: pd.Series, column: str, role: str, source: str) -> tuple[IntArray, pd.Index]:
    """Integer codes 0..K-1 of a key column; missing keys are an InputError."""
    missing = values.isna().to_numpy()
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise InputError(
            _issue(source, position, column, values.iloc[position], f"is missing; every record needs a {role}"),
            total=int(missing.sum()),
        )
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.intp), pd.Index(uniques)


def _check_declared_strata(values: pd.Series, labels: pd.Index, column: str, source: str) -> None:
    """A stratum declared as a level of a categorical column but without any record (hence no PSU) is an error."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return
    present = set(labels.tolist())
    empty = [level for level in values.cat.categories if level not in present]
    if empty:
        raise InputError(
            Issue(
                file=source,
                column=column,
                value=str(empty[0]),
                reason="is a stratum with no PSU in the data; drop the unused level or merge it with another stratum",
            ),
            total=len(empty),
        )


@dataclass(frozen=True, eq=False)
class SecondStage:
    """Second-stage units (SSUs) sampled without replacement inside each PSU (R ``id=~psu+ssu, fpc=~f1+f2``)."""

    ssu_codes: IntArray
    ssu_psu: IntArray
    ssu_count_by_psu: IntArray
    fraction_by_psu: FloatArray

    @property
    def ssu_count(self) -> int:
        """Number of distinct (PSU, SSU) pairs."""
        return len(self.ssu_psu)

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        ssu: str,
        ssu_fpc: str,
        psu_codes: IntArray,
        psu_labels: pd.Index,
        lonely_psu: LonelyPsu,
        source: str,
    ) -> SecondStage:
        """SSU codes nested in PSUs, and f_2i per PSU from an fpc holding SSU population sizes or fractions."""
        raw, _ = _codes(_require_column(frame, ssu, "SSU", source), ssu, "SSU", source)
        pairs = pd.MultiIndex.from_arrays([psu_codes, raw])
        codes, uniques = pd.factorize(pairs, sort=True)
        ssu_codes = codes.astype(np.intp)
        ssu_psu = np.asarray(uniques.get_level_values(0), dtype=np.intp)
        psu_count = int(psu_codes.max()) + 1
        ssu_count_by_psu = np.bincount(ssu_psu, minlength=psu_count).astype(np.intp)
        fraction = SurveyDesign._sampling_fractions(
            frame, ssu_fpc, psu_codes, ssu_count_by_psu, psu_labels, source, group="PSU"
        )
        lonely = np.flatnonzero((ssu_count_by_psu == 1) & (fraction < 1.0))
        if lonely.size and lonely_psu == "fail":
            position = int(np.flatnonzero(psu_codes == lonely[0])[0])
            raise InputError(
                _issue(
                    source,
                    position,
                    ssu,
                    frame[ssu].iloc[position],
                    "is the only SSU sampled in its PSU at stage 2; choose lonely_psu='remove' or 'certainty'",
                ),
                total=int(lonely.size),
            )
        return cls(ssu_codes, ssu_psu, ssu_count_by_psu, fraction)


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A one-stage stratified cluster design (with or without replacement) over a table of records.

    Build it with :meth:`from_frame`. ``psu=None`` makes every record its own PSU; ``strata=None`` means one
    stratum. ``fpc`` holds the population size of PSUs in the stratum (values > 1) or the sampling fraction
    (values <= 1), as R's ``fpc=``; without it sampling is treated as with replacement (f = 0).
    Lonely PSUs, as R's ``survey.lonely.psu``: ``"fail"`` (default), ``"remove"`` and ``"certainty"`` (no
    contribution), ``"adjust"`` (the lonely PSU's total is not centred, as R 4.1) and ``"average"`` (lonely strata
    left out, the variance scaled by strata / strata kept).
    """

    data: pd.DataFrame
    weights: FloatArray
    stratum_codes: IntArray
    psu_codes: IntArray
    psu_stratum: IntArray
    psu_count_by_stratum: IntArray
    sampling_fraction_by_stratum: FloatArray
    stratum_labels: pd.Index
    lonely_psu: LonelyPsu = "fail"
    source: str = "data"
    columns: dict[str, str | None] = field(default_factory=dict)
    second_stage: SecondStage | None = None
    calibration: PostStrata | LinearCalibration | Raking | None = None

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        weights: str,
        strata: str | None = None,
        psu: str | None = None,
        fpc: str | None = None,
        ssu: str | None = None,
        ssu_fpc: str | None = None,
        lonely_psu: LonelyPsu = "fail",
        source: str = "data",
    ) -> SurveyDesign:
        """Validate the design columns of ``data`` and build the design.

        Raises :class:`~ruralmig.errors.InputError` naming the row and column of missing or negative weights,
        missing strata or PSU keys, a PSU found in two strata, an fpc that varies within a stratum or is
        smaller than the number of sampled PSUs, and (with ``lonely_psu="fail"``) a stratum with one PSU.
        """
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU_OPTIONS)}; got {lonely_psu!r}")
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
        if len(data) == 0:
            raise InputError(Issue(file=source, reason="the data have no records"))
        frame = data.reset_index(drop=True)

        weight_values = pd.to_numeric(_require_column(frame, weights, "weight", source), errors="coerce")
        weight_array = weight_values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(weight_array)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InputError(
                _issue(source, position, weights, frame[weights].iloc[position], "is not a finite weight"),
                total=int(bad.sum()),
            )
        negative = weight_array < 0
        if negative.any():
            position = int(np.flatnonzero(negative)[0])
            raise InputError(
                _issue(source, position, weights, weight_array[position], "is negative; weights must be >= 0"),
                total=int(negative.sum()),
            )

        n = len(frame)
        if strata is None:
            stratum_codes = np.zeros(n, dtype=np.intp)
            stratum_labels = pd.Index(["all"])
        else:
            stratum_values = _require_column(frame, strata, "stratum", source)
            stratum_codes, stratum_labels = _codes(stratum_values, strata, "stratum", source)
            _check_declared_strata(stratum_values, stratum_labels, strata, source)
        psu_labels = pd.Index(np.arange(n) + 1)
        if psu is None:
            psu_codes = np.arange(n, dtype=np.intp)
        else:
            psu_values = _require_column(frame, psu, "PSU", source)
            raw_codes, psu_labels = _codes(psu_values, psu, "PSU", source)
            psu_codes = cls._check_nesting(raw_codes, stratum_codes, psu_values, psu, stratum_labels, source)

        psu_count = int(psu_codes.max()) + 1
        psu_stratum = np.zeros(psu_count, dtype=np.intp)
        psu_stratum[psu_codes] = stratum_codes
        psu_count_by_stratum = np.bincount(psu_stratum, minlength=len(stratum_labels)).astype(np.intp)

        fraction = np.zeros(len(stratum_labels), dtype=np.float64)
        if fpc is not None:
            fraction = cls._sampling_fractions(frame, fpc, stratum_codes, psu_count_by_stratum, stratum_labels, source)

        second_stage = None
        if ssu is not None or ssu_fpc is not None:
            if ssu is None or ssu_fpc is None or fpc is None or psu is None:
                raise ValueError(
                    "a second stage needs psu, fpc, ssu and ssu_fpc; without fpc the design is with replacement "
                    "and only the PSUs enter the variance (leave ssu out)"
                )
            second_stage = SecondStage.build(frame, ssu, ssu_fpc, psu_codes, psu_labels, lonely_psu, source)

        lonely = np.flatnonzero(psu_count_by_stratum == 1)
        if lonely.size and lonely_psu == "fail":
            label = stratum_labels[int(lonely[0])]
            position = int(np.flatnonzero(stratum_codes == lonely[0])[0])
            raise InputError(
                _issue(
                    source,
                    position,
                    strata or "(one stratum)",
                    label,
                    "is a stratum with a single PSU; choose lonely_psu='remove', 'certainty', 'adjust' or 'average'",
                ),
                total=int(lonely.size),
            )

        return cls(
            data=frame,
            weights=weight_array,
            stratum_codes=stratum_codes,
            psu_codes=psu_codes,
            psu_stratum=psu_stratum,
            psu_count_by_stratum=psu_count_by_stratum,
            sampling_fraction_by_stratum=fraction,
            stratum_labels=stratum_labels,
            lonely_psu=lonely_psu,
            source=source,
            columns={"weights": weights, "strata": strata, "psu": psu, "fpc": fpc, "ssu": ssu, "ssu_fpc": ssu_fpc},
            second_stage=second_stage,
        )

    @staticmethod
    def _check_nesting(
        raw_codes: IntArray,
        stratum_codes: IntArray,
        psu_values: pd.Series,
        psu: str,
        stratum_labels: pd.Index,
        source: str,
    ) -> IntArray:
        """PSU codes must sit in one stratum each (R's svydesign without nest=TRUE)."""
        pairs = pd.DataFrame({"psu": raw_codes, "stratum": stratum_codes})
        strata_per_psu = pairs.groupby("psu", sort=False)["stratum"].nunique()
        shared = strata_per_psu[strata_per_psu > 1]
        if len(shared):
            first_psu = int(shared.index[0])
            rows = np.flatnonzero(raw_codes == first_psu)
            first_stratum = stratum_codes[rows[0]]
            position = int(rows[np.flatnonzero(stratum_codes[rows] != first_stratum)[0]])
            labels: list[Hashable] = [stratum_labels[first_stratum], stratum_labels[stratum_codes[position]]]
            raise InputError(
                _issue(
                    source,
                    position,
                    psu,
                    psu_values.iloc[position],
                    f"is a PSU found in two strata ({labels[0]!s} and {labels[1]!s}); PSU ids must be nested in strata",
                ),
                total=len(shared),
            )
        return raw_codes

    @staticmethod
    def _sampling_fractions(
        frame: pd.DataFrame,
        fpc: str,
        stratum_codes: IntArray,
        psu_count_by_stratum: IntArray,
        stratum_labels: pd.Index,
        source: str,
        group: str = "stratum",
    ) -> FloatArray:
        """f_h per stratum from an fpc column holding population sizes (> 1) or fractions (<= 1)."""
        values = pd.to_numeric(_require_column(frame, fpc, "fpc", source), errors="coerce")
        array = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(array) | (array <= 0)
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InputError(
                _issue(source, position, fpc, frame[fpc].iloc[position], "is not a positive fpc"),
                total=int(bad.sum()),
            )
        strata = len(stratum_labels)
        low = np.full(strata, np.inf)
        high = np.full(strata, -np.inf)
        np.minimum.at(low, stratum_codes, array)
        np.maximum.at(high, stratum_codes, array)
        varying = np.flatnonzero(low != high)
        if varying.size:
            position = int(np.flatnonzero(stratum_codes == varying[0])[0])
            raise InputError(
                _issue(
                    source,
                    position,
                    fpc,
                    array[position],
                    f"varies within {group} {stratum_labels[int(varying[0])]!s}; the fpc must be constant there",
                )
            )
        counts = psu_count_by_stratum.astype(np.float64)
        fraction = np.where(low <= 1.0, low, counts / low)
        too_small = np.flatnonzero((low > 1.0) & (low < counts))
        if too_small.size:
            position = int(np.flatnonzero(stratum_codes == too_small[0])[0])
            raise InputError(
                _issue(
                    source,
                    position,
                    fpc,
                    array[position],
                    f"is smaller than the {int(counts[too_small[0]])} units sampled in the {group}",
                )
            )
        return fraction

    def post_stratify(self, column: str, population: Mapping[Any, float]) -> SurveyDesign:
        """A new design whose weights match the population count of every level of ``column`` (R ``postStratify``).

        The variance uses the scores minus their post-stratum projections (R's residuals), so it reflects the
        calibration. Not combined with a second stage yet. A level of the population absent from the sample, or
        a sample level without a population total, is an :class:`~ruralmig.errors.InputError`.
        """
        self._check_calibration_allowed("post_stratify")
        codes, totals = margin_codes(self.data, column, population, self.source)
        calibrated = self.weights * post_strata_factors(codes, totals, self.weights[:, None], column)[:, 0]
        strata = PostStrata(codes=codes, prior_weights=self.weights, column=column)
        return replace(self, weights=calibrated, calibration=strata)

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float]],
        *,
        epsilon: float = 1.0,
        max_iterations: int = 10,
        on_failure: RakingPolicy = "warn",
    ) -> SurveyDesign:
        """A new design raked to the population counts of each margin (R ``rake``, iterative proportional fitting).

        ``margins`` maps a column to its population count per level. Sweeps stop when the joint weighted table
        moves by less than ``epsilon`` (a fraction of the total weight when < 1), after at most ``max_iterations``
        sweeps; see :func:`ruralmig.survey.calibration.rake_weights` for the non-convergence policy. The Taylor
        variance uses R's raking residuals.
        """
        self._check_calibration_allowed("rake")
        if not margins:
            raise ValueError("rake needs at least one margin")
        coded = [margin_codes(self.data, column, totals, self.source) for column, totals in margins.items()]
        result = rake_weights(
            self.weights[:, None], coded, list(margins), epsilon, max_iterations, on_failure, self.source
        )
        raking = Raking(
            margins=tuple((codes, weights) for (codes, _), weights in zip(coded, result.margin_weights, strict=True)),
            columns=tuple(margins),
        )
        return replace(self, weights=result.weights[:, 0], calibration=raking)

    def to_replicate(
        self,
        kind: Literal["JK1", "JKn", "BRR", "Fay", "bootstrap"] = "JK1",
        *,
        rho: float = 0.0,
        replicates: int = 50,
        seed: int | np.random.Generator | None = None,
        mse: bool = False,
    ) -> ReplicateDesign:
        """Replicate weights generated from this design (R ``as.svrepdesign``); see
        :func:`ruralmig.survey.replicates.replicate_design`."""
        from ruralmig.survey.replicates import replicate_design

        return replicate_design(self, kind, rho=rho, replicates=replicates, seed=seed, mse=mse)

    def _check_calibration_allowed(self, method: str) -> None:
        if self.second_stage is not None:
            raise ValueError(f"{method} does not support two-stage designs yet")
        if self.calibration is not None:
            raise ValueError("the design is already calibrated")

    def calibrate_linear(self, auxiliary: pd.DataFrame, totals: Mapping[str, float]) -> SurveyDesign:
        """A new design calibrated to population ``totals`` of the auxiliary columns (R ``calibrate``, linear).

        ``auxiliary`` has one row per record (same order as the data) and one numeric column per total, e.g. an
        intercept of ones, dummies and continuous variables. The variance uses the GREG residuals.
        """
        return self.calibrate(auxiliary, totals, calfun="linear")

    def calibrate(
        self,
        auxiliary: pd.DataFrame,
        totals: Mapping[str, float],
        *,
        calfun: Literal["linear", "raking"] = "linear",
        epsilon: float = 1e-7,
        max_iterations: int = 50,
    ) -> SurveyDesign:
        """A new design calibrated to ``totals`` (R ``calibrate(..., calfun=)``): ``"linear"`` (GREG) or
        ``"raking"`` (g = exp(X lambda), Newton steps until every total is within ``epsilon`` relative, as R's
        ``grake``; failing to get there is an :class:`~ruralmig.errors.InputError`, as R stops). The Taylor
        variance uses the GREG residuals with the final g-weights, as R."""
        self._check_calibration_allowed("calibrate")
        names = tuple(totals)
        unknown = [name for name in names if name not in auxiliary.columns]
        if unknown:
            raise InputError(Issue(file=self.source, column=unknown[0], reason="is not an auxiliary column"))
        if len(auxiliary) != self.record_count:
            raise ValueError(f"auxiliary must have {self.record_count} rows, one per record; got {len(auxiliary)}")
        matrix = auxiliary[list(names)].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.argwhere(~np.isfinite(matrix))
        if bad.size:
            position, which = (int(i) for i in bad[0])
            raise InputError(_issue(self.source, position, names[which], matrix[position, which], "is not a number"))
        target = np.array([float(totals[name]) for name in names])
        if calfun == "raking":
            factors = raking_factors(matrix, self.weights, target, names, epsilon, max_iterations, self.source)
        elif calfun == "linear":
            gram = matrix.T @ (self.weights[:, None] * matrix)
            try:
                multipliers = np.linalg.solve(gram, target - self.weights @ matrix)
            except np.linalg.LinAlgError as error:
                raise ValueError(f"the auxiliary columns {list(names)} are collinear; drop one") from error
            factors = 1.0 + matrix @ multipliers
        else:
            raise ValueError(f"calfun must be 'linear' or 'raking'; got {calfun!r}")
        calibration = LinearCalibration(auxiliary=matrix, prior_weights=self.weights, factors=factors, columns=names)
        return replace(self, weights=self.weights * factors, calibration=calibration)

    @property
    def record_count(self) -> int:
        """Number of records (rows)."""
        return len(self.weights)

    @property
    def psu_count(self) -> int:
        """Number of PSUs over all strata."""
        return len(self.psu_stratum)

    @property
    def stratum_count(self) -> int:
        """Number of strata."""
        return len(self.stratum_labels)

    @property
    def degrees_of_freedom(self) -> int:
        """Design degrees of freedom: PSUs minus strata (R ``degf``)."""
        return self.psu_count - self.stratum_count

    @property
    def weight_total(self) -> float:
        """Estimated population size, the sum of the weights."""
        return float(self.weights.sum())

    def taylor_variance(self, scores: FloatArray) -> FloatArray:
        """Variance of each column of ``scores`` (weighted linearised values, records x statistics).

        Scores are summed by PSU, centred on their stratum mean and combined with (1 - f_h) n_h / (n_h - 1);
        everything is vectorised with ``np.bincount`` (one call per statistic column, none per row or PSU).
        """
        matrix = np.asarray(scores, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix[:, None]
        variance: FloatArray = self.taylor_variance_by_domain(matrix, np.zeros(len(matrix), dtype=np.intp), 1)[0]
        return variance

    def taylor_variance_by_domain(self, scores: FloatArray, domain_codes: IntArray, domain_count: int) -> FloatArray:
        """Variances (domains x statistics) of scores that are zero outside each record's own domain.

        ``scores`` is records x statistics and ``domain_codes`` gives each record's domain (0..domain_count-1);
        records outside every domain must carry zero scores. Only PSU x domain totals are built, never a
        records x domains matrix; every PSU and stratum of the design stays in the variance.
        """
        matrix = np.asarray(scores, dtype=np.float64)
        combined = self.psu_codes * domain_count + domain_codes
        totals = group_sums(combined, matrix, self.psu_count * domain_count)
        wide = totals.reshape(self.psu_count, domain_count * matrix.shape[1])
        if self.calibration is not None:
            wide = wide - self.calibration.psu_correction(
                matrix, domain_codes, domain_count, self.psu_codes, self.psu_count
            )
        variance = self._variance_from_psu_totals(wide)
        if self.second_stage is not None:
            stage = self.second_stage
            ssu_totals = group_sums(
                stage.ssu_codes * domain_count + domain_codes, matrix, stage.ssu_count * domain_count
            )
            variance = variance + self._second_stage_variance(
                ssu_totals.reshape(stage.ssu_count, domain_count * matrix.shape[1])
            )
        return variance.reshape(domain_count, matrix.shape[1])

    def _second_stage_variance(self, ssu_totals: FloatArray) -> FloatArray:
        """R's multistage term: sum over PSUs of (n_1h / N_1h) times the within-PSU variance of SSU totals."""
        stage = self.second_stage
        if stage is None:
            return np.zeros(ssu_totals.shape[1])
        counts = stage.ssu_count_by_psu.astype(np.float64)
        centre = group_sums(stage.ssu_psu, ssu_totals, self.psu_count) / counts[:, None]
        deviations = ssu_totals - centre[stage.ssu_psu]
        with np.errstate(divide="ignore", invalid="ignore"):
            within = np.where(counts > 1, counts / (counts - 1.0), 0.0) * (1.0 - stage.fraction_by_psu)
        first = self.sampling_fraction_by_stratum[self.psu_stratum]
        scale = (first * within)[stage.ssu_psu]
        result: FloatArray = (scale[:, None] * deviations**2).sum(axis=0)
        return result

    def _variance_from_psu_totals(self, psu_totals: FloatArray) -> FloatArray:
        """Sum over strata of (1 - f_h) n_h / (n_h - 1) times the squared deviations of PSU totals."""
        counts = self.psu_count_by_stratum.astype(np.float64)
        stratum_sums = group_sums(self.psu_stratum, psu_totals, self.stratum_count)
        centre = stratum_sums / counts[:, None]
        single = counts == 1
        if self.lonely_psu == "adjust" and single.any():
            centre[single] = 0.0  # R survey 4.1: a lonely PSU's total is not centred (checked live against R)
        deviations = psu_totals - centre[self.psu_stratum]
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(single, 0.0, counts / (counts - 1.0))
        if self.lonely_psu == "adjust":
            scale = np.where(single, 1.0, scale)
        scale = scale * (1.0 - self.sampling_fraction_by_stratum)
        result: FloatArray = (scale[self.psu_stratum][:, None] * deviations**2).sum(axis=0)
        if self.lonely_psu == "average":
            # R: lonely strata (not fully sampled) are left out and the others scaled by strata / strata kept
            lonely = int((single & (1.0 - self.sampling_fraction_by_stratum >= 1e-7)).sum())
            kept = self.stratum_count - lonely
            result = result * (self.stratum_count / kept) if kept > 0 else np.full_like(result, np.nan)
        return result


def margin_codes(
    data: pd.DataFrame, column: str, population: Mapping[Any, float], source: str
) -> tuple[IntArray, FloatArray]:
    """Level codes of ``column`` per record and the population total of each level, checked both ways."""
    values = _require_column(data, column, "calibration", source)
    codes, labels = _codes(values, column, "calibration level", source)
    missing = [label for label in labels if label not in population]
    if missing:
        position = int(np.flatnonzero(codes == labels.get_loc(missing[0]))[0])
        raise InputError(
            _issue(source, position, column, missing[0], "has no population total in the calibration margin"),
            total=len(missing),
        )
    known = set(labels)
    unreachable = [label for label, total in population.items() if label not in known and float(total) != 0.0]
    if unreachable:
        raise InputError(
            Issue(
                file=source,
                column=column,
                value=str(unreachable[0]),
                reason="has a population total but no record in the sample; the target cannot be reached",
            ),
            total=len(unreachable),
        )
    totals = np.array([float(population[label]) for label in labels])
    if not np.all(np.isfinite(totals) & (totals > 0)):
        raise InputError(
            Issue(file=source, column=column, value=str(list(totals)), reason="population totals must be positive")
        )
    return codes, totals


def post_strata_factors(codes: IntArray, totals: FloatArray, weights: FloatArray, column: str) -> FloatArray:
    """Records x columns factors total_g / sum_g(w) for every column of ``weights``; column 0 must reach them."""
    sums = group_sums(codes, weights, len(totals))
    if np.any(sums[:, 0] <= 0):
        raise ValueError(f"a level of {column} has no weight in the sample; it cannot be calibrated")
    with np.errstate(divide="ignore", invalid="ignore"):
        factors: FloatArray = (totals[:, None] / sums)[codes]
    return factors
