"""Distribution fits by unbiased probability-weighted moments, vectorised over calendar months and cells.

The samples come as a (years, 12, cells) array with NaN for missing years. Each function fits one distribution per
(calendar month, cell) with array operations only, reproducing R SPEI 1.x: unbiased PWMs `b0, b1, b2`
(TLMoments::PWM), L-moments `l1 = b0`, `l2 = 2b1 − b0`, `t3 = (6b2 − 6b1 + b0)/l2` (lmomco::pwm2lmom), then
Hosking's estimators and CDFs as in the Fortran of R `lmom` (`pelglo`/`cdfglo`, `pelgam`/`cdfgam`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["GammaFit", "LogLogisticFit", "fit_gamma", "fit_log_logistic", "l_moments"]

_GLO_SMALL = 1e-6  # lmom::pelglo: |shape| below this is the logistic distribution
_CDF_SMALL = 1e-15  # lmom::cdfglo: the support ends where 1 − k·y falls below this


@dataclass(frozen=True)
class LMoments:
    """Sample L-moments per (calendar month, cell), and whether a fit may use them."""

    l1: np.ndarray
    l2: np.ndarray
    t3: np.ndarray
    valid: np.ndarray


def l_moments(samples: np.ndarray, min_count: int = 4) -> LMoments:
    """L-moments from unbiased PWMs of `samples` (years, 12, cells), ignoring NaN.

    Fits are invalid (as in R SPEI) with fewer than `min_count` values, a zero spread, `l2 <= 0` or `|t3| >= 1`.
    """
    ordered = np.sort(samples, axis=0)  # NaN last
    present = ~np.isnan(ordered)
    count = present.sum(axis=0).astype(np.float64)
    values = np.where(present, ordered, 0.0)
    # sums along the year axis run year by year for every cell alike (no BLAS), so a cell gets the same bits
    # whether it is fitted alone or within a grid
    rank = np.arange(ordered.shape[0], dtype=np.float64).reshape(-1, *([1] * (ordered.ndim - 1)))  # j − 1
    with np.errstate(divide="ignore", invalid="ignore"):
        b0 = values.sum(axis=0) / count
        b1 = (rank * values).sum(axis=0) / (count * (count - 1.0))
        b2 = (rank * (rank - 1.0) * values).sum(axis=0) / (count * (count - 1.0) * (count - 2.0))
        l2 = 2.0 * b1 - b0
        t3 = (6.0 * b2 - 6.0 * b1 + b0) / l2
        last = np.take_along_axis(ordered, np.maximum(count.astype(np.intp) - 1, 0)[None], axis=0)[0]
        spread = last > ordered[0]
        valid = (count >= min_count) & spread & (l2 > 0) & (np.abs(t3) < 1) & np.isfinite(b0)
    return LMoments(b0, l2, t3, valid)


@dataclass(frozen=True)
class LogLogisticFit:
    """Hosking's generalised logistic (the SPEI's log-logistic): location `xi`, scale `alpha`, shape `k`."""

    xi: np.ndarray
    alpha: np.ndarray
    k: np.ndarray

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """F(x) as lmom::cdfglo; the parameters broadcast against `x` (years, 12, cells)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = x - self.xi
            y /= self.alpha
            argument = self.k * y
            np.subtract(1.0, argument, out=argument)
            inside = argument > _CDF_SMALL
            shaped = np.log(argument, out=argument, where=inside)
            shaped /= -np.where(self.k == 0, 1.0, self.k)
            outside = np.where(self.k < 0, -np.inf, np.inf)
            y = np.where(self.k == 0, y, np.where(inside, shaped, outside))
            result: np.ndarray = np.asarray(special.expit(y), dtype=np.float64)
        result[np.isnan(x) | np.isnan(self.xi)] = np.nan
        return result


def fit_log_logistic(samples: np.ndarray) -> LogLogisticFit:
    """Fit the generalised logistic to each (calendar month, cell) of `samples` (lmom::pelglo); NaN if invalid."""
    moments = l_moments(samples)
    k = -moments.t3
    small = np.abs(k) <= _GLO_SMALL
    k = np.where(small, 0.0, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        kpi = k * np.pi
        ratio = np.where(small, 1.0, kpi / np.sin(np.where(small, 1.0, kpi)))
        alpha = moments.l2 / ratio
        xi = np.where(small, moments.l1, moments.l1 - alpha * (1.0 - ratio) / np.where(small, 1.0, k))
    invalid = ~moments.valid
    return LogLogisticFit(np.where(invalid, np.nan, xi), np.where(invalid, np.nan, alpha), np.where(invalid, np.nan, k))


@dataclass(frozen=True)
class GammaFit:
    """Two-parameter gamma: shape `alpha`, scale `beta`."""

    alpha: np.ndarray
    beta: np.ndarray

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """F(x) as lmom::cdfgam (zero at and below zero); the parameters broadcast against `x`."""
        with np.errstate(divide="ignore", invalid="ignore"):
            result = special.gammainc(self.alpha, np.maximum(x, 0.0) / self.beta)
        return np.where(np.isnan(x) | np.isnan(self.alpha), np.nan, np.where(x > 0, result, 0.0))


def fit_gamma(samples: np.ndarray) -> GammaFit:
    """Fit the gamma to the positive values of each (calendar month, cell) (lmom::pelgam); NaN if invalid.

    The zero-spread check looks at all values, zeros included, before the zeros are dropped, as R SPEI does.
    """
    with np.errstate(invalid="ignore"):
        constant = ~(np.fmax.reduce(samples, axis=0) > np.fmin.reduce(samples, axis=0))
        positive = np.where(samples > 0, samples, np.nan)
    moments = l_moments(positive)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = moments.l2 / moments.l1
        t_low = np.pi * cv * cv
        low = (1.0 - 0.3080 * t_low) / (t_low * (1.0 + t_low * (-0.05812 + t_low * 0.01765)))
        t_high = 1.0 - cv
        high = t_high * (0.7213 + t_high * -0.5947) / (1.0 + t_high * (-2.1817 + t_high * 1.2113))
        alpha = np.where(cv >= 0.5, high, low)
        beta = moments.l1 / alpha
    invalid = ~moments.valid | constant | ~(moments.l1 > moments.l2)
    return GammaFit(np.where(invalid, np.nan, alpha), np.where(invalid, np.nan, beta))
