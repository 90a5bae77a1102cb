"""The composite-index estimator: indicator values in, scores per indicator and node out.

``CompositeIndex(definition=...).fit(data)`` takes long data (unit, period, indicator, value[, imputed]) or
wide data (one column per indicator, unit and period as columns or index). Work is vectorised over
unit × period rows; the only Python loops run over indicators and nodes of the tree.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ruralmig.errors import DataQualityWarning, InputError, Issue
from ruralmig.index._estimator import Estimator
from ruralmig.index.aggregate import aggregate
from ruralmig.index.definition import IndexDefinition
from ruralmig.index.impute import impute_values
from ruralmig.index.normalise import score_indicator
from ruralmig.index.weights import node_weights, with_weights

__all__ = ["CompositeIndex", "IndexResult"]

_FITTED = (
    "definition_",
    "scores_",
    "coverage_",
    "imputed_share_",
    "result_",
    "values_",
    "imputations_",
    "weights_",
    "resolved_definition_",
)
_KEYS = ["unit", "period"]


@dataclass(frozen=True)
class IndexResult:
    """Scores of every indicator and node, with the share of indicators present and imputed below each."""

    definition: IndexDefinition
    scores: pd.DataFrame
    coverage: pd.DataFrame
    imputed_share: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: unit, period, node, kind (indicator/node), score, missing_share, imputed_share."""
        names = list(self.scores.columns)
        count = len(names)
        index = self.scores.index
        node_names = set(self.definition.nodes)
        frame = pd.DataFrame(
            {
                "unit": np.tile(index.get_level_values(0).to_numpy(), count),
                "period": np.tile(index.get_level_values(1).to_numpy(), count),
                "node": np.repeat(np.array(names, dtype=object), len(index)),
                "kind": np.repeat(np.array(["node" if n in node_names else "indicator" for n in names]), len(index)),
                "score": self.scores.to_numpy(dtype=float).ravel(order="F"),
                "missing_share": 1.0 - self.coverage.to_numpy(dtype=float).ravel(order="F"),
                "imputed_share": self.imputed_share.to_numpy(dtype=float).ravel(order="F"),
            }
        )
        return frame

    def summary(self) -> pd.DataFrame:
        """One row per node and indicator: cells scored, missing cells, mean, min and max score."""
        return pd.DataFrame(
            {
                "scored": self.scores.notna().sum(),
                "missing": self.scores.isna().sum(),
                "mean": self.scores.mean(),
                "min": self.scores.min(),
                "max": self.scores.max(),
            }
        )


