"""Quantiles with Woodruff confidence intervals (R ``svyquantile``, survey 4.1).

For a probability p, the quantile rule gives q = Q(p) from the weighted records of the domain:

- ``math`` (R's default): the smallest value whose weighted cumulative share reaches p;
- ``hf7``: R's weighted Hyndman-Fan type 7, linear interpolation of the sorted values at the cumulative shares
  (0, c_1, ..., c_{n-1}) / c_{n-1}.

Woodruff's interval (``interval_type="mean"``): the design-based interval of the proportion F = mean of
1[y <= q] (Taylor or replicate variance, t quantiles with the design df) is mapped back through the quantile rule;
``xlogit``, ``asin`` and ``beta`` transform that proportion interval as in :mod:`ruralmig.survey.ciprop`. The SE is
R's: (upper - lower) / (2 t_{1-a/2, df}).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import FloatArray
from ruralmig.survey.ciprop import critical_value, proportion_interval
from ruralmig.survey.taylor import (
    COLUMNS,
    AnyDesign,
    SurveyEstimate,
    _as_list,
    _complete_cases,
    _numeric_columns,
    domain_masks,
    domain_mean_variance,
    variance_label,
)

__all__ = ["QUANTILE_RULES", "QuantileRule", "quantile_rule", "survey_quantile"]

QuantileRule = Literal["math", "hf7"]
QUANTILE_RULES: tuple[str, ...] = ("math", "hf7")


def _sorted_cumulative(values: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Values sorted (stable, zero weights dropped) and cumulative weights summed in extended precision as R."""
    keep = weights != 0
    values, weights = values[keep], weights[keep]
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order].astype(np.longdouble)).astype(np.float64)
    return values[order], cumulative


def quantile_rule(values: FloatArray, weights: FloatArray, probability: float, rule: QuantileRule = "math") -> float:
    """The weighted quantile of ``values`` at ``probability`` under R's ``qrule``."""
    ordered, cumulative = _sorted_cumulative(values, weights)
    if ordered.size == 0:
        return math.nan
    if rule == "math":
        total = float(cumulative[-1])
        below = np.flatnonzero(cumulative <= probability * total)
        position = int(below[-1]) if below.size else 0
        following = min(position + 1, ordered.size - 1)
        exact = below.size and probability - cumulative[position] / total == 0
        return float(ordered[position] if exact else ordered[following])
    if rule == "hf7":
        if ordered.size == 1:
            return float(ordered[0])
        shares = np.concatenate([[0.0], cumulative[:-1]]) / cumulative[-2]
        return float(np.interp(probability, shares, ordered))
    raise ValueError(f"rule must be one of {', '.join(QUANTILE_RULES)}; got {rule!r}")


def survey_quantile(
    design: AnyDesign,
    variables: str | Sequence[str],
    quantiles: Sequence[float] = (0.5,),
    *,
    by: str | None = None,
    rule: QuantileRule = "math",
    interval_type: Literal["mean", "xlogit", "asin", "beta"] = "mean",
    level: float = 0.95,
    df: float | None = None,
    na_rm: bool = False,
) -> SurveyEstimate:
    """Weighted quantiles with Woodruff intervals (R ``svyquantile(..., ci=TRUE)``); terms ``<variable>.<p>``.

    ``df`` defaults to the design degrees of freedom (``np.inf`` gives normal quantiles). Domains keep the whole
    design in the variance of the CDF; missing values with ``na_rm`` are outside every domain.
    """
    if rule not in QUANTILE_RULES:
        raise ValueError(f"rule must be one of {', '.join(QUANTILE_RULES)}; got {rule!r}")
    if interval_type not in ("mean", "xlogit", "asin", "beta"):
        raise ValueError(f"interval_type must be mean, xlogit, asin or beta; got {interval_type!r}")
    probabilities = [float(p) for p in quantiles]
    if not probabilities or any(not 0.0 <= p <= 1.0 for p in probabilities):
        raise InputError(
            Issue(file=design.source, column="quantiles", value=str(list(quantiles)), reason="must lie in [0, 1]")
        )
    columns = _as_list(variables)
    values = _numeric_columns(design, columns)
    complete = _complete_cases(design, columns, na_rm)
    labels, masks = domain_masks(design, by, complete)
    degrees = float(design.degrees_of_freedom if df is None else df)
    critical = critical_value(level, degrees)
    rows = []
    for label, inside in zip(labels, masks, strict=True):
        weights = np.where(inside, design.weights, 0.0)
        for column, name in enumerate(columns):
            y = np.where(inside, values[:, column], 0.0)
            estimates = np.array([quantile_rule(y, weights, p, rule) for p in probabilities])
            below = (y[:, None] <= estimates[None, :]).astype(np.float64)
            shares, variances = domain_mean_variance(design, below, inside)
            for index, p in enumerate(probabilities):
                low_p, high_p = proportion_interval(
                    float(shares[index]), float(variances[index]), interval_type, degrees, design.record_count, level
                )
                low = math.nan if not low_p >= 0.0 else quantile_rule(y, weights, low_p, rule)
                high = math.nan if not high_p <= 1.0 else quantile_rule(y, weights, high_p, rule)
                se = (high - low) / (2.0 * critical)
                rows.append(
                    (label if by else None, f"{name}.{p:g}", estimates[index], se, low, high, int(inside.sum()))
                )
    table = pd.DataFrame(rows, columns=["domain", "term", "estimate", "se", "ci_low", "ci_high", "n"])
    table = table.assign(statistic="quantile", deff=np.nan, df=degrees)[COLUMNS]
    return SurveyEstimate("quantile", table, level, "t", design.degrees_of_freedom, by, variance_label(design))
