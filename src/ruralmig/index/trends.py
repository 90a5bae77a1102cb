"""Panel trends: per unit and node, the change and the OLS slope of the score over the years, and a trend class.

Periods become decimal years: a number is a year (2015), a date or ISO month/day string its year plus the
elapsed share of the year (``2021-07`` → 2021.49). The slope is the ordinary-least-squares slope of the score on
the year (score points per year) over every period with a score; ``change`` is the last score minus the first.
The class compares the slope with a threshold given as a share of the node's score range per year (default 1 %:
0.1 points a year on a 0-10 index): ``stable`` when ``|slope| < threshold``, else ``worsening`` or ``improving``
depending on whether a higher score is worse (drivers, risk: the default) or better (ND-GAIN readiness, GAIN).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.index.composite import IndexResult

__all__ = ["decimal_years", "panel_trends"]


def decimal_years(periods: pd.Series) -> pd.Series:
    """Periods (years, dates, ISO strings such as 2021, 2021-07, 2021-07-15) as decimal years."""
    numbers = pd.to_numeric(periods, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float)
    text = periods.astype(str)
    stamps = pd.to_datetime(text.where(numbers.isna(), text + "-01-01"), errors="coerce", format="mixed")
    if stamps.isna().any():
        bad = periods[stamps.isna()].iloc[0]
        raise InputError(Issue("data", "is not a year or date that trends can use", column="period", value=str(bad)))
    start = pd.to_datetime(stamps.dt.year.astype(str) + "-01-01")
    length = np.where(stamps.dt.is_leap_year, 366.0, 365.0)
    return stamps.dt.year + (stamps - start).dt.days / length


def panel_trends(
    result: IndexResult | pd.DataFrame,
    *,
    threshold: float = 0.01,
    higher_is: Literal["worse", "better"] = "worse",
    score_range: float | None = None,
) -> pd.DataFrame:
    """Trend of every unit on every node (and indicator) of a panel result.

    `result` is an :class:`IndexResult` or its tidy frame (unit, period, node, score). Returns unit, node,
    periods (with a score), first_period, last_period, first_score, last_score, change, slope (per year) and
    trend (improving / stable / worsening; empty with fewer than two periods). `score_range` overrides the span
    (high − low) of each node's range that the threshold is a share of.
    """
    if higher_is not in ("worse", "better"):
        raise InputError(Issue("parameters", "must be 'worse' or 'better'", column="higher_is", value=str(higher_is)))
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not threshold >= 0:
        raise InputError(Issue("parameters", "must be a number >= 0", column="threshold", value=str(threshold)))
    frame = result.to_frame() if isinstance(result, IndexResult) else result
    spans = _spans(result) if isinstance(result, IndexResult) and score_range is None else {}
    scored = frame.dropna(subset=["score"])[["unit", "period", "node", "score"]].copy()
    scored["year"] = decimal_years(scored["period"]).to_numpy()
    scored = scored.sort_values(["unit", "node", "year"], kind="stable")
    grouped = scored.groupby(["unit", "node"], sort=False)
    t, y = scored["year"], scored["score"]
    sums = scored.assign(t=t, y=y, tt=t * t, ty=t * y).groupby(["unit", "node"], sort=False)[["t", "y", "tt", "ty"]]
    totals = sums.sum()
    count = grouped.size().reindex(totals.index)
    denominator = count * totals["tt"] - totals["t"] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (count * totals["ty"] - totals["t"] * totals["y"]) / denominator
    slope = slope.where(denominator.abs() > 1e-12)
    first, last = grouped.first(), grouped.last()
    table = pd.DataFrame(
        {
            "periods": count,
            "first_period": first["period"],
            "last_period": last["period"],
            "first_score": first["score"],
            "last_score": last["score"],
            "change": last["score"] - first["score"],
            "slope": slope,
        }
    ).reset_index()
    span = table["node"].map(spans).fillna(score_range if score_range is not None else 1.0)
    limit = threshold * span
    rising = "worsening" if higher_is == "worse" else "improving"
    falling = "improving" if higher_is == "worse" else "worsening"
    trend = np.where(table["slope"].abs() < limit, "stable", np.where(table["slope"] > 0, rising, falling))
    table["trend"] = np.where(table["slope"].isna(), "", trend)
    return table


def _spans(result: IndexResult) -> dict[str, float]:
    """High − low of every node's range and every indicator's normalised range."""
    definition = result.definition
    spans = {name: node.range[1] - node.range[0] for name, node in definition.nodes.items()}
    for name, indicator in definition.indicators.items():
        rule = indicator.normalisation
        spans[name] = rule.range[1] - rule.range[0] if rule.bounded else 1.0
    return spans
