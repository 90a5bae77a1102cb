"""Generalised linear models with design-based standard errors (R ``svyglm``): gaussian and quasibinomial.

Coefficients solve the weighted score equations by iteratively reweighted least squares, as R's ``glm.fit`` does
(same start, same stopping rule |dev - dev_old| / (|dev| + 0.1) < 1e-8, weights rescaled to mean 1).

- Taylor designs: sandwich variance, the design variance of the influence values U A^-1 with U = X * working
  residual * working weight and A^-1 = (X' W X)^-1 (R ``svy.varcoef``), with calibration residuals when the design
  is calibrated.
- Replicate designs: the model is refitted under every replicate weight (all replicates in one batched IRLS,
  starting from the full-sample coefficients) and the replicate variance of the coefficients is used.

Degrees of freedom are R's: design df + 1 - number of coefficients; intervals use t quantiles on them.
Missing values drop the record from the fit while keeping the design (a domain). Categorical predictors are
expanded into treatment dummies named ``<column><level>`` (first level as reference), as R does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import FloatArray
from ruralmig.survey.replicates import ReplicateDesign
from ruralmig.survey.taylor import COLUMNS, AnyDesign, SurveyEstimate, _numeric_columns, variance_label

__all__ = ["GLM_FAMILIES", "GlmFamily", "GlmFit", "fit_glm", "survey_glm"]

GlmFamily = Literal["gaussian", "quasibinomial"]
GLM_FAMILIES: tuple[str, ...] = ("gaussian", "quasibinomial")
BoolArray = npt.NDArray[np.bool_]
EPSILON = 1e-8
MAX_ITERATIONS = 25


def _design_matrix(design: AnyDesign, predictors: Sequence[str], intercept: bool) -> tuple[FloatArray, list[str]]:
    columns: list[FloatArray] = []
    names: list[str] = []
    if intercept:
        columns.append(np.ones(design.record_count))
        names.append("(Intercept)")
    for predictor in predictors:
        if predictor not in design.data.columns:
            raise InputError(Issue(file=design.source, column=predictor, reason="the predictor is not in the data"))
        values = design.data[predictor]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            columns.append(values.to_numpy(dtype=np.float64, na_value=np.nan))
            names.append(predictor)
            continue
        levels = sorted(values.dropna().unique().tolist())
        for level in levels[1:]:
            dummy = (values == level).to_numpy(dtype=np.float64)
            columns.append(np.where(values.isna().to_numpy(), np.nan, dummy))
            names.append(f"{predictor}{level}")
    if not columns:
        raise ValueError("the model has no coefficient: give predictors or keep the intercept")
    return np.column_stack(columns), names


def _response(design: AnyDesign, response: str, success: object) -> FloatArray:
    if response not in design.data.columns:
        raise InputError(Issue(file=design.source, column=response, reason="the response is not in the data"))
    values = design.data[response]
    if success is not None:
        return np.where(values.isna().to_numpy(), np.nan, (values == success).to_numpy(dtype=np.float64))
    numeric: FloatArray = _numeric_columns(design, [response])[:, 0]  # names the first non-numeric row
    return numeric


class _Family:
    """Link, variance and deviance of the two supported families."""

    def __init__(self, name: str) -> None:
        self.binomial = name == "quasibinomial"

    def inverse_link(self, eta: FloatArray) -> FloatArray:
        result: FloatArray = special.expit(eta) if self.binomial else eta
        return result

    def mu_eta(self, mu: FloatArray) -> FloatArray:
        return mu * (1.0 - mu) if self.binomial else np.ones_like(mu)

    def variance(self, mu: FloatArray) -> FloatArray:
        return mu * (1.0 - mu) if self.binomial else np.ones_like(mu)

    def deviance(self, y: FloatArray, mu: FloatArray, weights: FloatArray) -> FloatArray:
        """Sum over records (axis 0) of the weighted unit deviances."""
        if not self.binomial:
            result: FloatArray = (weights * (y - mu) ** 2).sum(axis=0)
            return result
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(y > 0, y * np.log(y / mu), 0.0) + np.where(
                y < 1, (1.0 - y) * np.log((1.0 - y) / (1.0 - mu)), 0.0
            )
        total: FloatArray = (2.0 * weights * terms).sum(axis=0)
        return total


def _irls(
    x: FloatArray, y: FloatArray, weights: FloatArray, family: _Family, start: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """R ``glm.fit`` for every column of ``weights`` at once (records x fits).

    Returns coefficients (fits x p), the working weights of the last least-squares step and the final mu
    (records x fits).
    """
    fits = weights.shape[1]
    if start is None:
        mu_start = (weights * y[:, None] + 0.5) / (weights + 1.0) if family.binomial else np.repeat(y[:, None], fits, 1)
        eta = np.log(mu_start / (1.0 - mu_start)) if family.binomial else mu_start
        beta = np.zeros((fits, x.shape[1]))
    else:
        beta = np.repeat(start[None, :], fits, axis=0)
        eta = x @ beta.T
    mu = family.inverse_link(eta)
    dev_old = family.deviance(y[:, None], mu, weights)
    active = np.ones(fits, dtype=bool)
    working = weights.copy()
    for _ in range(MAX_ITERATIONS):
        derivative = family.mu_eta(mu)
        z = eta + (y[:, None] - mu) / derivative
        step_weights = weights * derivative**2 / family.variance(mu)
        gram = np.einsum("nf,np,nq->fpq", step_weights, x, x, optimize=True)
        right = np.einsum("nf,np,nf->fp", step_weights, x, z, optimize=True)
        new_beta = np.linalg.solve(gram, right[..., None])[..., 0]
        beta = np.where(active[:, None], new_beta, beta)
        working = np.where(active[None, :], step_weights, working)
        eta = x @ beta.T
        mu = family.inverse_link(eta)
        dev = family.deviance(y[:, None], mu, weights)
        done = np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < EPSILON
        active &= ~done
        dev_old = dev
        if not active.any():
            break
    return beta, working, mu


@dataclass(frozen=True)
class GlmFit:
    """A fitted survey GLM: coefficients, their design variances, R's naive (X'WX)^-1, final mu, prior weights."""

    coefficients: FloatArray
    variance: FloatArray
    naive_inverse: FloatArray
    mu: FloatArray
    prior_weights: FloatArray


def fit_glm(
    design: AnyDesign,
    x: FloatArray,
    y: FloatArray,
    complete: BoolArray,
    family: GlmFamily,
    *,
    domain: BoolArray | None = None,
) -> GlmFit:
    """Fit by R's IRLS and compute the design variances (sandwich or replicate refits).

    Incomplete records, and records outside ``domain``, keep their place in the design with zero weight; the
    prior weights are the domain's weights over their mean over all records, as R's ``svyglm`` on a subset.
    """
    inside = np.ones(design.record_count, dtype=bool) if domain is None else domain
    complete = complete & inside
    x = np.where(complete[:, None], x, 0.0)
    y = np.where(complete, y, 0.0)
    kind = _Family(family)
    prior = np.where(complete, design.weights, 0.0) / np.where(inside, design.weights, 0.0).mean()
    beta_all, working, mu = _irls(x, y, prior[:, None], kind, None)
    beta = beta_all[0]
    w = working[:, 0]
    inverse: FloatArray = np.asarray(np.linalg.inv(x.T @ (w[:, None] * x)), dtype=np.float64)
    if isinstance(design, ReplicateDesign):
        replicate_weights = np.where(complete[:, None], design.replicate_weights, 0.0)
        replicate_weights = replicate_weights / replicate_weights.sum(axis=0)
        replicate_beta, _, _ = _irls(x, y, replicate_weights, kind, beta)
        variance = design.replicate_variance(beta, replicate_beta.T)
    else:
        residual = (y - mu[:, 0]) / kind.mu_eta(mu[:, 0])
        influence = (x * (residual * w)[:, None]) @ inverse
        variance = design.taylor_variance(np.where(complete[:, None], influence, 0.0))
    return GlmFit(beta, variance, inverse, mu[:, 0], prior)


def survey_glm(
    design: AnyDesign,
    response: str,
    predictors: Sequence[str],
    *,
    family: GlmFamily = "gaussian",
    success: object = None,
    intercept: bool = True,
    level: float = 0.95,
) -> SurveyEstimate:
    """Coefficients of ``response ~ predictors`` with design-based SEs (R ``svyglm``); one row per coefficient.

    ``family="quasibinomial"`` fits a logistic model to a 0/1 response (or to ``response == success``).
    """
    if family not in GLM_FAMILIES:
        raise ValueError(f"family must be one of {', '.join(GLM_FAMILIES)}; got {family!r}")
    x, names = _design_matrix(design, predictors, intercept)
    y = _response(design, response, success)
    if family == "quasibinomial" and np.any((y[~np.isnan(y)] < 0) | (y[~np.isnan(y)] > 1)):
        raise InputError(Issue(file=design.source, column=response, reason="must lie in [0, 1] for quasibinomial"))
    complete = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
    if np.linalg.matrix_rank(np.where(complete[:, None], x, 0.0)) < x.shape[1]:
        raise ValueError(f"the predictors {names} are collinear in the complete records; drop one")
    fit = fit_glm(design, x, y, complete, family)
    beta, covariance_diagonal = fit.coefficients, fit.variance
    se = np.sqrt(covariance_diagonal)
    df = design.degrees_of_freedom + 1 - len(names)
    critical = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df)) if df > 0 else np.nan
    table = pd.DataFrame(
        {
            "statistic": "coefficient",
            "domain": None,
            "term": names,
            "estimate": beta,
            "se": se,
            "ci_low": beta - critical * se,
            "ci_high": beta + critical * se,
            "deff": np.nan,
            "df": df,
            "n": int(complete.sum()),
        },
        columns=COLUMNS,
    )
    return SurveyEstimate("coefficient", table, level, "t", df, None, variance_label(design))
