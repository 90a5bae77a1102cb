"""Data-driven weights for index nodes: ``weights: pca`` and ``weights: equal`` in a definition.

PCA weights: the children's scores are centred and scaled (sample standard deviation) and the first principal
component is taken by SVD, as COINr ``get_PCA`` does (the loadings match COINr's on the ASEM example; see
tests/reference/test_coinr_reference.py). COINr returns the loadings themselves, which can be negative; as weights
ruralmig uses them squared and normalised to sum to 1 (the share of the component's variance each child carries,
the OECD/JRC Handbook's convention). Only the rows (unit × period, pooled over periods) where every child has a
score are used.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from ruralmig.errors import InputError, Issue
from ruralmig.index.definition import Child, IndexDefinition, Node

__all__ = ["first_component_loadings", "node_weights", "pca_weights", "with_weights"]


def first_component_loadings(matrix: NDArray[np.float64], *, node: str = "") -> NDArray[np.float64]:
    """Loadings of the first principal component of the complete rows of `matrix` (rows × children), sum >= 0."""
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if complete.shape[0] < 2:
        raise InputError(
            Issue("index", "PCA weights need at least two rows where every child has a score", column=node)
        )
    spread = complete.std(axis=0, ddof=1)
    if (spread == 0).any():
        raise InputError(Issue("index", "PCA weights need children whose scores vary", column=node))
    scaled = (complete - complete.mean(axis=0)) / spread
    _, _, vt = np.linalg.svd(scaled, full_matrices=False)
    first: NDArray[np.float64] = vt[0] if vt[0].sum() >= 0 else -vt[0]
    return first


def pca_weights(matrix: NDArray[np.float64], *, node: str = "") -> NDArray[np.float64]:
    """First-component loadings squared and normalised to sum to 1."""
    squared = first_component_loadings(matrix, node=node) ** 2
    weights: NDArray[np.float64] = squared / squared.sum()
    return weights


def node_weights(node: Node, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """The weights a node applies to its children's scores (rows × children), as its definition asks."""
    if node.weights == "pca":
        return pca_weights(matrix, node=node.name)
    if node.weights == "equal":
        return np.ones(len(node.children))
    return np.array([child.weight for child in node.children], dtype=float)


def with_weights(definition: IndexDefinition, weights: dict[str, NDArray[np.float64]]) -> IndexDefinition:
    """The definition with the given weights written on the children of the named nodes (weights: given)."""
    nodes = dict(definition.nodes)
    for name, values in weights.items():
        node = nodes[name]
        children = tuple(
            Child(name=c.name, weight=float(w), direction=c.direction)
            for c, w in zip(node.children, values, strict=True)
        )
        nodes[name] = replace(node, children=children, weights="given")
    return replace(definition, nodes=nodes)