class CompositeIndex(Estimator):
    """Compute a composite index defined by an :class:`IndexDefinition` tree.

    Parameters
    ----------
    definition:
        An :class:`IndexDefinition`, a path to its YAML file, or the equivalent mapping.
    unit_column:
        Name of the unit column in the data (``area_id`` is also recognised when this is ``unit``).
    absent:
        ``raise`` (an indicator of the definition without any value is an error) or ``missing`` (it counts as
        missing, with a DataQualityWarning).
    groups:
        Unit → group (e.g. parent area) for ``impute: group_mean``; by default all units of a period.

    Fitted attributes: ``definition_``, ``scores_`` (rows (unit, period), one column per indicator and node),
    ``coverage_`` (share of the indicators below each column that are present, after imputation),
    ``imputed_share_`` (share imputed, by the definition or flagged in the data), ``values_`` (the raw values
    after imputation), ``imputations_`` (one row per imputed cell with its method), ``weights_`` (the weights each
    node applied, PCA weights included), ``resolved_definition_`` (the definition with those weights) and
    ``result_`` (an :class:`IndexResult`).
    """

    fitted_attributes = _FITTED

    def __init__(
        self,
        *,
        definition: IndexDefinition | str | Path | Mapping[str, Any],
        unit_column: str = "unit",
        absent: str = "raise",
        groups: Mapping[Any, Any] | pd.Series | None = None,
    ) -> None:
        self.definition = definition
        self.unit_column = unit_column
        self.absent = absent
        self.groups = groups

    def fit(self, data: pd.DataFrame) -> CompositeIndex:
        """Score every indicator and node for every unit and period of ``data``."""
        definition = _resolve(self.definition)
        if not isinstance(self.unit_column, str) or not self.unit_column:
            raise InputError(
                Issue(
                    "parameters",
                    f"unit_column must be a non-empty column name, got {self.unit_column!r}",
                    column="unit_column",
                )
            )
        if self.absent not in ("raise", "missing"):
            raise InputError(
                Issue("parameters", f"absent must be 'raise' or 'missing', got {self.absent!r}", column="absent")
            )
        observed, flagged = _to_wide(data, definition, self.unit_column, absent=self.absent)
        values, filled, imputations = impute_values(observed, definition, groups=self.groups)
        imputed = flagged | filled
        applied: dict[str, np.ndarray] = {}
        scores: dict[str, pd.Series] = {}
        coverage: dict[str, pd.Series] = {}
        imputed_share: dict[str, pd.Series] = {}
        present = values.notna()
        for name in definition.used_indicators():
            scores[name] = score_indicator(values[name], definition.indicators[name])
            coverage[name] = present[name].astype(float)
            imputed_share[name] = imputed[name].astype(float)
        for name in definition.order():
            node = definition.nodes[name]
            leaves = list(definition.leaves(name))
            matrix = np.column_stack(
                [self._child_scores(definition, scores, child.name, child.direction) for child in node.children]
            )
            weights = node_weights(node, matrix)
            applied[name] = weights
            result = aggregate(matrix, weights, node.aggregation, node=name, top=node.top) * node.scale
            indicator_share = present[leaves].mean(axis=1).to_numpy()
            child_share = (~np.isnan(matrix)).mean(axis=1)
            enough = (indicator_share >= node.min_indicator_share) & (child_share >= node.min_child_share)
            scores[name] = pd.Series(np.where(enough, result, np.nan), index=values.index)
            coverage[name] = pd.Series(indicator_share, index=values.index)
            imputed_share[name] = imputed[leaves].mean(axis=1)
        columns = [*definition.used_indicators(), *definition.order()]
        self.definition_ = definition
        self.scores_ = pd.DataFrame(scores, columns=columns)
        self.coverage_ = pd.DataFrame(coverage, columns=columns)
        self.imputed_share_ = pd.DataFrame(imputed_share, columns=columns)
        self.result_ = IndexResult(definition, self.scores_, self.coverage_, self.imputed_share_)
        self.values_ = values
        self.observed_ = observed  # before the definition's imputation
        self.imputations_ = imputations
        self.weights_ = {
            name: pd.Series(w, index=[c.name for c in definition.nodes[name].children]) for name, w in applied.items()
        }
        self.resolved_definition_ = with_weights(
            definition, {n: w for n, w in applied.items() if definition.nodes[n].weights != "given"}
        )
        return self

    @staticmethod
    def _child_scores(
        definition: IndexDefinition, scores: Mapping[str, pd.Series], name: str, direction: int
    ) -> np.ndarray:
        column = scores[name].to_numpy(dtype=float)
        if direction == 1:
            return column
        if name in definition.nodes:
            low, high = definition.nodes[name].range
            return low + high - column
        rule = definition.indicators[name].normalisation
        return rule.range[0] + rule.range[1] - column if rule.bounded else -column

    def to_frame(self) -> pd.DataFrame:
        """The fitted result as a tidy long table (see :meth:`IndexResult.to_frame`)."""
        return self.result_.to_frame()


def _resolve(definition: IndexDefinition | str | Path | Mapping[str, Any]) -> IndexDefinition:
    if isinstance(definition, IndexDefinition):
        return definition
    if isinstance(definition, str | Path):
        return IndexDefinition.from_yaml(definition)
    if isinstance(definition, Mapping):
        return IndexDefinition.from_mapping(definition)
    raise InputError(
        Issue(
            "parameters",
            f"definition must be an IndexDefinition, a YAML path or a mapping, got {type(definition).__name__}",
            column="definition",
        )
    )


