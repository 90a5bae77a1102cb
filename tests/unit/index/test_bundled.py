"""The bundled definitions: each loads, and computes on small synthetic data with missing indicators."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import DataQualityWarning, InputError
from ruralmig.index import CompositeIndex
from ruralmig.index.bundled import BUNDLED_DEFINITIONS, bundled_definition, load_bundled_definition
from ruralmig.index.classes import classify


def rgm(*values: float) -> float:
    """INFORM's reversed geometric mean, equal weights."""
    product = math.prod(10 - 0.9 * v for v in values)
    return (10 / 9) * (10 - product ** (1 / len(values)))


@pytest.mark.parametrize("name", sorted(BUNDLED_DEFINITIONS))
def test_each_bundled_definition_loads(name: str) -> None:
    path = bundled_definition(name)
    assert path.is_file()
    assert path.read_text(encoding="utf-8").startswith("#")  # documented header
    definition = load_bundled_definition(name)
    assert definition.root in definition.nodes
    assert definition.used_indicators()


def test_unknown_bundled_name_is_named() -> None:
    with pytest.raises(InputError, match="not a bundled") as caught:
        bundled_definition("inform_2020")
    assert caught.value.issues[0].value == "inform_2020"
    assert bundled_definition("adverse-drivers") == bundled_definition("adverse_drivers")


def synthetic(name: str, seed: int = 1, units: int = 6) -> pd.DataFrame:
    """Values inside every indicator's goalposts; about a third missing, and unit u0 has only the first indicator."""
    definition = load_bundled_definition(name)
    rng = np.random.default_rng(seed)
    rows = []
    for indicator in definition.used_indicators():
        rule = definition.indicators[indicator].normalisation
        low, high = (rule.low, rule.high) if rule.low is not None and rule.high is not None else (0.0, 1.0)
        for unit in range(units):
            rows.append((f"u{unit}", 2024, indicator, float(rng.uniform(low, high))))
    frame = pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])
    drop = rng.random(len(frame)) < 0.3
    first = definition.used_indicators()[0]
    drop |= (frame["unit"] == "u0") & (frame["indicator"] != first)
    drop &= frame["unit"] != "u1"  # keep one complete unit, so that every indicator has values
    drop &= ~((frame["unit"] == "u0") & (frame["indicator"] == first))
    return frame[~drop].reset_index(drop=True)


@pytest.mark.parametrize("name", sorted(BUNDLED_DEFINITIONS))
def test_each_bundled_definition_computes_with_missing_indicators(name: str) -> None:
    definition = load_bundled_definition(name)
    frame = CompositeIndex(definition=bundled_definition(name)).fit(synthetic(name)).to_frame()
    root = frame[frame["node"] == definition.root].set_index("unit")
    complete = root.loc["u1"]
    assert complete["missing_share"] == 0
    assert np.isfinite(complete["score"])
    assert (root["missing_share"] > 0).any()
    assert root["score"].dropna().between(0, 100).all()


def test_adverse_drivers_scores_an_area_with_one_indicator() -> None:
    data = synthetic("adverse_drivers")
    frame = CompositeIndex(definition=bundled_definition("adverse_drivers")).fit(data).to_frame()
    root = frame[frame["node"] == "adverse_drivers"].set_index("unit")
    first = frame[frame["node"] == "conflict_events_per_100k"].set_index("unit")
    assert root.loc["u0", "score"] == pytest.approx(first.loc["u0", "score"])
    assert root.loc["u0", "missing_share"] == pytest.approx(11 / 12)
    classes = classify(frame, node="adverse_drivers")
    assert classes["risk_class"].notna().all()
    assert set(classes["rank"]) == set(range(1, 7))


def test_adverse_drivers_goalposts_and_directions() -> None:
    data = pd.DataFrame(
        {
            "unit": ["a"],
            "period": [2024],
            "ipc_phase3plus_share": [0.3],  # 0..0.6 -> 5
            "spei_12": [-1.5],  # -1 direction, -2..0 -> 7.5
            "r3q": [90.0],  # -1 direction, 50..100 -> 2
            "social_protection_coverage": [25.0],  # -1 direction, 0..100 -> 7.5
        }
    )
    tree = load_bundled_definition("adverse_drivers")
    kept = {"ipc_phase3plus_share", "spei_12", "r3q", "social_protection_coverage"}
    nodes = {
        name: {
            "range": [0, 10],
            "children": [
                c.name
                for c in node.children
                if c.name in kept or c.name in {"food_insecurity", "climate_drought", "lack_of_social_protection"}
            ],
        }
        for name, node in tree.nodes.items()
        if name in {"adverse_drivers", "food_insecurity", "climate_drought", "lack_of_social_protection"}
    }
    indicators = {
        name: {
            "direction": ind.direction,
            "normalisation": {
                "method": "goalposts",
                "min": ind.normalisation.low,
                "max": ind.normalisation.high,
                "range": [0, 10],
            },
        }
        for name, ind in tree.indicators.items()
        if name in kept
    }
    sub = {"name": "sub", "root": "adverse_drivers", "nodes": nodes, "indicators": indicators}
    scores = CompositeIndex(definition=sub).fit(data).scores_.iloc[0]
    assert scores["ipc_phase3plus_share"] == pytest.approx(5.0)
    assert scores["spei_12"] == pytest.approx(7.5)
    assert scores["r3q"] == pytest.approx(2.0)
    assert scores["climate_drought"] == pytest.approx(4.75)
    assert scores["adverse_drivers"] == pytest.approx((5.0 + 4.75 + 7.5) / 3)


