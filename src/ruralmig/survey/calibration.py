"""Calibrated weights and the residuals R uses for their Taylor variance (``postStratify``, ``rake``, linear
``calibrate``).

Each calibration gives the correction to subtract from the PSU totals of the scores, so that the variance is
that of the calibration residuals (R ``svyrecvar``); post-strata and GREG do it without a records x domains matrix.

Raking policy: :func:`rake_weights` sweeps the margins as R's ``rake`` does (at most ``max_iterations`` sweeps,
stop when the joint weighted table moves by less than ``epsilon``; ``epsilon < 1`` is a fraction of the total
weight). When it has not converged, ``on_failure="warn"`` (R's behaviour) keeps the last weights and emits a
:class:`~ruralmig.errors.ConvergenceWarning`; ``on_failure="error"`` raises an :class:`~ruralmig.errors.InputError`
naming the margin furthest from its totals. Margins whose population totals disagree (relative difference above
1e-6) cannot all be reached: R silently ends on the last margin, here the same policy applies (warning or error)
before any sweep.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ruralmig.errors import ConvergenceWarning, InputError, Issue

__all__ = [
    "FloatArray",
    "IntArray",
    "LinearCalibration",
    "PostStrata",
    "Raking",
    "RakingPolicy",
    "RakingResult",
    "group_sums",
    "rake_weights",
    "raking_factors",
]

RakingPolicy = Literal["warn", "error"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def group_sums(codes: IntArray, matrix: FloatArray, groups: int) -> FloatArray:
    """Column sums of ``matrix`` within groups 0..groups-1 (one ``np.bincount`` per column)."""
    sums = np.zeros((groups, matrix.shape[1]), dtype=np.float64)
    for column in range(matrix.shape[1]):
        sums[:, column] = np.bincount(codes, weights=matrix[:, column], minlength=groups)
    return sums


@dataclass(frozen=True, eq=False)
class PostStrata:
    """Post-strata and the weights before post-stratification.

    R's (4.1) residual of a score x_k in post-stratum g: x_k - w_k * sum_{j in g} x_j / sum_{j in g} w_j, with w
    the prior weights.
    """

    codes: IntArray
    prior_weights: FloatArray
    column: str

    @property
    def count(self) -> int:
        """Number of post-strata."""
        return int(self.codes.max()) + 1

    def psu_correction(
        self, scores: FloatArray, domain_codes: IntArray, domain_count: int, psu_codes: IntArray, psu_count: int
    ) -> FloatArray:
        """PSU x (domains * statistics) totals of w_k * sum_g(x) / sum_g(w), to subtract from the score totals."""
        sums = group_sums(self.codes * domain_count + domain_codes, scores, self.count * domain_count)
        sizes = np.bincount(self.codes, weights=self.prior_weights, minlength=self.count)
        safe = np.where(sizes > 0, sizes, 1.0)
        means = sums.reshape(self.count, domain_count * scores.shape[1]) / safe[:, None]
        prior_by_psu = np.bincount(
            psu_codes * self.count + self.codes, weights=self.prior_weights, minlength=psu_count * self.count
        ).reshape(psu_count, self.count)
        result: FloatArray = prior_by_psu @ means
        return result


@dataclass(frozen=True, eq=False)
class LinearCalibration:
    """Linear (GREG) calibration on auxiliary columns X: g = 1 + X lambda, with sum w g X equal to the totals.

    R's residual: x - g w X beta with beta = (X' W X)^-1 sum_k X_k x_k / g_k (regression of the scores on X).
    """

    auxiliary: FloatArray
    prior_weights: FloatArray
    factors: FloatArray
    columns: tuple[str, ...]

    def psu_correction(
        self, scores: FloatArray, domain_codes: IntArray, domain_count: int, psu_codes: IntArray, psu_count: int
    ) -> FloatArray:
        """PSU x (domains * statistics) totals of g w X beta, to subtract from the score totals."""
        auxiliary, weights = self.auxiliary, self.prior_weights
        gram = auxiliary.T @ (weights[:, None] * auxiliary)
        scaled = scores / self.factors[:, None]
        width = domain_count * scores.shape[1]
        cross = np.vstack(
            [
                group_sums(domain_codes, auxiliary[:, [a]] * scaled, domain_count).reshape(1, width)
                for a in range(auxiliary.shape[1])
            ]
        )
        beta = np.linalg.solve(gram, cross)
        fitted_by_psu = group_sums(psu_codes, (self.factors * weights)[:, None] * auxiliary, psu_count)
        result: FloatArray = fitted_by_psu @ beta
        return result


def wide_scores(scores: FloatArray, domain_codes: IntArray, domain_count: int) -> FloatArray:
    """Records x (domains * statistics) scores, zero outside each record's domain."""
    width = scores.shape[1]
    wide = np.zeros((scores.shape[0], domain_count * width))
    columns = domain_codes[:, None] * width + np.arange(width)[None, :]
    np.put_along_axis(wide, columns, scores, axis=1)
    return wide


@dataclass(frozen=True, eq=False)
class Raking:
    """Raking over margins: each margin's codes and the weights after its post-stratification in the last sweep.

    R's residuals: ten sweeps of x <- x - w_m * mean_{level of m}(x / w_m) over the margins m (unweighted mean).
    """

    margins: tuple[tuple[IntArray, FloatArray], ...]
    columns: tuple[str, ...]
    sweeps: int = 10

    def residuals(self, matrix: FloatArray) -> FloatArray:
        """Scores (records x anything) minus their projection on the raking margins."""
        result = np.array(matrix, dtype=np.float64)
        for _ in range(self.sweeps):
            for codes, weights in self.margins:
                levels = int(codes.max()) + 1
                safe = np.where(weights > 0, weights, 1.0)
                ratio = np.where(weights[:, None] > 0, result / safe[:, None], 0.0)
                sizes = np.bincount(codes, minlength=levels).astype(np.float64)
                means = group_sums(codes, ratio, levels) / sizes[:, None]
                result = result - weights[:, None] * means[codes]
        return result

    def psu_correction(
        self, scores: FloatArray, domain_codes: IntArray, domain_count: int, psu_codes: IntArray, psu_count: int
    ) -> FloatArray:
        """PSU x (domains * statistics) totals of the projection, to subtract from the score totals."""
        wide = wide_scores(scores, domain_codes, domain_count)
        return group_sums(psu_codes, wide - self.residuals(wide), psu_count)


