"""Composite indices: tree definitions (YAML), imputation, normalisation, weights, aggregation, trends.

The engine takes indicator tables in and returns scores; it does no storage or file input of data.
"""

from __future__ import annotations

from ruralmig.index.aggregate import aggregate, reversed_geometric_mean
from ruralmig.index.composite import CompositeIndex, IndexResult
from ruralmig.index.definition import (
    AGGREGATIONS,
    IMPUTATIONS,
    NORMALISATIONS,
    TRANSFORMATIONS,
    WEIGHTINGS,
    Child,
    IndexDefinition,
    Indicator,
    Node,
    Normalisation,
)
from ruralmig.index.leave_one_out import leave_one_out
from ruralmig.index.ndgain import ndgain_definition
from ruralmig.index.trends import panel_trends

__all__ = [
    "AGGREGATIONS",
    "IMPUTATIONS",
    "NORMALISATIONS",
    "TRANSFORMATIONS",
    "WEIGHTINGS",
    "Child",
    "CompositeIndex",
    "IndexDefinition",
    "IndexResult",
    "Indicator",
    "Node",
    "Normalisation",
    "aggregate",
    "leave_one_out",
    "ndgain_definition",
    "panel_trends",
    "reversed_geometric_mean",
]
