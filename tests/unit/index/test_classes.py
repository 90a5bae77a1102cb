"""INFORM risk classes on boundary values, competition ranks with ties and reliability from missing_share."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.index import CompositeIndex
from ruralmig.index.classes import INFORM_CLASSES, classify, rank_per_period, risk_class


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "Very low"),
        (1.9, "Very low"),
        (1.94, "Very low"),  # published scores carry one decimal: 1.94 is 1.9
        (1.96, "Low"),
        (2.0, "Low"),
        (3.4, "Low"),
        (3.5, "Medium"),
        (4.9, "Medium"),
        (5.0, "High"),
        (6.4, "High"),
        (6.5, "Very high"),
        (10.0, "Very high"),
    ],
)
def test_inform_class_boundaries(score: float, expected: str) -> None:
    assert str(risk_class(pd.Series([score]))[0]) == expected


def test_unrounded_classes_use_the_raw_score() -> None:
    classes = risk_class(pd.Series([1.94, 1.9]), decimals=None)
    assert list(classes.astype(str)) == ["Low", "Very low"]


def test_classes_are_ordered_and_missing_stays_missing() -> None:
    classes = risk_class(pd.Series([7.0, None, 0.5]))
    assert list(classes.cat.categories) == list(INFORM_CLASSES)
    assert classes.cat.ordered
    assert pd.isna(classes[1])
    assert classes.cat.codes[0] > classes.cat.codes[2]


def test_scores_outside_0_10_are_refused_with_the_node() -> None:
    with pytest.raises(InputError, match="0–10") as caught:
        risk_class(pd.Series([5.0, 55.0], name="gain"))
    assert caught.value.column == "gain"
    frame = pd.DataFrame({"unit": ["x"], "period": [2024], "node": ["gain"], "score": [61.5], "missing_share": [0.0]})
    with pytest.raises(InputError, match="unit x, period 2024") as caught:
        classify(frame)
    assert caught.value.column == "gain"


def test_competition_ranks_with_ties_per_period() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2024"] * 5 + ["2025"] * 2,
            "score": [5.0, 7.0, 5.0, None, 1.0, 2.0, 3.0],
        }
    )
    assert rank_per_period(frame).tolist() == [2, 1, 2, pd.NA, 4, 2, 1]


def _frame() -> pd.DataFrame:
    rows = [
        ("a", "2024", 6.44, 0.0),
        ("b", "2024", 6.36, 0.25),  # rounds to 6.4 like a: tie
        ("c", "2024", 1.2, 0.5),
        ("d", "2024", None, 1.0),
        ("a", "2025", 3.0, 0.0),
    ]
    frame = pd.DataFrame(rows, columns=["unit", "period", "score", "missing_share"])
    frame["node"] = "risk"
    frame["kind"] = "node"
    other = frame.assign(node="x1", kind="indicator", score=0.0)
    return pd.concat([frame, other], ignore_index=True)


def test_classify_frame_gives_class_rank_and_reliability() -> None:
    out = classify(_frame(), node="risk")
    y2024 = out[out["period"] == "2024"].set_index("unit")
    assert y2024.loc["a", "risk_class"] == "High"
    assert y2024.loc["b", "risk_class"] == "High"
    assert y2024.loc["a", "rank"] == y2024.loc["b", "rank"] == 1
    assert y2024.loc["c", "rank"] == 3
    assert pd.isna(y2024.loc["d", "rank"])
    assert y2024.loc["a", "ranked"] == 3
    assert y2024.loc["b", "reliability"] == pytest.approx(0.75)
    assert out[out["period"] == "2025"]["rank"].tolist() == [1]


def test_classify_defaults_to_the_single_node_and_names_unknown_nodes() -> None:
    assert set(classify(_frame())["node"]) == {"risk"}  # the indicator rows do not count
    two = pd.concat([_frame(), _frame().assign(node="pillar")], ignore_index=True)
    with pytest.raises(InputError, match="name the node"):
        classify(two)
    with pytest.raises(InputError, match="not a node") as caught:
        classify(_frame(), node="nope")
    assert caught.value.column == "node"


def test_classify_a_fitted_index_uses_the_root() -> None:
    tree = {
        "name": "toy",
        "root": "risk",
        "nodes": {"risk": {"range": [0, 10], "children": ["x1", "x2"]}},
        "indicators": {
            "x1": {"normalisation": {"method": "goalposts", "min": 0, "max": 1, "range": [0, 10]}},
            "x2": {"normalisation": {"method": "goalposts", "min": 0, "max": 1, "range": [0, 10]}},
        },
    }
    data = pd.DataFrame({"unit": ["u", "v"], "period": [2024, 2024], "x1": [0.9, 0.1], "x2": [None, 0.3]})
    model = CompositeIndex(definition=tree).fit(data)
    out = classify(model).set_index("unit")
    assert out.loc["u", "score"] == pytest.approx(9.0)
    assert out.loc["u", "risk_class"] == "Very high"
    assert out.loc["u", "missing_share"] == pytest.approx(0.5)
    assert out.loc["v", "risk_class"] == "Low"
    assert out.loc["v", "rank"] == 2