def _numeric(column: pd.Series, where: str) -> pd.Series:
    """The column as floats; every cell that is present but not a number is reported."""
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() & column.notna()
    if bad.any():
        issues = [
            Issue("data", "is not a number", row=int(i) + 1, column=where, value=str(v))
            for i, v in zip(np.flatnonzero(bad.to_numpy())[:20], column[bad].iloc[:20], strict=False)
        ]
        raise InputError(issues, total=int(bad.sum()))
    return numbers.astype(float)


def _to_wide(
    data: pd.DataFrame, definition: IndexDefinition, unit_column: str, *, absent: str = "raise"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values and imputed flags as (unit, period) × indicator tables, checked.

    Indicators in the data that the definition does not use are ignored. An ``imputed`` column (long data) may
    hold booleans, 0/1 or "true"/"yes"; anything else counts as not imputed.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(Issue("data", f"must be a pandas DataFrame, got {type(data).__name__}"))
    frame = data.reset_index() if any(name in _KEYS or name == unit_column for name in data.index.names) else data
    if unit_column not in frame.columns and unit_column == "unit" and "area_id" in frame.columns:
        frame = frame.rename(columns={"area_id": "unit"})
    elif unit_column != "unit":
        frame = frame.rename(columns={unit_column: "unit"})
    missing_keys = [key for key in _KEYS if key not in frame.columns]
    if missing_keys:
        raise InputError(Issue("data", f"needs columns {', '.join(missing_keys)} (as columns or index levels)"))
    wanted = list(definition.used_indicators())
    if "indicator" in frame.columns and "value" in frame.columns:
        long = frame[[*_KEYS, "indicator", "value"]].copy()
        long["value"] = _numeric(frame["value"], "value")
        flags = frame["imputed"] if "imputed" in frame.columns else pd.Series(False, index=frame.index)
        long["imputed"] = flags.isin([True, "true", "True", "TRUE", "yes", "1"]).astype(float)
        duplicated = long.duplicated([*_KEYS, "indicator"])
        if duplicated.any():
            first = long[duplicated].iloc[0]
            raise InputError(
                Issue(
                    "data",
                    f"has {int(duplicated.sum())} repeated (unit, period, indicator) rows",
                    row=int(np.flatnonzero(duplicated.to_numpy())[0]) + 1,
                    column="indicator",
                    value=f"{first['unit']}, {first['period']}, {first['indicator']}",
                )
            )
        long = long[long["indicator"].isin(wanted)]
        values = long.pivot(index=_KEYS, columns="indicator", values="value")
        imputed = long.pivot(index=_KEYS, columns="indicator", values="imputed")
    else:
        if frame.duplicated(_KEYS).any():
            raise InputError(Issue("data", "has repeated (unit, period) rows", column="unit"))
        indexed = frame.set_index(_KEYS)
        values = pd.DataFrame(
            {name: _numeric(indexed[name], name) for name in wanted if name in indexed.columns}, index=indexed.index
        )
        imputed = pd.DataFrame(0.0, index=values.index, columns=values.columns)
    missing = [name for name in wanted if name not in values.columns or values[name].isna().all()]
    if missing and absent == "missing":
        warnings.warn(
            f"{len(missing)} indicators have no values and count as missing: {', '.join(missing)}",
            DataQualityWarning,
            stacklevel=3,
        )
        values = values.reindex(columns=[*values.columns, *(n for n in missing if n not in values.columns)])
        imputed = imputed.reindex(columns=values.columns, fill_value=0.0)
        missing = []
    if missing:
        raise InputError(
            [Issue("data", "is in the definition but has no values in the data", column=name) for name in missing]
        )
    values = values.reindex(columns=wanted).sort_index()
    imputed = imputed.reindex(index=values.index, columns=wanted).astype(float).fillna(0.0) > 0
    return values, imputed
