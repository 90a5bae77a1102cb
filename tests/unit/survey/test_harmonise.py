"""Harmonisation recipes on a tiny synthetic survey written as CSV and Stata files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from ruralmig.errors import InputError
from ruralmig.survey.harmonise import harmonise, load_recipe

RECIPE = {
    "survey_id": "TINY",
    "title": "A tiny survey",
    "citation": "Nobody (2026). Tiny survey.",
    "design": {"weights": "weight", "strata": "stratum", "psu": "psu", "fpc": None, "lonely_psu": "adjust"},
    "households": {
        "file": "households.csv",
        "household_id": ["ea", "hh"],
        "columns": {"weight": "w", "stratum": "strat", "psu": "ea", "rural": "rur"},
        "attributes": {"region": {"column": "reg", "labels": {1: "North", 2: "South"}}, "receives": "recv"},
        "aggregates": [
            {
                "name": "value_formal",
                "file": "transfers.dta",
                "keys": ["ea", "hh"],
                "value": "cash + goods",
                "where": "value > 0 and channel in [1, 2]",
            }
        ],
    },
    "persons": {
        "file": "roster.dta",
        "household_id": ["ea", "hh"],
        "person_id": "member",
        "columns": {"sex": {"column": "sex", "labels": {1: "male", 2: "female"}}, "age": "age"},
        "inherit": ["weight", "stratum", "psu", "region"],
        "flags": {
            "returned": {
                "file": "history.dta",
                "left": ["ea", "hh", "member"],
                "right": ["ea", "hh", "member"],
                "where": "years >= 1",
            }
        },
        "is_migrant": "returned",
    },
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pd.DataFrame(
        {
            "ea": [1, 1, 2],
            "hh": [1, 2, 1],
            "w": [10.0, 12.0, 8.0],
            "strat": [11, 11, 12],
            "rur": [1, 1, 0],
            "reg": [1, 1, 2],
            "recv": [1, 0, 1],
        }
    ).to_csv(tmp_path / "households.csv", index=False)
    pd.DataFrame(
        {
            "ea": [1, 1, 2, 2],
            "hh": [1, 1, 1, 1],
            "cash": [100.0, 50.0, 30.0, None],
            "goods": [0.0, 5.0, None, 0.0],
            "channel": [1, 3, 2, 2],
        }
    ).to_stata(tmp_path / "transfers.dta", write_index=False)
    pd.DataFrame(
        {"ea": [1, 1, 1, 2], "hh": [1, 1, 2, 1], "member": [1, 2, 1, 1], "sex": [1, 2, 2, 1], "age": [40, 38, 70, 25]}
    ).to_stata(tmp_path / "roster.dta", write_index=False)
    pd.DataFrame({"ea": [1, 2], "hh": [1, 1], "member": [2, 1], "years": [3, 0]}).to_stata(
        tmp_path / "history.dta", write_index=False
    )
    return tmp_path


def test_recipe_maps_households_and_persons(folder: Path) -> None:
    survey = harmonise(RECIPE, folder)
    households = survey.households.set_index("household_id")
    assert list(households.index) == ["1-1", "1-2", "2-1"]
    assert households.loc["1-1", "weight"] == 10.0
    assert households.loc["2-1", "stratum"] == "12"
    assert households.loc["2-1", "psu"] == "2"
    assert households["rural"].tolist() == [True, True, False]
    assert households["region"].tolist() == ["North", "North", "South"]
    assert households["value_formal"].tolist() == [100.0, 0.0, 30.0]  # channel 3 is informal; 0-value rows dropped
    persons = survey.persons
    assert persons is not None
    assert persons["sex"].tolist() == ["male", "female", "female", "male"]
    assert persons["weight"].tolist() == [10.0, 10.0, 12.0, 8.0]
    assert persons["returned"].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert persons["is_migrant"].tolist() == [False, True, False, False]
    assert survey.citation.startswith("Nobody")


def test_recipe_from_a_file_and_the_bundled_one(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump(RECIPE))
    assert harmonise(path, folder).survey_id == "TINY"
    bundled = load_recipe("gseps_w1")
    assert bundled["design"]["psu"] == "psu"
    assert bundled["households"]["columns"]["psu"] == "eacode"
    assert bundled["design"]["lonely_psu"] == "adjust"


def test_bad_recipes_name_the_problem(folder: Path) -> None:
    broken = {**RECIPE, "households": {**RECIPE["households"], "columns": {"weight": "nothing"}}}
    with pytest.raises(InputError, match="nothing"):
        harmonise(broken, folder)
    unlabelled = {
        **RECIPE,
        "households": {**RECIPE["households"], "attributes": {"region": {"column": "reg", "labels": {1: "North"}}}},
    }
    with pytest.raises(InputError, match="no label"):
        harmonise(unlabelled, folder)
    with pytest.raises(InputError, match="does not exist"):
        harmonise({**RECIPE, "households": {**RECIPE["households"], "file": "absent.csv"}}, folder)
    with pytest.raises(InputError, match="recipe"):
        load_recipe(folder / "nowhere.yml")
