"""Confidence intervals for proportions (R ``svyciprop``), with t quantiles on the design degrees of freedom.

Methods, for p the weighted proportion with design variance v (Taylor or replicate) and t = t_{1-a/2, df}:

- ``mean``: p +/- t sqrt(v).
- ``xlogit``: expit(logit(p) +/- t sqrt(v) / (p (1 - p))) (delta method).
- ``logit``: expit(b +/- t se(b)) from an intercept-only quasibinomial GLM (R ``svyglm``; with replicate weights
  the replicates are refitted); the estimate is expit(b).
- ``asin``: sin^2(asin(sqrt p) +/- t sqrt(v) / (2 sqrt(p (1 - p)))).
- ``beta``: Korn-Graubard: beta quantiles with the effective sample size p (1 - p) / v, scaled by
  (t_{a/2, n-1} / t_{a/2, df})^2.
- ``likelihood``: R's profile-likelihood interval of the intercept-only quasibinomial GLM, scaled by the
  design effect of the intercept; the profile is traced and interpolated as R does (cubic FMM spline).
- ``wilson``: Wilson score interval on the effective sample size (not in R 4.1; not checked against R).

The reported SE is that of the proportion, as R's ``SE(svyciprop(...))``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import FloatArray
from ruralmig.survey.glm import GlmFit, fit_glm
from ruralmig.survey.replicates import ReplicateDesign
from ruralmig.survey.taylor import (
    COLUMNS,
    AnyDesign,
    SurveyEstimate,
    domain_masks,
    domain_mean_variance,
    variance_label,
)

__all__ = ["CIPROP_METHODS", "CipropMethod", "critical_value", "fmm_spline", "proportion_interval", "survey_ciprop"]

CipropMethod = Literal["logit", "likelihood", "asin", "beta", "mean", "xlogit", "wilson"]
CIPROP_METHODS: tuple[str, ...] = ("logit", "likelihood", "asin", "beta", "mean", "xlogit", "wilson")


def critical_value(level: float, df: float) -> float:
    """Two-sided t quantile (normal when ``df`` is infinite)."""
    tail = 1.0 - (1.0 - level) / 2.0
    return float(stats.norm.ppf(tail)) if math.isinf(df) else float(stats.t.ppf(tail, df))


def proportion_interval(
    p: float, variance: float, method: str, df: float, records: int, level: float
) -> tuple[float, float]:
    """Interval for a proportion by ``mean``, ``xlogit``, ``asin``, ``beta`` or ``wilson`` (see the module)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
    t = critical_value(level, df)
    se = math.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - t * se, p + t * se
        if method == "xlogit":
            centre, half = math.log(p / (1.0 - p)), t * se / (p * (1.0 - p))
            return float(special.expit(centre - half)), float(special.expit(centre + half))
        if method == "asin":
            centre, half = math.asin(math.sqrt(p)), t * se / (2.0 * math.sqrt(p * (1.0 - p)))
            return math.sin(centre - half) ** 2, math.sin(centre + half) ** 2
        alpha = 1.0 - level
        effective = p * (1.0 - p) / variance
        if method == "beta":
            t_low = float(stats.t.ppf(alpha / 2.0, df)) if not math.isinf(df) else float(stats.norm.ppf(alpha / 2))
            effective *= (float(stats.t.ppf(alpha / 2.0, records - 1)) / t_low) ** 2
            low = float(stats.beta.ppf(alpha / 2.0, effective * p, effective * (1.0 - p) + 1.0))
            high = float(stats.beta.ppf(1.0 - alpha / 2.0, effective * p + 1.0, effective * (1.0 - p)))
            return low, high
        if method == "wilson":
            shrink = 1.0 + t * t / effective
            centre = (p + t * t / (2.0 * effective)) / shrink
            half = t / shrink * math.sqrt(p * (1.0 - p) / effective + t * t / (4.0 * effective**2))
            return centre - half, centre + half
    raise ValueError(f"method must be one of {', '.join(CIPROP_METHODS)}; got {method!r}")


