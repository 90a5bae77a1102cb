"""The CompositeIndex estimator on a small synthetic tree: hand-computed scores, coverage rules, data checks and
the scikit-learn contract."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError, NotFittedError
from ruralmig.index import CompositeIndex, IndexDefinition


def tree(pillar_share: float = 0.0, root_child_share: float = 0.0) -> dict[str, Any]:
    return {
        "name": "toy",
        "root": "index",
        "nodes": {
            "index": {
                "min_child_share": root_child_share,
                "scale": 10,
                "range": [0, 10],
                "children": ["pillar_a", {"name": "pillar_b", "weight": 3, "direction": -1}],
            },
            "pillar_a": {"aggregation": "geometric", "min_indicator_share": pillar_share, "children": ["x1", "x2"]},
            "pillar_b": {"children": ["x3"]},
        },
        "indicators": {
            "x1": {"normalisation": {"method": "goalposts", "min": 0, "max": 10}},
            "x2": {"direction": -1, "normalisation": {"method": "goalposts", "min": 0, "max": 100}},
            "x3": {"normalisation": {"method": "goalposts", "min": 0, "max": 1}},
        },
    }


LONG = pd.DataFrame(
    {
        "unit": ["A", "A", "A", "B", "B"],
        "period": [2020] * 5,
        "indicator": ["x1", "x2", "x3", "x2", "x3"],
        "value": [5.0, 20.0, 0.25, 50.0, 0.9],
        "imputed": [False, True, False, False, False],
    }
)
A_PILLAR = math.sqrt(0.5 * 0.8)


def test_hand_computed_scores_through_the_tree() -> None:
    scores = CompositeIndex(definition=tree()).fit(LONG).scores_
    a, b = scores.loc[("A", 2020)], scores.loc[("B", 2020)]
    assert a[["x1", "x2", "x3"]].tolist() == pytest.approx([0.5, 0.8, 0.25])
    assert a["pillar_a"] == pytest.approx(A_PILLAR)
    assert a["index"] == pytest.approx(10 * (A_PILLAR + 3 * 0.75) / 4)  # pillar_b flipped: 1 - 0.25
    assert b["pillar_a"] == pytest.approx(0.5)  # the missing x1 is skipped
    assert b["index"] == pytest.approx(10 * (0.5 + 3 * 0.1) / 4)


def test_minimum_indicator_share_blanks_a_node_and_minimum_child_share_its_parent() -> None:
    scores = CompositeIndex(definition=tree(pillar_share=0.75)).fit(LONG).scores_
    assert np.isnan(scores.loc[("B", 2020), "pillar_a"])
    assert scores.loc[("B", 2020), "index"] == pytest.approx(10 * 0.1)  # only pillar_b is left
    strict = CompositeIndex(definition=tree(pillar_share=0.75, root_child_share=1)).fit(LONG).scores_
    assert np.isnan(strict.loc[("B", 2020), "index"])
    assert strict.loc[("A", 2020), "index"] == pytest.approx(10 * (A_PILLAR + 3 * 0.75) / 4)


def test_coverage_and_imputed_share_reach_the_tidy_output() -> None:
    fitted = CompositeIndex(definition=tree()).fit(LONG)
    frame = fitted.to_frame().set_index(["unit", "node"])
    assert frame.loc[("B", "pillar_a"), "missing_share"] == pytest.approx(0.5)
    assert frame.loc[("B", "index"), "missing_share"] == pytest.approx(1 / 3)
    assert frame.loc[("A", "pillar_a"), "imputed_share"] == pytest.approx(0.5)
    assert frame.loc[("A", "index"), "imputed_share"] == pytest.approx(1 / 3)
    assert frame.loc[("A", "x1"), "kind"] == "indicator"
    assert frame.loc[("A", "index"), "kind"] == "node"
    assert len(frame) == 2 * 6
    summary = fitted.result_.summary()
    assert summary.loc["x1", "scored"] == 1
    assert summary.loc["x1", "missing"] == 1


def test_wide_data_gives_the_same_scores_as_long_data() -> None:
    wide = LONG.pivot(index=["unit", "period"], columns="indicator", values="value")
    from_wide = CompositeIndex(definition=tree()).fit(wide).scores_
    from_long = CompositeIndex(definition=tree()).fit(LONG).scores_
    pd.testing.assert_frame_equal(from_wide, from_long)
    from_columns = CompositeIndex(definition=tree()).fit(wide.reset_index()).scores_
    pd.testing.assert_frame_equal(from_columns, from_long)


def test_canonical_area_id_column_is_accepted() -> None:
    scores = CompositeIndex(definition=tree()).fit(LONG.rename(columns={"unit": "area_id"})).scores_
    assert scores.loc[("A", 2020), "x1"] == 0.5


def test_non_numeric_value_is_reported_with_its_row() -> None:
    data = LONG.astype({"value": object})
    data.loc[3, "value"] = "n/a"
    with pytest.raises(InputError, match="'n/a' is not a number") as raised:
        CompositeIndex(definition=tree()).fit(data)
    assert (raised.value.row, raised.value.column) == (4, "value")


def test_repeated_rows_are_refused() -> None:
    with pytest.raises(InputError, match="repeated"):
        CompositeIndex(definition=tree()).fit(pd.concat([LONG, LONG.iloc[[0]]], ignore_index=True))


def test_indicator_without_data_is_named() -> None:
    with pytest.raises(InputError, match="has no values in the data") as raised:
        CompositeIndex(definition=tree()).fit(LONG[LONG["indicator"] != "x3"])
    assert raised.value.column == "x3"


def test_bad_definition_is_reported_at_fit() -> None:
    bad = tree()
    bad["nodes"]["pillar_b"]["children"] = [{"name": "x3", "weight": -2}]
    estimator = CompositeIndex(definition=bad)  # settings are not checked in __init__
    with pytest.raises(InputError, match="negative weights"):
        estimator.fit(LONG)


def test_definition_of_the_wrong_type() -> None:
    with pytest.raises(InputError, match="definition must be an IndexDefinition"):
        CompositeIndex(definition=42).fit(LONG)  # type: ignore[arg-type]


def test_fit_returns_self_and_keeps_settings_unchanged() -> None:
    settings = tree()
    estimator = CompositeIndex(definition=settings, unit_column="unit")
    assert estimator.fit(LONG) is estimator
    assert estimator.definition is settings
    assert settings == tree()
    assert estimator.get_params() == {"definition": settings, "unit_column": "unit", "absent": "raise", "groups": None}
    assert isinstance(estimator.definition_, IndexDefinition)


def test_keyword_only_settings() -> None:
    with pytest.raises(TypeError):
        CompositeIndex(tree())  # type: ignore[misc]


def test_not_fitted_error_before_fit() -> None:
    estimator = CompositeIndex(definition=tree())
    with pytest.raises(NotFittedError, match="call fit"):
        _ = estimator.scores_
    with pytest.raises(NotFittedError):
        estimator.to_frame()
    assert not hasattr(estimator, "result_")


def test_vectorised_over_many_units_and_years() -> None:
    rng = np.random.default_rng(7)
    index = pd.MultiIndex.from_product([[f"u{i}" for i in range(2_000)], range(2000, 2020)], names=["unit", "period"])
    wide = pd.DataFrame(
        {
            "x1": rng.uniform(0, 10, len(index)),
            "x2": rng.uniform(0, 100, len(index)),
            "x3": rng.uniform(0, 1, len(index)),
        },
        index=index,
    )
    scores = CompositeIndex(definition=tree()).fit(wide).scores_
    expected = 10 * (np.sqrt(wide["x1"] / 10 * (1 - wide["x2"] / 100)) + 3 * (1 - wide["x3"])) / 4
    np.testing.assert_allclose(scores["index"].to_numpy(), expected.reindex(scores.index).to_numpy(), rtol=1e-12)


def test_imputed_flags_may_be_missing_or_textual() -> None:
    data = LONG.astype({"imputed": object})
    data["imputed"] = [None, "yes", "no", 1, None]
    fitted = CompositeIndex(definition=tree()).fit(data)
    assert fitted.imputed_share_.loc[("A", 2020), "x2"] == 1.0
    assert fitted.imputed_share_.loc[("B", 2020), "x2"] == 1.0
    assert fitted.imputed_share_.loc[("A", 2020), "x1"] == 0.0
    assert fitted.imputed_share_.loc[("B", 2020), "x1"] == 0.0  # missing value, not imputed
