"""Leave-one-out analysis: how each unit's rank moves when one child of a node is dropped from the tree.

For every child of the chosen node the index is recomputed without that child (the node's other children keep
their weights, renormalised by the aggregation as for a missing child; a PCA-weighted node recomputes its PCA on
the children left), and each unit's rank on the root is compared with its rank in the full index, per period.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ruralmig.errors import DataQualityWarning, InputError, Issue
from ruralmig.index.composite import CompositeIndex, _resolve
from ruralmig.index.definition import IndexDefinition

__all__ = ["leave_one_out", "without_child"]


def without_child(definition: IndexDefinition, node: str, child: str) -> IndexDefinition:
    """The definition with `child` removed from `node` (indicators no longer reachable drop out of the index)."""
    if node not in definition.nodes:
        raise InputError(Issue("definition", "is not a node of the definition", column="node", value=node))
    kept = tuple(c for c in definition.nodes[node].children if c.name != child)
    if len(kept) == len(definition.nodes[node].children):
        raise InputError(Issue("definition", f"is not a child of node {node}", column="child", value=child))
    if not kept:
        raise InputError(Issue("definition", "has a single child, which cannot be left out", column=node))
    nodes = {**definition.nodes, node: replace(definition.nodes[node], children=kept)}
    return replace(definition, nodes=nodes)


def _root_ranks(definition: IndexDefinition, data: pd.DataFrame, unit_column: str, absent: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # absent indicators are reported by index compute
        scores = CompositeIndex(definition=definition, unit_column=unit_column, absent=absent).fit(data).scores_
    root = scores[definition.root].rename("score").reset_index()
    root.columns = ["unit", "period", "score"]
    root["rank"] = root.groupby("period")["score"].rank(ascending=False, method="min")
    return root


def leave_one_out(
    definition: IndexDefinition | str | Path | Mapping[str, Any],
    data: pd.DataFrame,
    node: str,
    *,
    unit_column: str = "unit",
    absent: str = "raise",
) -> pd.DataFrame:
    """One row per dropped child, unit and period: score and rank without it, the nominal rank and the shift.

    ``rank_shift`` = rank without the child − nominal rank (positive: the unit moves down the ranking, i.e.
    the dropped child was pushing it up). Rank 1 is the highest score.
    """
    resolved = _resolve(definition)
    nominal = _root_ranks(resolved, data, unit_column, absent).rename(
        columns={"score": "nominal_score", "rank": "nominal_rank"}
    )
    if node not in resolved.nodes:
        raise InputError(Issue("definition", "is not a node of the definition", column="node", value=node))
    frames = []
    for child in resolved.nodes[node].children:  # one recomputation per child (a handful)
        variant = _root_ranks(without_child(resolved, node, child.name), data, unit_column, absent)
        frames.append(variant.assign(dropped=child.name))
    table = pd.concat(frames, ignore_index=True).merge(nominal, on=["unit", "period"], how="left")
    table["rank_shift"] = table["rank"] - table["nominal_rank"]
    columns = ["dropped", "unit", "period", "score", "rank", "nominal_score", "nominal_rank", "rank_shift"]
    return table[columns]