def fmm_spline(x: FloatArray, y: FloatArray, points: int) -> tuple[FloatArray, FloatArray]:
    """R ``spline(x, y, n=points)``: the Forsythe-Malcolm-Moler cubic spline evaluated on an even grid."""
    n = len(x)
    if n < 2:
        return x.copy(), y.copy()
    h = np.diff(x)
    slope = np.diff(y) / h
    diagonal = np.zeros(n)
    rhs = np.zeros(n)
    diagonal[1:-1] = 2.0 * (h[:-1] + h[1:])
    rhs[1:-1] = slope[1:] - slope[:-1]
    diagonal[0], diagonal[-1] = -h[0], -h[-1]
    if n > 3:
        third_start = rhs[2] / (x[3] - x[1]) - rhs[1] / (x[2] - x[0])
        third_end = rhs[n - 2] / (x[n - 1] - x[n - 3]) - rhs[n - 3] / (x[n - 2] - x[n - 4])
        rhs[0] = third_start * h[0] ** 2 / (x[3] - x[0])
        rhs[-1] = -third_end * h[-1] ** 2 / (x[n - 1] - x[n - 4])
    off = np.append(h, 0.0)
    for i in range(1, n):  # tridiagonal elimination on at most a few dozen profile points
        factor = off[i - 1] / diagonal[i - 1]
        diagonal[i] -= factor * off[i - 1]
        rhs[i] -= factor * rhs[i - 1]
    sigma = np.zeros(n)
    sigma[-1] = rhs[-1] / diagonal[-1]
    for i in range(n - 2, -1, -1):
        sigma[i] = (rhs[i] - off[i] * sigma[i + 1]) / diagonal[i]
    linear = slope - h * (sigma[1:] + 2.0 * sigma[:-1])
    cubic = (sigma[1:] - sigma[:-1]) / h
    grid = np.linspace(x[0], x[-1], points)
    piece = np.clip(np.searchsorted(x, grid, side="right") - 1, 0, n - 2)
    dx = grid - x[piece]
    values = y[piece] + dx * (linear[piece] + dx * (3.0 * sigma[piece] + dx * cubic[piece]))
    return grid, values


def _likelihood_interval(
    design: AnyDesign, indicator: FloatArray, inside: npt.NDArray[np.bool_], fit: GlmFit, df: float, level: float
) -> tuple[float, float]:
    """R's ``svyciprop(method="likelihood")``: the profile of the intercept-only quasibinomial GLM, traced in
    steps of zmax/5 standard errors and read off a cubic spline at the design-effect-scaled cut-offs."""
    prior = fit.prior_weights
    beta = float(fit.coefficients[0])
    mu = fit.mu
    records = int(inside.sum()) if isinstance(design, ReplicateDesign) else design.record_count

    def deviance(value: float) -> float:
        p = float(special.expit(value))
        return float(-2.0 * np.sum(prior * (indicator * math.log(p) + (1.0 - indicator) * math.log(1.0 - p))))

    # R's residuals.svyglm: Pearson residuals without the sampling weights, then their design variance
    pearson = np.where(inside, (indicator - mu) / np.sqrt(mu * (1.0 - mu)), 0.0)
    weights = np.where(inside, design.weights, 0.0)
    count = int((weights != 0).sum())
    centre = float(np.sum(weights * pearson) / weights.sum())
    dispersion = float(np.sum(weights * (pearson - centre) ** 2) / weights.sum()) * count / (count - 1.0)
    se_beta = math.sqrt(float(fit.variance[0]))
    ratio = se_beta**2 / float(fit.naive_inverse[0, 0])
    tail = (1.0 - level) / 2.0
    quantile = float(stats.norm.ppf(tail)) if math.isinf(df) else float(stats.t.ppf(tail, df))
    alpha = float(stats.norm.cdf(quantile * math.sqrt(ratio))) / 2.0
    zmax = math.sqrt(float(stats.f.isf(alpha, 1, records - 1)))
    step_size = zmax / 5.0
    base = deviance(beta)
    values, profile = [beta], [0.0]
    for sign in (-1.0, 1.0):
        step, z = 0, 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            value = beta + sign * step * step_size * se_beta
            z = sign * math.sqrt(max((deviance(value) - base) / dispersion, 0.0))
            values.append(value)
            profile.append(z)
    order = np.argsort(profile, kind="stable")
    grid, spline_values = fmm_spline(np.asarray(values)[order], np.asarray(profile)[order], 3 * len(values))
    cutoff = np.array([stats.norm.ppf(2.0 * alpha), stats.norm.isf(2.0 * alpha)])
    sort = np.argsort(spline_values, kind="stable")
    low, high = np.interp(cutoff, spline_values[sort], grid[sort], left=np.nan, right=np.nan)
    return float(special.expit(low)), float(special.expit(high))