def test_inform_style_risk_follows_inform_rules() -> None:
    values = {
        "spei_12": -1.0,  # 5
        "flood_exposed_share": 0.15,  # 5
        "cyclone_exposed_share": 0.0,  # 0
        "earthquake_exposed_share": 0.45,  # 9
        "projected_conflict_risk": 8.0,  # 8 -> 0.7 * 8 = 5.6
        "conflict_fatalities_per_100k": 4.0,  # 4
        "poverty_headcount": 40.0,  # 5
        "gini": 42.5,  # 5
        "aid_per_capita": 20.0,  # 1
        "displaced_share": 0.1,  # 5
        "ipc_phase3plus_share": 0.3,  # 5
        "stunting_prevalence": 20.0,  # 4
        "under5_mortality": 90.0,  # 6
        "government_effectiveness": -1.5,  # 8
        "corruption_perception_index": 30.0,  # 7
        "mobile_coverage": 80.0,  # 2
        "electricity_access": 40.0,  # 6
        "travel_time_health_min": 120.0,  # 5
    }
    data = pd.DataFrame([{"unit": "a", "period": 2024, **values}])
    scores = CompositeIndex(definition=bundled_definition("inform_style_risk")).fit(data).scores_.iloc[0]
    natural = rgm(5, 5, 0, 9)
    human = max(0.7 * 8, 4)
    hazard = rgm(natural, human)
    socio = 0.5 * 5 + 0.25 * 5 + 0.25 * 1
    vulnerability = rgm(socio, rgm(5, rgm(5, 4, 6)))
    coping = rgm((8 + 7) / 2, (2 + 6 + 5) / 3)
    assert scores["natural"] == pytest.approx(natural)
    assert scores["human"] == pytest.approx(human)
    assert scores["hazard_exposure"] == pytest.approx(hazard)
    assert scores["socio_economic_vulnerability"] == pytest.approx(socio)
    assert scores["vulnerability"] == pytest.approx(vulnerability)
    assert scores["lack_of_coping_capacity"] == pytest.approx(coping)
    assert scores["inform_risk"] == pytest.approx((hazard * vulnerability * coping) ** (1 / 3))


def test_inform_style_risk_needs_all_three_dimensions() -> None:
    data = synthetic("inform_style_risk")
    definition = load_bundled_definition("inform_style_risk")
    coping = set(definition.leaves("lack_of_coping_capacity"))
    data = data[~((data["unit"] == "u2") & data["indicator"].isin(coping))]
    scores = CompositeIndex(definition=definition).fit(data).scores_
    assert np.isnan(scores.loc[("u2", 2024), "inform_risk"])
    assert np.isfinite(scores.loc[("u1", 2024), "inform_risk"])


def test_adverse_drivers_with_only_some_indicators_in_the_data() -> None:
    data = pd.DataFrame({"unit": ["a", "b"], "period": [2024, 2024], "ipc_phase3plus_share": [0.3, 0.6]})
    with pytest.warns(DataQualityWarning, match="11 indicators have no values"):
        model = CompositeIndex(definition=bundled_definition("adverse_drivers"), absent="missing").fit(data)
    frame = model.to_frame()
    root = frame[frame["node"] == "adverse_drivers"].set_index("unit")
    assert root.loc["a", "score"] == pytest.approx(5.0)
    assert root.loc["a", "missing_share"] == pytest.approx(11 / 12)


def test_absent_indicators_are_refused_unless_asked() -> None:
    data = pd.DataFrame({"unit": ["a"], "period": [2024], "ipc_phase3plus_share": [0.3]})
    with pytest.raises(InputError, match="has no values in the data"):
        CompositeIndex(definition=bundled_definition("adverse_drivers")).fit(data)
    with pytest.raises(InputError, match="absent must be 'raise' or 'missing'"):
        CompositeIndex(definition=bundled_definition("adverse_drivers"), absent="skip").fit(data)


@pytest.mark.parametrize("name", ["inform_style_risk", "adverse_drivers"])
def test_headers_document_every_indicator(name: str) -> None:
    text = bundled_definition(name).read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for indicator in load_bundled_definition(name).used_indicators():
        assert f"#   {indicator} " in header, indicator
    for word in ("Aggregation", "goalposts", "source"):
        assert word.lower() in header.lower()
