"""Host-area pressure on hand-checkable cases: displaced, host population, ratio, food and water needs."""

from __future__ import annotations

import numpy as np
import pytest
from tests.unit.displacement.cases import fixed_result, line_case

from ruralmig.displacement import SimSettings
from ruralmig.displacement.ensemble import run_ensemble
from ruralmig.displacement.pressure import (
    FOOD_KCAL_PER_PERSON_PER_DAY,
    WATER_LITRES_PER_PERSON_PER_DAY,
    area_pressure,
    host_populations,
    location_pressure,
)

# Day 0: 1,000 displaced in town B (20,000 people) and 400 in camp C; day 1: 300 still in A, 600 in C.
COUNTS = np.array([[0, 1000, 400], [300, 0, 600]])


def test_the_planning_figures_are_sphere_and_wfp() -> None:
    assert WATER_LITRES_PER_PERSON_PER_DAY == 15.0
    assert FOOD_KCAL_PER_PERSON_PER_DAY == 2100.0


def test_a_thousand_displaced_in_a_town_of_twenty_thousand() -> None:
    case = line_case(2)
    frame = location_pressure(fixed_result(case, COUNTS), case)
    assert list(frame.columns) == [
        "location", "area", "location_type", "day", "date", "displaced", "host_population", "ratio",
        "food_kcal_per_day", "water_litres_per_day",
    ]  # fmt: skip
    assert len(frame) == 3 * 2
    town = frame[(frame["location"] == "B") & (frame["day"] == 0)].iloc[0]
    assert town["area"] == "r2"
    assert str(town["date"]) == "2020-01-01"
    assert town["displaced"] == 1000
    assert town["host_population"] == 20_000
    assert town["ratio"] == pytest.approx(0.05)
    assert town["food_kcal_per_day"] == pytest.approx(2_100_000)
    assert town["water_litres_per_day"] == pytest.approx(15_000)
    conflict_zone = frame[(frame["location"] == "A") & (frame["day"] == 1)].iloc[0]
    assert conflict_zone["ratio"] == pytest.approx(300 / 100_000)


def test_a_camp_has_no_host_population_unless_one_is_given() -> None:
    case = line_case(2, camp_capacity=5000)
    plain = location_pressure(fixed_result(case, COUNTS), case)
    camp = plain[plain["location"] == "C"]
    assert camp["host_population"].isna().all()  # the 5,000 is the camp's capacity, not its hosts
    assert camp["ratio"].isna().all()
    assert camp["water_litres_per_day"].tolist() == pytest.approx([400 * 15, 600 * 15])
    hosted = location_pressure(fixed_result(case, COUNTS), case, host_population={"C": 8000})
    assert hosted.loc[hosted["location"] == "C", "ratio"].tolist() == pytest.approx([0.05, 0.075])


def test_hasten_scales_agents_to_people() -> None:
    case = line_case(2)
    frame = location_pressure(fixed_result(case, COUNTS, settings=SimSettings(hasten=2)), case)
    town = frame[(frame["location"] == "B") & (frame["day"] == 0)].iloc[0]
    assert town["displaced"] == 2000
    assert town["ratio"] == pytest.approx(0.1)


def test_areas_from_the_region_column() -> None:
    case = line_case(2)
    frame = area_pressure(fixed_result(case, COUNTS), case)
    assert list(frame["area"].unique()) == ["r1", "r2", "r3"]
    r2 = frame[(frame["area"] == "r2") & (frame["day"] == 0)].iloc[0]
    assert (r2["locations"], r2["displaced"], r2["ratio"]) == (1, 1000, pytest.approx(0.05))
    r3 = frame[frame["area"] == "r3"]
    assert r3["host_population"].isna().all()
    assert r3["locations_without_host"].tolist() == [1, 1]


def test_areas_from_a_mapping_sum_their_locations() -> None:
    case = line_case(2)
    mapping = {"A": "XX01", "B": "XX01", "C": "YY01"}
    frame = area_pressure(fixed_result(case, COUNTS), case, areas=mapping, host_population={"C": 30_000})
    first = frame[frame["area"] == "XX01"].set_index("day")
    assert first["locations"].tolist() == [2, 2]
    assert first["displaced"].tolist() == [1000, 300]
    assert first["host_population"].tolist() == [120_000, 120_000]
    assert first["ratio"].tolist() == pytest.approx([1000 / 120_000, 300 / 120_000])
    assert first["food_kcal_per_day"].tolist() == pytest.approx([2_100_000, 630_000])
    camp_area = frame[frame["area"] == "YY01"].set_index("day")
    assert camp_area["ratio"].tolist() == pytest.approx([400 / 30_000, 600 / 30_000])
    assert camp_area["locations_without_host"].tolist() == [0, 0]


def test_locations_left_out_of_the_mapping_are_left_out_of_the_areas() -> None:
    case = line_case(2)
    frame = area_pressure(fixed_result(case, COUNTS), case, areas={"B": "XX02"})
    assert set(frame["area"]) == {"XX02"}
    assert frame["displaced"].tolist() == [1000, 0]


def test_an_ensemble_uses_the_median_per_location_and_of_the_area_totals() -> None:
    case = line_case(20)
    ensemble = run_ensemble(case, replicas=4, seed=3, workers=1)
    locations = location_pressure(ensemble, case)
    town = locations[locations["location"] == "B"]["displaced"].to_numpy()
    assert town.tolist() == pytest.approx(np.median(ensemble.counts[:, :, 1], axis=0).tolist())
    areas = area_pressure(ensemble, case, areas={"A": "D", "B": "D"})
    expected = np.median(ensemble.counts[:, :, :2].sum(axis=2), axis=0)
    assert areas["displaced"].tolist() == pytest.approx(expected.tolist())


def test_bad_mappings_name_what_is_wrong() -> None:
    case = line_case(2)
    result = fixed_result(case, COUNTS)
    with pytest.raises(ValueError, match=r"host_population names locations that are not in the case: \['Z'\]"):
        location_pressure(result, case, host_population={"Z": 10})
    with pytest.raises(ValueError, match=r"host_population must be 0 or more; got \{'C': -5"):
        host_populations(case, {"C": -5})
    with pytest.raises(ValueError, match=r"areas names locations that are not in the result: \['Q'\]"):
        area_pressure(result, case, areas={"Q": "XX01"})
