"""Composite indices: tree definitions (YAML), normalisation, aggregation and the CompositeIndex estimator.

The engine takes indicator tables in and returns scores; it does no storage or file input of data.
"""

from __future__ import annotations

from ruralmig.index.aggregate import aggregate, reversed_geometric_mean
from ruralmig.index.composite import CompositeIndex, IndexResult
from ruralmig.index.definition import (
    AGGREGATIONS,
    NORMALISATIONS,
    TRANSFORMATIONS,
    Child,
    IndexDefinition,
    Indicator,
    Node,
    Normalisation,
)
from ruralmig.index.ndgain import ndgain_definition

__all__ = [
    "AGGREGATIONS",
    "NORMALISATIONS",
    "TRANSFORMATIONS",
    "Child",
    "CompositeIndex",
    "IndexDefinition",
    "IndexResult",
    "Indicator",
    "Node",
    "Normalisation",
    "aggregate",
    "ndgain_definition",
    "reversed_geometric_mean",
]
