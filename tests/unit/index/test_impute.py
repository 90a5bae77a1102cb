"""Imputation inside the tree: group mean, regression on sibling indicators, last observation carried forward."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import DataQualityWarning, InputError
from ruralmig.index import CompositeIndex, IndexDefinition


def tree(node_impute: str | None = None, **indicator_impute: str) -> dict[str, Any]:
    node: dict[str, Any] = {"children": ["x1", "x2", "x3"]}
    if node_impute:
        node["impute"] = node_impute
    indicators = {name: {"normalisation": "none"} for name in ("x1", "x2", "x3")}
    for name, method in indicator_impute.items():
        indicators[name]["impute"] = method
    return {"name": "toy", "root": "index", "nodes": {"index": node}, "indicators": indicators}


def wide(rows: dict[str, list[float]], units: list[str], periods: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"unit": units, "period": periods, **rows})


def test_node_default_and_indicator_override() -> None:
    definition = IndexDefinition.from_mapping(tree("group_mean", x3="last_observation"))
    assert definition.imputations() == {"x1": "group_mean", "x2": "group_mean", "x3": "last_observation"}


def test_group_mean_uses_the_same_period_and_group_and_flags_the_cell() -> None:
    data = wide(
        {"x1": [1.0, 3.0, np.nan, 10.0, np.nan], "x2": [1.0] * 5, "x3": [1.0] * 5},
        ["A", "B", "C", "D", "E"],
        [2020, 2020, 2020, 2021, 2020],
    )
    groups = {"A": "north", "B": "south", "C": "north", "D": "north", "E": "south"}
    model = CompositeIndex(definition=tree(x1="group_mean"), groups=groups).fit(data)
    assert model.values_.loc[("C", 2020), "x1"] == 1.0  # north in 2020: A only (D is 2021)
    assert model.values_.loc[("E", 2020), "x1"] == 3.0  # south in 2020: B
    plain = CompositeIndex(definition=tree(x1="group_mean")).fit(data)
    assert plain.values_.loc[("C", 2020), "x1"] == pytest.approx(2.0)  # all of 2020: mean of 1 and 3
    assert plain.imputed_share_.loc[("C", 2020), "x1"] == 1.0
    assert plain.imputed_share_.loc[("C", 2020), "index"] == pytest.approx(1 / 3)
    assert plain.imputed_share_.loc[("A", 2020), "index"] == 0.0
    assert set(plain.imputations_["method"]) == {"group_mean"}
    assert len(plain.imputations_) == 2
    frame = plain.to_frame()
    row = frame[(frame["unit"] == "C") & (frame["node"] == "index")].iloc[0]
    assert row["missing_share"] == 0.0
    assert row["imputed_share"] == pytest.approx(1 / 3)


def test_regression_is_ols_on_the_sibling_indicators() -> None:
    rng = np.random.default_rng(2)
    x2, x3 = rng.normal(size=30), rng.normal(size=30)
    x1 = 1.5 + 2.0 * x2 - 0.5 * x3 + rng.normal(scale=0.1, size=30)
    x1[[4, 9]] = np.nan
    data = wide({"x1": x1, "x2": x2, "x3": x3}, [f"U{i:02d}" for i in range(30)], [2020] * 30)
    model = CompositeIndex(definition=tree(x1="regression")).fit(data)
    train = ~np.isnan(x1)
    design = np.column_stack([np.ones(train.sum()), x2[train], x3[train]])
    beta = np.linalg.lstsq(design, x1[train], rcond=None)[0]
    expected = beta[0] + beta[1] * x2[[4, 9]] + beta[2] * x3[[4, 9]]
    got = model.values_.loc[[("U04", 2020), ("U09", 2020)], "x1"].to_numpy()
    assert got == pytest.approx(expected)
    assert model.imputed_share_.loc[("U04", 2020), "x1"] == 1.0


def test_regression_with_too_few_complete_rows_warns_and_leaves_the_gap() -> None:
    data = wide({"x1": [np.nan, 1.0, 2.0], "x2": [1.0, 2.0, 3.0], "x3": [1.0, 1.0, 5.0]}, ["A", "B", "C"], [1] * 3)
    with pytest.warns(DataQualityWarning, match="regression imputation of x1 skipped"):
        model = CompositeIndex(definition=tree(x1="regression")).fit(data)
    assert np.isnan(model.values_.loc[("A", 1), "x1"])


def test_regression_needs_sibling_indicators() -> None:
    definition = {
        "root": "index",
        "nodes": {"index": {"children": ["solo", "x2"]}, "solo": {"children": ["x1"]}},
        "indicators": {"x1": {"impute": "regression"}, "x2": {}},
    }
    data = wide({"x1": [np.nan, 1.0], "x2": [1.0, 2.0]}, ["A", "B"], [1, 1])
    with pytest.raises(InputError, match="regression imputation needs other indicators"):
        CompositeIndex(definition=definition).fit(data)


def test_last_observation_carries_forward_within_each_unit_only() -> None:
    data = wide(
        {"x1": [np.nan, 5.0, np.nan, np.nan, 7.0, np.nan], "x2": [1.0] * 6, "x3": [1.0] * 6},
        ["A", "A", "A", "B", "B", "B"],
        [2019, 2020, 2021, 2019, 2020, 2021],
    )
    values = CompositeIndex(definition=tree("last_observation")).fit(data).values_["x1"]
    assert np.isnan(values[("A", 2019)])
    assert np.isnan(values[("B", 2019)])
    assert values[("A", 2021)] == 5.0
    assert values[("B", 2021)] == 7.0


def test_unknown_method_names_the_indicator() -> None:
    with pytest.raises(InputError) as caught:
        IndexDefinition.from_mapping(tree(x2="median"))
    assert caught.value.issues[0].column == "indicators.x2.impute"