@dataclass(frozen=True)
class RakingResult:
    """Raked weights (records x columns), each margin's analysis weights after its last step, and the sweeps."""

    weights: FloatArray
    margin_weights: tuple[FloatArray, ...]
    iterations: int
    converged: bool


def rake_weights(
    weights: FloatArray,
    margins: Sequence[tuple[IntArray, FloatArray]],
    names: Sequence[str],
    epsilon: float,
    max_iterations: int,
    on_failure: RakingPolicy,
    source: str,
) -> RakingResult:
    """Iterative proportional fitting of every column of ``weights`` (column 0 decides convergence), as R ``rake``.

    ``margins`` holds each margin's level codes per record and its population totals per level.
    """
    if on_failure not in ("warn", "error"):
        raise ValueError(f"on_failure must be 'warn' or 'error'; got {on_failure!r}")
    if max_iterations < 1 or not epsilon > 0:
        raise ValueError(f"max_iterations must be >= 1 and epsilon > 0; got {max_iterations}, {epsilon}")
    grand = [float(totals.sum()) for _, totals in margins]
    if max(grand) - min(grand) > 1e-6 * max(grand):
        listed = ", ".join(f"{name}: {total:g}" for name, total in zip(names, grand, strict=True))
        message = f"the margins disagree on the population total ({listed}); the raking targets cannot all be reached"
        if on_failure == "error":
            raise InputError(Issue(file=source, column=names[int(np.argmax(grand))], reason=message))
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    current = np.array(weights, dtype=np.float64)
    tolerance = epsilon * float(current[:, 0].sum()) if epsilon < 1 else epsilon
    sizes = [int(codes.max()) + 1 for codes, _ in margins]
    joint = np.zeros(len(current), dtype=np.intp)
    for (codes, _), size in zip(margins, sizes, strict=True):
        joint = joint * size + codes
    cells = int(np.prod(sizes))

    def table(values: FloatArray) -> FloatArray:
        counts: FloatArray = np.bincount(joint, weights=values[:, 0], minlength=cells).astype(np.float64)
        return counts

    old = table(current)
    after: list[FloatArray] = []
    iterations, converged = 0, False
    while iterations < max_iterations:
        after = []
        for codes, totals in margins:
            sums = group_sums(codes, current, len(totals))
            with np.errstate(divide="ignore", invalid="ignore"):
                current = current * (totals[:, None] / sums)[codes]
            after.append(current[:, 0].copy())
        new = table(current)
        if float(np.max(np.abs(old - new))) < tolerance:
            converged = True
            break
        old = new
        iterations += 1
    if not converged:
        gaps = [
            float(np.max(np.abs(np.bincount(codes, weights=current[:, 0], minlength=len(totals)) - totals)))
            for codes, totals in margins
        ]
        worst = int(np.argmax(gaps))
        message = (
            f"raking did not converge after {iterations} sweeps (tolerance {tolerance:g}); margin {names[worst]} "
            f"is {gaps[worst]:.6g} from its totals. Check that the margins agree on the population total."
        )
        if on_failure == "error":
            raise InputError(Issue(file=source, column=names[worst], reason=message))
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return RakingResult(current, tuple(after), iterations, converged)


def raking_factors(
    matrix: FloatArray,
    weights: FloatArray,
    target: FloatArray,
    names: Sequence[str],
    epsilon: float,
    max_iterations: int,
    source: str,
) -> FloatArray:
    """g-weights exp(X lambda) reaching ``target`` totals by Newton steps (R ``grake`` with ``cal.raking``).

    Weights are rescaled first when every total is over 20 times its sample estimate, as R does. Raises an
    :class:`~ruralmig.errors.InputError` naming the worst total when it has not converged after ``max_iterations``.
    """
    work = np.array(weights, dtype=np.float64)
    sample_total = matrix.T @ work
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = target / sample_total
    rescale = float(np.mean(ratios)) if np.all(ratios > 20) else None
    if rescale is not None:
        work, sample_total = work * rescale, sample_total * rescale
    eta = np.zeros(matrix.shape[1])
    g = np.ones(len(work))
    iteration = 1
    while True:
        gram = matrix.T @ ((work * g)[:, None] * matrix)
        misfit = target - sample_total - matrix.T @ (work * (g - 1.0))
        step = np.linalg.pinv(gram, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + step
        g = np.exp(matrix @ eta)
        while iteration < max_iterations and not np.all(np.isfinite(g)):
            iteration += 1
            step = step / 2.0
            eta = eta - step
            g = np.exp(matrix @ eta)
        misfit = target - sample_total - matrix.T @ (work * (g - 1.0))
        relative = np.abs(misfit) / (1.0 + np.abs(target))
        if np.all(relative < epsilon):
            break
        iteration += 1
        if iteration > max_iterations:
            worst = int(np.argmax(relative))
            raise InputError(
                Issue(
                    file=source,
                    column=names[worst],
                    reason=f"calibration (raking) did not reach its total after {max_iterations} iterations "
                    f"(relative misfit {relative[worst]:.3g}); the target may be unreachable",
                )
            )
    return g * rescale if rescale is not None else g
