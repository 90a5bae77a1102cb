"""Calibrated weights and the residuals R uses for their Taylor variance (``postStratify``, linear ``calibrate``).

Each calibration gives the correction to subtract from the PSU totals of the scores, so that the variance is
that of the calibration residuals (R ``svyrecvar``), computed without a records x domains matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "IntArray", "LinearCalibration", "PostStrata", "group_sums"]

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

    R's residual of a score x_k in post-stratum g: x_k - w_k * mean_{j in g}(x_j / w_j), w the prior weights
    and the mean unweighted over the records of g.
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
        """PSU x (domains * statistics) totals of w_k * mean_g(x / w), to subtract from the score totals."""
        safe = np.where(self.prior_weights > 0, self.prior_weights, 1.0)
        ratio = np.where(self.prior_weights[:, None] > 0, scores / safe[:, None], 0.0)
        sums = group_sums(self.codes * domain_count + domain_codes, ratio, self.count * domain_count)
        sizes = np.bincount(self.codes, minlength=self.count).astype(np.float64)
        means = sums.reshape(self.count, domain_count * scores.shape[1]) / sizes[:, None]
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
