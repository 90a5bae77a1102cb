"""Index definitions read from YAML: any depth, and every bad input named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ruralmig.errors import InputError
from ruralmig.index import IndexDefinition, ndgain_definition

TREE = """
name: toy
root: index
nodes:
  index:
    aggregation: geometric
    children: [pillar_a, {name: pillar_b, weight: 2, direction: -1}]
  pillar_a:
    children: [sub_a]
  sub_a:
    aggregation: harmonic
    children: [x1, x2]
  pillar_b:
    aggregation: max
    children: [x3]
indicators:
  x1: {direction: 1, normalisation: {method: goalposts, min: 0, max: 10}}
  x2: {direction: -1, transformation: log, normalisation: {method: goalposts, min: 0, max: 5}}
  x3: {normalisation: minmax}
"""


def definition(**changes: Any) -> dict[str, Any]:
    """A small valid definition as a mapping, with top-level changes."""
    import yaml

    data: dict[str, Any] = yaml.safe_load(TREE)
    data.update(changes)
    return data


def problems(data: Any) -> str:
    with pytest.raises(InputError) as raised:
        IndexDefinition.from_mapping(data, file="toy.yml")
    return str(raised.value)


def test_tree_of_depth_three_reads_and_orders_children_first(tmp_path: Path) -> None:
    path = tmp_path / "toy.yml"
    path.write_text(TREE, encoding="utf-8")
    tree = IndexDefinition.from_yaml(path)
    assert tree.order() == ["sub_a", "pillar_a", "pillar_b", "index"]
    assert tree.leaves("index") == ("x1", "x2", "x3")
    assert tree.nodes["index"].children[1].weight == 2.0
    assert tree.nodes["index"].children[1].direction == -1
    assert tree.indicators["x2"].transformation == "log"
    assert tree.indicators["x3"].normalisation.method == "minmax"


def test_cycle_is_reported_with_its_path() -> None:
    data = definition()
    data["nodes"]["sub_a"]["children"] = ["x1", "pillar_a"]
    message = problems(data)
    assert "closes a cycle" in message
    assert "pillar_a -> sub_a -> pillar_a" in message


def test_missing_indicator_is_named() -> None:
    data = definition()
    data["nodes"]["pillar_b"]["children"] = ["x3", "x9"]
    message = problems(data)
    assert "nodes.pillar_b.children" in message
    assert "'x9' is neither a defined node nor a defined indicator" in message


def test_negative_weights_are_named() -> None:
    data = definition()
    data["nodes"]["pillar_a"]["children"] = [{"name": "sub_a", "weight": -1}]
    message = problems(data)
    assert "nodes.pillar_a.weights" in message
    assert "sub_a=-1" in message


def test_weights_summing_to_zero() -> None:
    data = definition()
    data["nodes"]["sub_a"]["children"] = [{"name": "x1", "weight": 0}, {"name": "x2", "weight": 0}]
    assert "sum to zero" in problems(data)


@pytest.mark.parametrize(
    ("where", "value"),
    [("weight", "heavy"), ("min", "low"), ("max", [1, 2]), ("min_indicator_share", "most")],
)
def test_non_numeric_values_are_named(where: str, value: Any) -> None:
    data = definition()
    if where == "weight":
        data["nodes"]["index"]["children"][1]["weight"] = value
    elif where == "min_indicator_share":
        data["nodes"]["index"][where] = value
    else:
        data["indicators"]["x1"]["normalisation"][where] = value
    message = problems(data)
    assert "is not a number" in message
    assert repr(str(value)) in message


def test_goalpost_min_not_below_max_names_the_indicator() -> None:
    data = definition()
    data["indicators"]["x1"]["normalisation"] = {"method": "goalposts", "min": 10, "max": 10}
    message = problems(data)
    assert "indicators.x1.normalisation" in message
    assert "goalpost min 10 must be below max 10" in message


def test_goalposts_need_both_posts() -> None:
    data = definition()
    data["indicators"]["x1"]["normalisation"] = {"method": "goalposts", "min": 0}
    assert "goalposts need both min and max" in problems(data)


def test_unknown_choices_and_keys_list_the_allowed_values() -> None:
    data = definition()
    data["nodes"]["index"]["aggregation"] = "median"
    data["indicators"]["x1"]["normalization"] = "minmax"
    data["indicators"]["x2"]["direction"] = 2
    message = problems(data)
    assert "nodes.index.aggregation: 'median' is not one of arithmetic, geometric" in message
    assert "'normalization' has unknown keys" in message
    assert "indicators.x2.direction: '2' must be 1 or -1" in message
    assert "3 problems found" in message


def test_root_must_be_a_node() -> None:
    assert "column root: 'x1' is not a node" in problems(definition(root="x1"))


def test_every_problem_is_an_issue_with_the_file() -> None:
    data = definition()
    data["nodes"]["sub_a"]["children"] = []
    with pytest.raises(InputError) as raised:
        IndexDefinition.from_mapping(data, file="toy.yml")
    assert raised.value.file == "toy.yml"
    assert raised.value.column == "nodes.sub_a.children"


def test_invalid_yaml_text() -> None:
    with pytest.raises(InputError, match="is not valid YAML"):
        IndexDefinition.from_yaml_text("root: [unclosed", file="bad.yml")


def test_bundled_ndgain_definition() -> None:
    tree = ndgain_definition()
    assert len(tree.indicators) == 45
    assert len(tree.leaves("vulnerability")) == 36
    assert len(tree.leaves("readiness")) == 9
    food = tree.indicators["id_food_01"]
    assert (food.direction, food.normalisation.low, food.normalisation.high) == (-1, -0.388669, 3.563)
    assert tree.order()[-1] == "gain"


def test_scale_must_be_positive() -> None:
    data = definition()
    data["nodes"]["index"]["scale"] = 0
    assert "nodes.index.scale: '0' must be a number > 0" in problems(data)
