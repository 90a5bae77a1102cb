"""INFORM risk classes, ranks per period and reliability (share of missing data) for composite-index results.

Class thresholds on the 0–10 scale are INFORM's published cut-offs, fixed since 2016 after hierarchical clustering:
Very low ≤ 1.9 < Low ≤ 3.4 < Medium ≤ 4.9 < High ≤ 6.4 < Very high. Source: INFORM Global Risk Index 2020 country
file (column ``RISK CLASS``, checked on 191/191 countries) and the same cut-offs in octarisk/octarisk
``get_informclass.m``; method in Marin-Ferrer, Vernaccini & Poljansek, *INFORM Concept and Methodology, version
2017*, EUR 28655 EN, doi:10.2760/094023. INFORM classifies and ranks its published scores, which carry one decimal,
so scores are rounded to one decimal first (``decimals=1``); the rank is the descending competition rank (ties share
the best rank, the next rank is skipped), as in the published files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.index.composite import CompositeIndex, IndexResult

__all__ = ["INFORM_CLASSES", "INFORM_THRESHOLDS", "classify", "rank_per_period", "risk_class"]

INFORM_CLASSES: tuple[str, ...] = ("Very low", "Low", "Medium", "High", "Very high")
"""INFORM risk class labels, from least to most at risk."""

INFORM_THRESHOLDS: tuple[float, ...] = (1.9, 3.4, 4.9, 6.4)
"""Upper bounds (inclusive) of the first four classes on the 0–10 scale."""

_TOLERANCE = 1e-9


def _rounded(scores: pd.Series, decimals: int | None) -> pd.Series:
    values = pd.to_numeric(scores, errors="coerce").astype(float)
    return values if decimals is None else values.round(decimals)


def risk_class(
    scores: pd.Series, *, decimals: int | None = 1, thresholds: tuple[float, ...] = INFORM_THRESHOLDS
) -> pd.Series:
    """INFORM class of each 0–10 score (ordered categorical; missing scores give a missing class).

    Scores are rounded to ``decimals`` first (INFORM classifies one-decimal scores); a score equal to a threshold
    falls in the lower class. Scores outside 0–10 raise an :class:`~ruralmig.errors.InputError`.
    """
    if len(thresholds) != len(INFORM_CLASSES) - 1 or list(thresholds) != sorted(set(thresholds)):
        raise InputError(
            Issue("parameters", "thresholds must be 4 increasing numbers", column="thresholds", value=str(thresholds))
        )
    values = _rounded(scores, decimals)
    outside = values[(values < -_TOLERANCE) | (values > 10 + _TOLERANCE)]
    if len(outside):
        raise InputError(
            Issue(
                "scores",
                f"INFORM classes need scores on the 0–10 scale ({len(outside)} scores outside; first at "
                f"{outside.index[0]})",
                column=str(scores.name) if scores.name is not None else "score",
                value=f"{outside.iloc[0]:g}",
            )
        )
    bins = [-np.inf, *thresholds, np.inf]
    return pd.cut(values, bins=bins, labels=list(INFORM_CLASSES), right=True, ordered=True)


def rank_per_period(frame: pd.DataFrame, *, score: str = "score", period: str = "period") -> pd.Series:
    """Descending competition rank of ``score`` within each period (1 = highest; ties share the best rank)."""
    ranks = frame.groupby(period, sort=False)[score].rank(method="min", ascending=False)
    return ranks.astype("Int64")


def classify(
    result: pd.DataFrame | IndexResult | CompositeIndex,
    *,
    node: str | None = None,
    decimals: int | None = 1,
    thresholds: tuple[float, ...] = INFORM_THRESHOLDS,
) -> pd.DataFrame:
    """Class, rank and reliability of every unit and period on one node of a composite-index result.

    ``result`` is a fitted :class:`CompositeIndex`, its :class:`IndexResult` or the tidy frame of ``to_frame()``
    (columns unit, period, node, score, missing_share[, imputed_share]). ``node`` defaults to the definition's
    root; with a bare frame it must be given unless the frame holds a single node.

    Returns one row per unit and period: unit, period, node, score, score_rounded, risk_class, rank, ranked
    (units with a score in the period), missing_share (reliability: share of the indicators below the node that
    were missing), reliability (1 − missing_share) and imputed_share when present. Sorted by period and rank.
    """
    frame, chosen = _frame_and_node(result, node)
    needed = ["unit", "period", "node", "score", "missing_share"]
    absent = [column for column in needed if column not in frame.columns]
    if absent:
        raise InputError([Issue("result", "is a required column of the index result", column=c) for c in absent])
    rows = frame[frame["node"] == chosen]
    if rows.empty:
        known = ", ".join(sorted(map(str, frame["node"].unique()))[:20])
        raise InputError(
            Issue("result", f"is not a node of the index result (nodes: {known})", column="node", value=chosen)
        )
    keep = [c for c in [*needed, "imputed_share"] if c in rows.columns]
    out = rows[keep].reset_index(drop=True).copy()
    out["score_rounded"] = _rounded(out["score"], decimals)
    outside = out[(out["score_rounded"] < -_TOLERANCE) | (out["score_rounded"] > 10 + _TOLERANCE)]
    if len(outside):
        first = outside.iloc[0]
        raise InputError(
            Issue(
                "result",
                f"INFORM classes need scores on the 0–10 scale ({len(outside)} scores outside; first for unit "
                f"{first['unit']}, period {first['period']})",
                column=chosen,
                value=f"{first['score']:g}",
            )
        )
    out["risk_class"] = risk_class(out["score"].rename(chosen), decimals=decimals, thresholds=thresholds)
    out["rank"] = rank_per_period(out, score="score_rounded")
    out["ranked"] = out.groupby("period", sort=False)["score"].transform("count").astype("Int64")
    out["reliability"] = 1.0 - out["missing_share"].astype(float)
    order = [
        "unit",
        "period",
        "node",
        "score",
        "score_rounded",
        "risk_class",
        "rank",
        "ranked",
        "missing_share",
        "reliability",
    ]
    if "imputed_share" in out.columns:
        order.append("imputed_share")
    return out[order].sort_values(["period", "rank", "unit"], na_position="last").reset_index(drop=True)


def _frame_and_node(result: pd.DataFrame | IndexResult | CompositeIndex, node: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(result, CompositeIndex):
        result = result.result_
    if isinstance(result, IndexResult):
        return result.to_frame(), node or result.definition.root
    if not isinstance(result, pd.DataFrame):
        raise InputError(
            Issue(
                "parameters",
                f"result must be a CompositeIndex, IndexResult or DataFrame, got {type(result).__name__}",
                column="result",
            )
        )
    if node is not None or "node" not in result.columns:
        return result, node or ""
    nodes = result.loc[result.get("kind", pd.Series("node", index=result.index)) == "node", "node"].unique()
    if len(nodes) != 1:
        raise InputError(
            Issue("parameters", f"name the node to classify: the frame holds {len(nodes)} nodes", column="node")
        )
    return result, str(nodes[0])
