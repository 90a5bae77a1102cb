"""The vectorised core of the uncertainty analysis: a composite-index tree compiled to arrays, recomputed for many
replications at once (replications × units × indicators), with every node's aggregation rule vectorised.

Used by :mod:`ruralmig.index.uncertainty` and :mod:`ruralmig.index.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import rankdata

from ruralmig.errors import InputError, Issue
from ruralmig.index.definition import IndexDefinition, Normalisation
from ruralmig.index.normalise import normalise, score_indicator, transform

__all__ = ["AGGREGATION_CHOICES", "ChoiceModel", "aggregate_replications", "rank_descending"]

Array = NDArray[np.float64]
AGGREGATION_CHOICES = ("nominal", "arithmetic", "geometric", "harmonic", "reversed_geometric", "max", "min")


# --- vectorised aggregation over replications -------------------------------------------------------------------


def _finish(total: Array, weight_sum: Array) -> Array:
    return np.where(weight_sum > 0, total, np.nan)


def aggregate_replications(
    scores: Array, weights: Array, rule: str, *, node: str = "", top: float = 10.0, axis: int = -1
) -> Array:
    """Aggregate child scores (replications × units × children) with per-replication weights.

    ``weights`` broadcasts against ``scores``, e.g. (replications, 1, children) or (children,). Children lie along
    ``axis`` (the Monte Carlo puts them first, where numpy reduces fastest). Missing children are skipped and the
    weights renormalised over those present, exactly as :func:`ruralmig.index.aggregate` does for one replication.
    """
    scores = np.asarray(scores, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if rule in ("geometric", "harmonic"):
        _check_floor(scores, node, rule, strict=False)
    if rule == "reversed_geometric":
        _check_floor(top - 0.9 * scores, node, "reversed geometric", strict=True)
        flipped = aggregate_replications(top - 0.9 * scores, weights, "geometric", node=node, axis=axis)
        return (10.0 / 9.0) * (top - flipped)
    present = ~np.isnan(scores)
    if rule in ("arithmetic", "geometric") and present.all() and (weights > 0).all():
        return _complete_mean(scores, weights, rule, axis)
    row_weights = np.where(present, weights, 0.0)
    weight_sum = row_weights.sum(axis=axis)
    used = row_weights > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if rule == "arithmetic":
            total = np.where(used, row_weights * np.nan_to_num(scores), 0.0).sum(axis=axis) / weight_sum
        elif rule == "geometric":
            logs = np.where(used, row_weights * np.log(np.where(used, scores, 1.0)), 0.0)
            total = np.exp(logs.sum(axis=axis) / weight_sum)
        elif rule == "harmonic":
            inverse = np.where(used, row_weights / np.where(used, scores, 1.0), 0.0)
            total = weight_sum / inverse.sum(axis=axis)
        elif rule == "max":
            total = np.where(used, weights * scores, -np.inf).max(axis=axis)
        elif rule == "min":
            total = np.where(used, weights * scores, np.inf).min(axis=axis)
        else:
            raise InputError(
                Issue(
                    "index", f"aggregation must be one of {', '.join(AGGREGATION_CHOICES[1:])}", column=node, value=rule
                )
            )
        return _finish(total, weight_sum)


def _complete_mean(scores: Array, weights: Array, rule: str, axis: int) -> Array:
    """The arithmetic or geometric mean when every child is present and every weight positive (the common case)."""
    weight_sum = np.broadcast_to(weights, scores.shape).sum(axis=axis)
    if rule == "arithmetic":
        total: Array = (weights * scores).sum(axis=axis) / weight_sum
        return total
    with np.errstate(divide="ignore"):
        logs = np.log(scores)
    total = np.exp((weights * logs).sum(axis=axis) / weight_sum)
    return total


def _check_floor(scores: Array, node: str, rule: str, *, strict: bool) -> None:
    values = scores[~np.isnan(scores)]
    bad = values[values <= 0.0] if strict else values[values < 0.0]
    if bad.size:
        need = "> 0" if strict else ">= 0"
        raise InputError(
            Issue(
                "index",
                f"the {rule} mean needs child scores {need} ({bad.size} such scores); choose normalisations that give "
                "non-negative scores (minmax, rank) or leave this rule out of aggregations",
                column=node,
                value=f"{bad[0]:g}",
            )
        )


def rank_descending(scores: Array) -> Array:
    """Ranks along the last axis, 1 = highest score, ties share the best rank, NaN scores get NaN ranks."""
    ranks: Array = np.asarray(rankdata(-scores, method="min", axis=-1, nan_policy="omit"), dtype=float)
    return ranks


# --- the tree compiled for replications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edge:
    indicator: int  # column of the indicator, or -1 for a node child
    node: int  # position of the node child in the evaluation order, or -1
    direction: int
    node_flip: float  # low + high of a node child's range


@dataclass(frozen=True)
class _CompiledNode:
    name: str
    edges: tuple[_Edge, ...]
    weights: Array
    aggregation: str
    scale: float
    top: float
    min_child_share: float
    enough_indicators: NDArray[np.bool_]  # alternatives × units


@dataclass
class ChoiceModel:
    """One period's indicator scores under every normalisation alternative, and the tree to aggregate them.

    Built by :meth:`build`; :meth:`root_scores` recomputes the root for many replications at once.
    """

    units: NDArray[Any]
    period: Any
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    scores: Array  # alternatives × indicators × units
    flip_offsets: Array  # alternatives × indicators: a flipped indicator score is offset - score
    nodes: tuple[_CompiledNode, ...] = field(default_factory=tuple)
    imputations: tuple[str, ...] = ("nominal",)  # alternative k = imputation (k // normalisations) × normalisation

    @classmethod
    def build_alternatives(
        cls,
        definition: IndexDefinition,
        imputed: Sequence[pd.DataFrame],
        imputations: Sequence[str],
        period: Any,
        normalisations: Sequence[str],
        aggregations: Sequence[str],
    ) -> ChoiceModel:
        """One model over every imputation × normalisation pair (``imputed`` holds the values per imputation)."""
        models = [cls.build(definition, values, period, normalisations, aggregations) for values in imputed]
        first = models[0]
        nodes = tuple(
            replace(node, enough_indicators=np.concatenate([m.nodes[j].enough_indicators for m in models]))
            for j, node in enumerate(first.nodes)
        )
        return cls(
            first.units,
            period,
            first.normalisations,
            first.aggregations,
            np.concatenate([m.scores for m in models]),
            np.concatenate([m.flip_offsets for m in models]),
            nodes,
            tuple(imputations),
        )

    @classmethod
    def build(
        cls,
        definition: IndexDefinition,
        values: pd.DataFrame,
        period: Any,
        normalisations: Sequence[str],
        aggregations: Sequence[str],
    ) -> ChoiceModel:
        """Normalise every indicator under each alternative (over all periods, as the engine does), keep ``period``."""
        indicators = list(definition.used_indicators())
        rows = values.index.get_level_values(1) == period
        scores = np.empty((len(normalisations), len(indicators), int(rows.sum())))
        offsets = np.zeros((len(normalisations), len(indicators)))
        for k, method in enumerate(normalisations):
            for i, name in enumerate(indicators):
                indicator = definition.indicators[name]
                if method == "nominal":
                    rule = indicator.normalisation
                    column = score_indicator(values[name], indicator)
                else:
                    rule = Normalisation(method=method, scope=indicator.normalisation.scope)
                    moved = transform(values[name].dropna(), indicator.transformation, indicator=name)
                    column = normalise(moved, rule, indicator.direction).reindex(values.index)
                scores[k, i, :] = column.to_numpy(dtype=float)[rows]
                offsets[k, i] = rule.range[0] + rule.range[1] if rule.bounded else 0.0
        present = values.notna().to_numpy()[rows]
        position = {name: i for i, name in enumerate(indicators)}
        order = definition.order()
        node_position = {name: j for j, name in enumerate(order)}
        compiled = []
        for name in order:
            node = definition.nodes[name]
            edges = []
            for child in node.children:
                if child.name in definition.nodes:
                    low, high = definition.nodes[child.name].range
                    edges.append(_Edge(-1, node_position[child.name], child.direction, low + high))
                else:
                    edges.append(_Edge(position[child.name], -1, child.direction, 0.0))
            leaves = [position[leaf] for leaf in definition.leaves(name)]
            compiled.append(
                _CompiledNode(
                    name=name,
                    edges=tuple(edges),
                    weights=np.array([child.weight for child in node.children], dtype=float),
                    aggregation=node.aggregation,
                    scale=node.scale,
                    top=node.top,
                    min_child_share=node.min_child_share,
                    enough_indicators=np.broadcast_to(
                        present[:, leaves].mean(axis=1) >= node.min_indicator_share,
                        (len(normalisations), int(rows.sum())),
                    ),
                )
            )
        units = values.index.get_level_values(0).to_numpy()[rows]
        return cls(units, period, tuple(normalisations), tuple(aggregations), scores, offsets, tuple(compiled))

    @property
    def edge_counts(self) -> list[int]:
        """Number of children of each node, in evaluation order (the shapes of the weight factors)."""
        return [len(node.edges) for node in self.nodes]

    def root_scores(
        self, normalisation: NDArray[np.intp], aggregation: NDArray[np.intp], weight_factors: Sequence[Array]
    ) -> Array:
        """Root scores (replications × units) for the given choice indices and weight multipliers per node.

        ``normalisation`` indexes the alternatives (imputation × normalisation pairs when several imputations).
        """
        count = len(normalisation)
        done: list[Array] = []
        for node, factors in zip(self.nodes, weight_factors, strict=True):
            columns = []
            for edge in node.edges:
                if edge.indicator >= 0:
                    column = self.scores[normalisation, edge.indicator]  # replications × units
                    if edge.direction == -1:
                        column = self.flip_offsets[normalisation, edge.indicator][:, np.newaxis] - column
                else:
                    column = done[edge.node]
                    if edge.direction == -1:
                        column = edge.node_flip - column
                columns.append(column)
            matrix = np.stack(columns)  # children × replications × units
            weights = (node.weights[np.newaxis, :] * factors).T[:, :, np.newaxis]
            result = np.full((count, len(self.units)), np.nan)
            for k, rule in enumerate(self.aggregations):
                picked = aggregation == k
                if picked.any():
                    actual = node.aggregation if rule == "nominal" else rule
                    result[picked] = aggregate_replications(
                        matrix[:, picked], weights[:, picked], actual, node=node.name, top=node.top, axis=0
                    )
            child_share = (~np.isnan(matrix)).mean(axis=0)
            enough = node.enough_indicators[normalisation] & (child_share >= node.min_child_share)
            done.append(np.where(enough, result * node.scale, np.nan))
        return done[-1]
