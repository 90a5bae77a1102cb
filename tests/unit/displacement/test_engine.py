"""The vectorised engine on small synthetic cases: determinism, conservation, rules and metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.unit.displacement.cases import line_case

from ruralmig.displacement import SimSettings, simulate
from ruralmig.displacement.metrics import averaged_relative_difference, daily_errors, mase
from ruralmig.displacement.network import compile_network
from ruralmig.displacement.routes import WeightedChooser, enumerate_paths
from ruralmig.displacement.rules import capacity_multiplier, link_weights, location_scores


def test_same_seed_gives_identical_output_and_another_seed_differs() -> None:
    case = line_case()
    first, again, other = simulate(case, seed=7), simulate(case, seed=7), simulate(case, seed=8)
    assert np.array_equal(first.counts, again.counts)
    assert not np.array_equal(first.counts, other.counts)


def test_agents_are_conserved_and_follow_the_observed_total() -> None:
    result = simulate(line_case(), seed=1)
    totals = result.counts.sum(axis=1) + result.travelling
    assert np.array_equal(totals, np.cumsum(result.spawned))
    assert np.array_equal(totals, result.observed_frame().sum(axis=1).to_numpy())


def test_agents_reach_the_camp_and_a_closed_link_keeps_them_out() -> None:
    open_run = simulate(line_case(60), seed=3)
    assert open_run.camp_frame()["C"].iloc[-1] > 800
    closure = pd.DataFrame({"closure_type": ["link"], "name1": ["B"], "name2": ["C"],
                            "closure_start": [0], "closure_end": [-1]})  # fmt: skip
    closed_run = simulate(line_case(60, closures=closure), seed=3)
    assert closed_run.camp_frame()["C"].iloc[-1] == 0
    location = closed_run.location_frame()
    assert location["B"].iloc[-1] + location["A"].iloc[-1] + closed_run.travelling[-1] == 1000


def test_a_location_closure_reopens_on_its_end_day() -> None:
    closure = pd.DataFrame({"closure_type": ["location"], "name1": ["C"], "name2": ["_"],
                            "closure_start": [0], "closure_end": [40]})  # fmt: skip
    result = simulate(line_case(60, closures=closure), seed=2)
    camp = result.camp_frame()["C"].to_numpy()
    assert camp[:40].max() == 0
    assert camp[-1] > 0


def test_capacity_multiplier_follows_the_buffer_rule() -> None:
    settings = SimSettings(capacity_buffer=0.9)
    capacity = np.array([-1.0, 100.0, 100.0, 100.0, 100.0])
    residents = np.array([500.0, 50.0, 95.0, 100.0, 120.0])
    assert capacity_multiplier(settings, capacity, residents).tolist() == pytest.approx([1.0, 1.0, 0.5, 0.0, 0.0])


def test_link_choice_follows_the_weights() -> None:
    # From B: to C (camp, 100 km) w = 1/(10+100); to A (conflict 1, weight 0.25, 50 km) w = 0.25/(10+50).
    case = line_case(2)
    settings = SimSettings(conflict_weight=0.25)
    network = compile_network(case, settings)
    score = location_scores(settings, network.kind, network, np.array([1.0, 0.0, 0.0]), np.ones(3))
    weights = link_weights(settings, network, score, np.ones(3), np.ones(network.source.size, dtype=bool))
    chooser = WeightedChooser(network.source, network.offsets, weights, np.ones(network.source.size, dtype=bool))
    b = network.index("B")
    picks = chooser.pick(np.random.default_rng(0), np.full(200_000, b, dtype=np.int32))
    share_to_c = np.mean(network.target[picks] == network.index("C"))
    expected = (1 / 110) / (1 / 110 + 0.25 / 60)
    assert share_to_c == pytest.approx(expected, abs=0.005)
    assert set(network.source[picks]) == {b}


def test_ard_matches_a_hand_computation() -> None:
    observed = pd.DataFrame({"c1": [10, 20], "c2": [0, 20]})
    simulated = pd.DataFrame({"c1": [5, 30], "c2": [5, 10]})
    # day 0: (5 + 5) / 10 = 1.0; day 1: (10 + 10) / 40 = 0.5
    assert averaged_relative_difference(simulated, observed) == pytest.approx(0.75)
    # rescaled: day 0 sim total 10 = data total -> same; day 1: sim 40 = data 40 -> same
    assert daily_errors(simulated, observed, rescaled=True).tolist() == pytest.approx([1.0, 0.5])


def test_mase_is_below_one_for_a_perfect_forecast_and_one_for_the_naive_one() -> None:
    observed = pd.DataFrame({"c": np.arange(100, dtype=float)})
    assert mase(observed, observed, origin=30) == 0.0
    flat = observed.copy()
    flat.loc[31:, "c"] = 30.0
    assert mase(flat, observed, origin=30) == pytest.approx(1.0)


def test_paths_of_two_hops_never_visit_a_location_twice() -> None:
    network = compile_network(line_case(2), SimSettings())
    paths = enumerate_paths(network, 2)
    names = network.names
    found = sorted(
        "".join([names[paths.start[i]], *(names[network.target[link]] for link in paths.links[i] if link >= 0)])
        for i in range(paths.size)
    )
    assert found == ["AB", "ABC", "BA", "BC", "CB", "CBA"]
    assert paths.length[found.index("ABC")] == 150.0


def test_awareness_two_is_seeded_conserves_agents_and_respects_closures() -> None:
    settings = SimSettings(awareness_level=2, max_move_speed=60)
    first, again = (
        simulate(line_case(60), seed=5, settings=settings),
        simulate(line_case(60), seed=5, settings=settings),
    )
    assert np.array_equal(first.counts, again.counts)
    assert first.camp_frame()["C"].iloc[-1] > 500
    totals = first.counts.sum(axis=1) + first.travelling
    assert np.array_equal(totals, np.cumsum(first.spawned))
    closure = pd.DataFrame({"closure_type": ["link"], "name1": ["B"], "name2": ["C"],
                            "closure_start": [0], "closure_end": [-1]})  # fmt: skip
    closed = simulate(line_case(60, closures=closure), seed=5, settings=settings)
    assert closed.camp_frame()["C"].iloc[-1] == 0


def test_markers_are_waypoints_not_destinations_and_not_hops() -> None:
    case = line_case(40)
    case.locations.loc[case.locations["name"] == "B", "location_type"] = "marker"
    network = compile_network(case, SimSettings())
    paths = enumerate_paths(network, 1, network.kind == 5)
    names = network.names
    found = sorted(
        "".join([names[paths.start[i]], *(names[network.target[link]] for link in paths.links[i] if link >= 0)])
        for i in range(paths.size)
    )
    assert found == ["ABC", "BA", "BC", "CBA"]  # one hop each: the marker B is passed through, never a goal
    result = simulate(case, seed=1, settings=SimSettings(max_move_speed=200))
    assert result.location_frame()["B"].max() <= 10  # only agents stopped overnight on their way through
    assert result.camp_frame()["C"].iloc[-1] > 500
