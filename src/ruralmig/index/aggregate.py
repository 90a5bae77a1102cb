"""Aggregation rules for index nodes, vectorised over rows (unit × period).

Every rule takes a matrix of child scores (rows × children, NaN = missing) and the children's weights, skips
missing children and renormalises the weights over those present. A row with no child present gives NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ruralmig.errors import InputError, Issue

__all__ = ["aggregate", "reversed_geometric_mean"]

Matrix = NDArray[np.float64]


def _weights(scores: Matrix, weights: NDArray[np.float64]) -> tuple[Matrix, NDArray[np.float64]]:
    """Per-row weights, zero where the child is missing, and their row sums."""
    present = ~np.isnan(scores)
    row_weights = np.where(present, weights[np.newaxis, :], 0.0)
    return row_weights, row_weights.sum(axis=1)


def _finish(total: NDArray[np.float64], weight_sum: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(weight_sum > 0, total, np.nan)


def _check_floor(scores: Matrix, floor: float, node: str, rule: str, strict: bool = False) -> None:
    bad = scores[~np.isnan(scores)]
    bad = bad[bad <= floor] if strict else bad[bad < floor]
    if bad.size:
        need = f"> {floor:g}" if strict else f">= {floor:g}"
        raise InputError(
            Issue(
                "index",
                f"the {rule} mean needs child scores {need} ({bad.size} such scores)",
                column=node,
                value=f"{bad[0]:g}",
            )
        )


def arithmetic_mean(scores: Matrix, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted arithmetic mean of the children present."""
    row_weights, weight_sum = _weights(scores, weights)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = np.where(row_weights > 0, row_weights * np.nan_to_num(scores), 0.0).sum(axis=1) / weight_sum
    return _finish(total, weight_sum)


def geometric_mean(scores: Matrix, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted geometric mean of the children present (a zero child gives zero)."""
    row_weights, weight_sum = _weights(scores, weights)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logs = np.where(row_weights > 0, row_weights * np.log(np.where(row_weights > 0, scores, 1.0)), 0.0)
        total = np.exp(logs.sum(axis=1) / weight_sum)
    return _finish(total, weight_sum)


def harmonic_mean(scores: Matrix, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted harmonic mean of the children present (a zero child gives zero)."""
    row_weights, weight_sum = _weights(scores, weights)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inverse = np.where(row_weights > 0, row_weights / np.where(row_weights > 0, scores, 1.0), 0.0)
        total = weight_sum / inverse.sum(axis=1)
    return _finish(total, weight_sum)


def reversed_geometric_mean(scores: Matrix, weights: NDArray[np.float64], top: float = 10.0) -> NDArray[np.float64]:
    """INFORM's RGM on [0, top]: (10/9)·(top − GM(top − 0.9·x)); one extreme child dominates."""
    return (10.0 / 9.0) * (top - geometric_mean(top - 0.9 * scores, weights))


def weighted_max(scores: Matrix, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Largest weight·score among the children present (INFORM's max(0.7·a, b) with weights 0.7 and 1)."""
    row_weights, weight_sum = _weights(scores, weights)
    product = np.where(row_weights > 0, weights[np.newaxis, :] * scores, -np.inf)
    return _finish(product.max(axis=1), weight_sum)


def weighted_min(scores: Matrix, weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Smallest weight·score among the children present."""
    row_weights, weight_sum = _weights(scores, weights)
    product = np.where(row_weights > 0, weights[np.newaxis, :] * scores, np.inf)
    return _finish(product.min(axis=1), weight_sum)


_RULES: dict[str, Callable[[Matrix, NDArray[np.float64]], NDArray[np.float64]]] = {
    "arithmetic": arithmetic_mean,
    "geometric": geometric_mean,
    "harmonic": harmonic_mean,
    "max": weighted_max,
    "min": weighted_min,
}


def aggregate(
    scores: Matrix, weights: NDArray[np.float64], rule: str, *, node: str = "", top: float = 10.0
) -> NDArray[np.float64]:
    """Aggregate child scores (rows × children) with a named rule; see :data:`ruralmig.index.AGGREGATIONS`."""
    scores = np.asarray(scores, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if rule in ("geometric", "harmonic"):
        _check_floor(scores, 0.0, node, rule)
    if rule == "reversed_geometric":
        _check_floor(top - 0.9 * scores, 0.0, node, "reversed geometric", strict=True)
        return reversed_geometric_mean(scores, weights, top)
    if rule not in _RULES:
        raise InputError(
            Issue(
                "index",
                f"aggregation must be one of {', '.join([*_RULES, 'reversed_geometric'])}",
                column=node,
                value=rule,
            )
        )
    return _RULES[rule](scores, weights)
