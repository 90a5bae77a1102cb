"""Population-weighted roll-ups from admin 2 to admin 1 to country, on a hand-checkable hierarchy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.index.rollup import rollup

AREAS = pd.DataFrame(
    [
        ("C", None, 0, 1000.0),
        ("P", "C", 1, 300.0),
        ("Q", "C", 1, np.nan),
        ("P1", "P", 2, 100.0),
        ("P2", "P", 2, 200.0),
        ("Q1", "Q", 2, 50.0),
        ("Q2", "Q", 2, np.nan),
        ("Q3", "Q", 2, 70.0),
        ("D", None, 0, np.nan),
        ("R", "D", 1, 100.0),
        ("S", "D", 1, 300.0),
    ],
    columns=["area_id", "parent_id", "admin_level", "population"],
)


def scores(**extra: float) -> pd.DataFrame:
    rows = {"P1": (2.0, 0.0), "P2": (5.0, 0.5), "Q1": (8.0, 0.0), "Q2": (2.0, 0.0), "R": (2.0, 0.0), "S": (6.0, 1.0)}
    rows.update({unit: (value, 0.0) for unit, value in extra.items()})
    return pd.DataFrame(
        [(unit, "2024", "risk", s, m) for unit, (s, m) in rows.items()],
        columns=["unit", "period", "node", "score", "missing_share"],
    )


def by_unit(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("unit")


def test_two_level_population_weighted_rollup() -> None:
    out = by_unit(rollup(scores(), AREAS))
    # P = (100·2 + 200·5) / 300 = 4; its missing share (100·0 + 200·0.5) / 300 = 1/3
    assert out.loc["P", "score"] == pytest.approx(4.0)
    assert out.loc["P", "missing_share"] == pytest.approx(1 / 3)
    assert out.loc["P", "method"] == "rollup"
    assert not out.loc["P", "equal_weights"]
    assert out.loc["P", "children_scored"] == 2
    assert out.loc["P", "children_total"] == 2
    # Q2 has no population: Q's children get equal weights, (8 + 2) / 2 = 5, flagged; Q3 has no score
    assert out.loc["Q", "score"] == pytest.approx(5.0)
    assert out.loc["Q", "equal_weights"]
    assert out.loc["Q", "children_scored"] == 2
    assert out.loc["Q", "children_total"] == 3
    # C from P (300 people) and Q (no population): equal weights again, (4 + 5) / 2
    assert out.loc["C", "score"] == pytest.approx(4.5)
    assert out.loc["C", "equal_weights"]
    assert out.loc["C", "admin_level"] == 0
    # D from observed admin-1 scores: (100·2 + 300·6) / 400 = 5
    assert out.loc["D", "score"] == pytest.approx(5.0)
    assert out.loc["D", "missing_share"] == pytest.approx(0.75)
    assert not out.loc["D", "equal_weights"]
    assert out.loc["P1", "method"] == "observed"
    assert len(out) == 6 + 4


def test_observed_parent_scores_are_kept_and_used_above() -> None:
    out = by_unit(rollup(scores(P=9.0), AREAS))
    assert out.loc["P", "score"] == pytest.approx(9.0)
    assert out.loc["P", "method"] == "observed"
    assert out.loc["C", "score"] == pytest.approx((9.0 + 5.0) / 2)


def test_periods_and_nodes_roll_up_separately() -> None:
    frame = pd.concat(
        [scores(), scores().assign(period="2025", score=lambda f: f["score"] * 2), scores().assign(node="other")],
        ignore_index=True,
    )
    out = rollup(frame, AREAS)
    p = out[out["unit"] == "P"].set_index(["period", "node"])["score"]
    assert p[("2024", "risk")] == pytest.approx(4.0)
    assert p[("2025", "risk")] == pytest.approx(8.0)
    assert p[("2024", "other")] == pytest.approx(4.0)


def test_missing_child_scores_are_skipped() -> None:
    frame = scores()
    frame.loc[frame["unit"] == "P2", "score"] = np.nan
    out = by_unit(rollup(frame, AREAS))
    assert out.loc["P", "score"] == pytest.approx(2.0)
    assert out.loc["P", "children_scored"] == 1


def test_unknown_areas_and_bad_hierarchies_are_named() -> None:
    with pytest.raises(InputError, match="not an area") as caught:
        rollup(scores(Z9=1.0), AREAS)
    assert caught.value.issues[0].value == "Z9"
    orphan = pd.concat([AREAS, pd.DataFrame([("X1", "NOWHERE", 2, 10.0)], columns=AREAS.columns)], ignore_index=True)
    with pytest.raises(InputError, match="parent_id") as caught:
        rollup(scores(X1=1.0), orphan)
    assert caught.value.issues[0].value == "X1"
    repeated = pd.concat([AREAS, AREAS.iloc[[1]]], ignore_index=True)
    with pytest.raises(InputError, match="repeated") as caught:
        rollup(scores(), repeated)
    assert caught.value.issues[0].value == "P"
    with pytest.raises(InputError, match="required column"):
        rollup(scores(), AREAS.drop(columns="parent_id"))


def test_rollup_of_a_composite_index_frame() -> None:
    from ruralmig.index import CompositeIndex

    tree = {
        "name": "toy",
        "root": "risk",
        "nodes": {"risk": {"range": [0, 10], "children": ["x"]}},
        "indicators": {"x": {"normalisation": {"method": "goalposts", "min": 0, "max": 1, "range": [0, 10]}}},
    }
    data = pd.DataFrame({"area_id": ["P1", "P2"], "period": [2024, 2024], "x": [0.2, 0.5]})
    frame = CompositeIndex(definition=tree, unit_column="area_id").fit(data).to_frame()
    out = rollup(frame, AREAS)
    parent = out[(out["unit"] == "P") & (out["node"] == "risk")].iloc[0]
    assert parent["score"] == pytest.approx(4.0)
    assert parent["kind"] == "node"
    assert set(out.loc[out["unit"] == "C", "node"]) == {"risk", "x"}