def survey_ciprop(
    design: AnyDesign,
    variable: str,
    *,
    success: object = None,
    method: CipropMethod = "logit",
    by: str | None = None,
    level: float = 0.95,
    df: float | None = None,
    na_rm: bool = False,
) -> SurveyEstimate:
    """The proportion of records with ``variable == success`` (or of a 0/1 ``variable``) and its interval.

    ``df`` defaults to the design degrees of freedom (R's ``degf``); ``np.inf`` gives normal quantiles.
    """
    if method not in CIPROP_METHODS:
        raise ValueError(f"method must be one of {', '.join(CIPROP_METHODS)}; got {method!r}")
    indicator, complete = _indicator(design, variable, success, na_rm)
    degrees = float(design.degrees_of_freedom if df is None else df)
    labels, masks = domain_masks(design, by, complete)
    rows = []
    for label, inside in zip(labels, masks, strict=True):
        estimate, variance = domain_mean_variance(design, indicator[:, None], inside)
        p, v = float(estimate[0]), float(variance[0])
        if method in ("logit", "likelihood"):
            fit = fit_glm(
                design, np.ones((design.record_count, 1)), indicator, complete > 0, "quasibinomial", domain=inside
            )
            p = float(special.expit(fit.coefficients[0]))
            if method == "likelihood":
                low, high = _likelihood_interval(design, indicator, inside, fit, degrees, level)
            else:
                half = critical_value(level, degrees) * math.sqrt(float(fit.variance[0]))
                low = float(special.expit(fit.coefficients[0] - half))
                high = float(special.expit(fit.coefficients[0] + half))
        else:
            low, high = proportion_interval(p, v, method, degrees, design.record_count, level)
        rows.append((label if by else None, p, math.sqrt(v), low, high, int(inside.sum())))
    term = variable if success is None else f"{variable}=={success}"
    table = pd.DataFrame(
        {
            "statistic": "proportion",
            "domain": [row[0] for row in rows],
            "term": term,
            "estimate": [row[1] for row in rows],
            "se": [row[2] for row in rows],
            "ci_low": [row[3] for row in rows],
            "ci_high": [row[4] for row in rows],
            "deff": np.nan,
            "df": degrees,
            "n": [row[5] for row in rows],
        },
        columns=COLUMNS,
    )
    return SurveyEstimate("proportion", table, level, "t", design.degrees_of_freedom, by, variance_label(design))


def _indicator(design: AnyDesign, variable: str, success: object, na_rm: bool) -> tuple[FloatArray, FloatArray]:
    """0/1 values of the event and 1.0 for complete records."""
    if variable not in design.data.columns:
        raise InputError(Issue(file=design.source, column=variable, reason="the variable is not in the data"))
    values = design.data[variable]
    missing = values.isna().to_numpy()
    if missing.any() and not na_rm:
        position = int(np.flatnonzero(missing)[0])
        raise InputError(
            Issue(
                file=design.source,
                row=position + 1,
                column=variable,
                reason="is missing; pass na_rm=True to treat missing values as outside the domain",
            ),
            total=int(missing.sum()),
        )
    if success is not None:
        indicator: FloatArray = np.asarray((values == success).to_numpy(), dtype=np.float64)
    else:
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~missing & ~np.isin(numeric, (0.0, 1.0))
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise InputError(
                Issue(
                    file=design.source,
                    row=position + 1,
                    column=variable,
                    value=str(values.iloc[position]),
                    reason="is not 0 or 1; pass success= to name the level counted as a success",
                ),
                total=int(bad.sum()),
            )
        indicator = np.where(missing, 0.0, numeric)
    complete: FloatArray = (~missing).astype(np.float64)
    return indicator, complete
