"""Imputation of missing indicator values inside the index tree, before transformation and normalisation.

A definition asks for a method per indicator (``impute:`` on the indicator) or as a default for every indicator
below a node (``impute:`` on the node; the nearest setting wins). The methods work on the raw values, one
indicator at a time, and never use a value that was itself imputed:

- ``group_mean``: the mean of the observed values of the same period (and group, when the estimator is given a
  ``groups`` mapping of unit to group, e.g. the parent area), as COINr's ``i_mean`` / ``i_mean_grp``;
- ``regression``: ordinary least squares (with intercept) of the indicator on the other indicators of the same
  parent node, fitted on the unit-periods where all of them are observed, pooled over periods; a missing value
  is predicted where every predictor is observed. With fewer complete rows than predictors + 2 nothing is
  imputed and a :class:`~ruralmig.errors.DataQualityWarning` says so;
- ``last_observation``: the unit's latest earlier observed value (last observation carried forward over the
  sorted panel periods); the first periods of a unit stay missing.

Every imputed cell is flagged; the flags feed ``imputed_share`` in every output, and values still missing after
imputation count in ``missing_share``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ruralmig.errors import DataQualityWarning, InputError, Issue
from ruralmig.index.definition import IndexDefinition

__all__ = ["impute_values"]


def _group_mean(column: pd.Series, groups: Mapping[Any, Any] | pd.Series | None) -> pd.Series:
    periods = column.index.get_level_values(1)
    if groups is None:
        keys: list[Any] = [periods]
    else:
        mapping = groups if isinstance(groups, pd.Series) else pd.Series(dict(groups))
        labels = pd.Index(column.index.get_level_values(0)).map(mapping)
        keys = [periods, labels.to_numpy()]
    means: pd.Series = column.groupby(keys, dropna=False).transform("mean")
    return means


def _last_observation(column: pd.Series) -> pd.Series:
    filled: pd.Series = column.groupby(level=0, sort=False).ffill()
    return filled


def _regression(values: pd.DataFrame, name: str, definition: IndexDefinition) -> pd.Series:
    parent = definition.parent_of(name)
    predictors = [] if parent is None else [
        c.name for c in definition.nodes[parent].children if c.name in definition.indicators and c.name != name
    ]  # fmt: skip
    predictors = list(dict.fromkeys(predictors))
    if not predictors:
        raise InputError(
            Issue("definition", f"regression imputation needs other indicators in its node ({parent})", column=name)
        )
    target = values[name].to_numpy(dtype=float)
    design = values[predictors].to_numpy(dtype=float)
    complete = ~np.isnan(design).any(axis=1)
    train = complete & ~np.isnan(target)
    predict = complete & np.isnan(target)
    result = pd.Series(np.nan, index=values.index)
    if not predict.any():
        return result
    if train.sum() < len(predictors) + 2:
        warnings.warn(
            f"regression imputation of {name} skipped: {int(train.sum())} complete rows for {len(predictors)} "
            f"predictors ({', '.join(predictors)})",
            DataQualityWarning,
            stacklevel=4,
        )
        return result
    with_intercept = np.column_stack([np.ones(int(train.sum())), design[train]])
    coefficients, *_ = np.linalg.lstsq(with_intercept, target[train], rcond=None)
    result.iloc[np.flatnonzero(predict)] = coefficients[0] + design[predict] @ coefficients[1:]
    return result


def impute_values(
    values: pd.DataFrame,
    definition: IndexDefinition,
    *,
    groups: Mapping[Any, Any] | pd.Series | None = None,
    methods: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fill missing values as the definition asks (or as ``methods``, indicator → method, says instead).

    `values` is (unit, period) × indicator, sorted. Returns the filled values, a boolean frame of the cells that
    were imputed, and a tidy table of them (unit, period, indicator, method, value).
    """
    methods = dict(definition.imputations() if methods is None else methods)
    filled = values.copy()
    for name, method in methods.items():
        if method == "none" or name not in values.columns or not values[name].isna().any():
            continue
        column = values[name]
        if method == "group_mean":
            estimate = _group_mean(column, groups)
        elif method == "last_observation":
            estimate = _last_observation(column)
        else:
            estimate = _regression(values, name, definition)
        filled[name] = column.fillna(estimate)
    flags = filled.notna() & values.isna()
    rows, columns = np.nonzero(flags.to_numpy(dtype=bool))
    names = flags.columns.to_numpy()[columns]
    table = pd.DataFrame(
        {
            "unit": flags.index.get_level_values(0).to_numpy()[rows],
            "period": flags.index.get_level_values(1).to_numpy()[rows],
            "indicator": names,
            "method": pd.Series(names, dtype=object).map(methods).to_numpy(),
            "value": filled.to_numpy(dtype=float)[rows, columns],
        }
    )
    return filled, flags, table
