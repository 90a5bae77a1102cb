"""Indicator transformations and normalisations, vectorised over units and periods.

Each function takes one indicator's values as a :class:`pandas.Series` indexed by (unit, period) and returns
scores on the same index. Directions follow the indicator: +1 means a higher value gives a higher score.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.index.definition import Indicator, Normalisation

__all__ = ["normalise", "score_indicator", "transform"]


def transform(values: pd.Series, how: str, *, indicator: str = "") -> pd.Series:
    """Apply a transformation (``none``, ``log``, ``log1p``, ``log10``, ``sqrt``) to observed values."""
    if how == "none":
        return values
    floor = {"log": 0.0, "log10": 0.0, "log1p": -1.0, "sqrt": 0.0}[how]
    strict = how != "sqrt"
    bad = values[(values <= floor) if strict else (values < floor)]
    if len(bad):
        unit, period = bad.index[0]
        need = f"> {floor:g}" if strict else f">= {floor:g}"
        raise InputError(
            Issue(
                "data",
                f"cannot take {how}: values must be {need} ({len(bad)} such values; "
                f"first at unit {unit}, period {period})",
                column=indicator,
                value=f"{bad.iloc[0]:g}",
            )
        )
    function = {"log": np.log, "log1p": np.log1p, "log10": np.log10, "sqrt": np.sqrt}[how]
    return pd.Series(function(values.to_numpy(dtype=float)), index=values.index, name=values.name)


def _by_scope(values: pd.Series, scope: str, statistic: Literal["min", "max", "mean", "std", "count"]) -> pd.Series:
    """A statistic of the values over all observations (global) or within each period, broadcast back."""
    if scope == "period":
        grouped: pd.Series = values.groupby(level=1).transform(statistic)
        return grouped
    return pd.Series(values.agg(statistic), index=values.index)


def normalise(values: pd.Series, rule: Normalisation, direction: int) -> pd.Series:
    """Scores for transformed values under a normalisation rule and a direction (+1 or -1)."""
    low_out, high_out = rule.range
    if rule.method == "none":
        return values * direction
    if rule.method == "zscore":
        signed = values * direction
        return (signed - _by_scope(signed, rule.scope, "mean")) / _by_scope(signed, rule.scope, "std")
    if rule.method == "rank":
        signed = values * direction
        ranks = signed.groupby(level=1).rank() if rule.scope == "period" else signed.rank()
        counts = _by_scope(signed, rule.scope, "count")
        share = ((ranks - 1) / (counts - 1)).where(counts > 1, 1.0).where(values.notna())
        return low_out + (high_out - low_out) * share
    if rule.method in ("goalposts", "minmax"):
        low = pd.Series(rule.low, index=values.index) if rule.low is not None else _by_scope(values, rule.scope, "min")
        high = (
            pd.Series(rule.high, index=values.index) if rule.high is not None else _by_scope(values, rule.scope, "max")
        )
        span = high - low
        share = (values - low) / span if direction == 1 else (high - values) / span
    elif rule.method == "distance_to_target":
        target = float(rule.target if rule.target is not None else np.nan)
        if direction == 1:
            worst = (
                pd.Series(rule.low, index=values.index)
                if rule.low is not None
                else _by_scope(values, rule.scope, "min")
            )
            share = (values - worst) / (target - worst)
        else:
            worst = (
                pd.Series(rule.high, index=values.index)
                if rule.high is not None
                else _by_scope(values, rule.scope, "max")
            )
            share = (worst - values) / (worst - target)
    else:  # pragma: no cover - the definition parser only lets known methods through
        raise ValueError(f"normalisation method {rule.method!r} is unknown")
    if rule.clip:
        share = share.clip(0.0, 1.0)
    if (low_out, high_out) == (0.0, 1.0):
        return share
    return low_out + (high_out - low_out) * share


def score_indicator(values: pd.Series, indicator: Indicator) -> pd.Series:
    """Transform then normalise one indicator's values."""
    transformed = transform(values.dropna(), indicator.transformation, indicator=indicator.name)
    scores = normalise(transformed, indicator.normalisation, indicator.direction)
    return scores.reindex(values.index)
