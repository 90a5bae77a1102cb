"""PWM / L-moment fits against direct formulas and scipy, on small samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ruralmig.climate.distributions import fit_gamma, fit_log_logistic, l_moments


def direct_l_moments(sample: np.ndarray) -> tuple[float, float, float]:
    """Unbiased PWMs written out with binomial coefficients (Hosking 1990)."""
    x = np.sort(sample)
    n = len(x)
    b = [sum(math.comb(j, r) / math.comb(n - 1, r) * x[j] for j in range(n)) / n for r in range(3)]
    l2 = 2 * b[1] - b[0]
    return b[0], l2, (6 * b[2] - 6 * b[1] + b[0]) / l2


def test_l_moments_match_the_direct_formula_with_missing_values() -> None:
    rng = np.random.default_rng(3)
    samples = rng.gamma(2.0, 10.0, size=(30, 12, 5))
    samples[25:, 0, 0] = np.nan
    moments = l_moments(samples)
    for month, cell in [(0, 0), (5, 3)]:
        sample = samples[:, month, cell]
        want = direct_l_moments(sample[~np.isnan(sample)])
        got = (moments.l1[month, cell], moments.l2[month, cell], moments.t3[month, cell])
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert moments.valid.all()


def test_too_few_values_are_invalid() -> None:
    samples = np.full((10, 12, 1), np.nan)
    samples[:3, :, 0] = [[1.0], [2.0], [4.0]]
    assert not l_moments(samples).valid.any()


def test_log_logistic_cdf_is_a_probability_and_increases() -> None:
    samples = np.random.default_rng(4).normal(0, 40, size=(40, 12, 2))
    fit = fit_log_logistic(samples)
    grid = np.linspace(-80, 80, 50).reshape(-1, 1, 1) * np.ones((1, 12, 2))
    cdf = fit.cdf(grid)
    assert ((cdf >= 0) & (cdf <= 1)).all()
    assert (np.diff(cdf, axis=0) >= 0).all()
    empirical = (samples[:, None] <= grid[None]).mean(axis=0)
    assert np.abs(cdf - empirical).max() < 0.25


def test_gamma_fit_recovers_the_parameters_of_a_large_sample() -> None:
    samples = stats.gamma(a=2.5, scale=20.0).rvs(size=(4000, 12, 1), random_state=5)
    fit = fit_gamma(samples)
    np.testing.assert_allclose(fit.alpha, 2.5, rtol=0.1)
    np.testing.assert_allclose(fit.beta, 20.0, rtol=0.1)
    x = np.array([10.0, 50.0]).reshape(-1, 1, 1)
    np.testing.assert_allclose(fit.cdf(x)[:, 0, 0], stats.gamma(a=fit.alpha[0, 0], scale=fit.beta[0, 0]).cdf([10, 50]))


@pytest.mark.parametrize("value", [0.0, -3.0])
def test_gamma_cdf_is_zero_at_and_below_zero(value: float) -> None:
    fit = fit_gamma(np.random.default_rng(6).gamma(2.0, 5.0, size=(20, 12, 1)))
    assert (fit.cdf(np.full((1, 12, 1), value)) == 0).all()
