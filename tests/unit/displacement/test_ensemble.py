"""Ensembles: seeds from SeedSequence, the same result on any number of workers or on Dask, percentile bands."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from tests.unit.displacement.cases import line_case

from ruralmig.displacement import simulate
from ruralmig.displacement.ensemble import EnsembleResult, replica_seeds, run_ensemble
from ruralmig.errors import InputError, RuralmigError


@pytest.fixture(scope="module")
def ensemble() -> EnsembleResult:
    return run_ensemble(line_case(30), replicas=5, seed=11, workers=1)


def test_seeds_come_from_a_seed_sequence_and_are_recorded(ensemble: EnsembleResult) -> None:
    children = np.random.SeedSequence(11).spawn(5)
    assert ensemble.seed == 11
    assert ensemble.seeds == [int(c.generate_state(1, dtype=np.uint64)[0]) >> 1 for c in children]
    assert all(0 <= s < 2**63 for s in ensemble.seeds)  # fits a signed 64-bit column
    assert replica_seeds(11, 5) == ensemble.seeds
    assert len(set(ensemble.seeds)) == 5


def test_a_recorded_seed_reproduces_its_replica(ensemble: EnsembleResult) -> None:
    again = simulate(line_case(30), seed=ensemble.seeds[3])
    assert np.array_equal(again.counts, ensemble.counts[3])


def test_one_and_two_workers_give_identical_ensembles(ensemble: EnsembleResult) -> None:
    calls: list[tuple[int, int]] = []
    parallel = run_ensemble(line_case(30), replicas=5, seed=11, workers=2, progress=lambda d, t: calls.append((d, t)))
    assert parallel.counts.dtype == np.int32
    assert parallel.counts.shape == (5, 30, 3)
    assert np.array_equal(parallel.counts, ensemble.counts)
    assert parallel.seeds == ensemble.seeds
    assert calls == [(i, 5) for i in range(1, 6)]
    assert not all(np.array_equal(ensemble.counts[0], replica) for replica in ensemble.counts[1:])


def test_another_seed_gives_another_ensemble(ensemble: EnsembleResult) -> None:
    other = run_ensemble(line_case(30), replicas=5, seed=12, workers=1)
    assert not np.array_equal(other.counts, ensemble.counts)


def test_progress_is_reported_after_each_replica_in_process() -> None:
    calls: list[tuple[int, int]] = []
    run_ensemble(line_case(5), replicas=3, seed=0, workers=1, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_replicas_conserve_agents_and_follow_the_observed_total(ensemble: EnsembleResult) -> None:
    observed_total = ensemble.observed[ensemble.camps].sum(axis=1).to_numpy()
    for counts, travelling, spawned in zip(ensemble.counts, ensemble.travelling, ensemble.spawned, strict=True):
        totals = counts.sum(axis=1) + travelling
        assert np.array_equal(totals, np.cumsum(spawned))
        assert np.array_equal(totals, observed_total)


def test_percentiles_are_ordered_and_tidy(ensemble: EnsembleResult) -> None:
    bands = ensemble.percentiles()
    assert list(bands.columns) == ["location", "day", "date", "p5", "p50", "p95", "mean"]
    assert len(bands) == 3 * 30
    assert (bands["p5"] <= bands["p50"]).all()
    assert (bands["p50"] <= bands["p95"]).all()
    low, high = ensemble.counts.min(axis=0).T.ravel(), ensemble.counts.max(axis=0).T.ravel()
    assert ((bands["mean"] >= low) & (bands["mean"] <= high)).all()
    camp_c = bands[bands["location"] == "C"].set_index("day")
    assert camp_c["p50"].tolist() == pytest.approx(np.median(ensemble.counts[:, :, 2], axis=0).tolist())
    assert str(camp_c["date"].iloc[0]) == "2020-01-01"
    assert list(ensemble.percentiles(q=(2.5, 97.5)).columns[3:]) == ["p2.5", "p97.5", "mean"]


def test_camp_bands_put_the_observed_counts_beside_the_camps(ensemble: EnsembleResult) -> None:
    bands = ensemble.camp_bands()
    assert set(bands["location"]) == {"C"}
    assert bands["observed"].tolist() == ensemble.observed["C"].tolist()
    assert bands["observed"].iloc[-1] == 1000


def test_ard_is_the_mean_and_sd_over_replicas(ensemble: EnsembleResult) -> None:
    summary = ensemble.ard()
    plain = [simulate(line_case(30), seed=s).ard() for s in ensemble.seeds]
    rescaled = [simulate(line_case(30), seed=s).ard(rescaled=True) for s in ensemble.seeds]
    assert summary["mean"] == pytest.approx(np.mean(plain))
    assert summary["sd"] == pytest.approx(np.std(plain, ddof=1))
    assert summary["rescaled_mean"] == pytest.approx(np.mean(rescaled))
    assert summary["rescaled_sd"] == pytest.approx(np.std(rescaled, ddof=1))
    assert np.isnan(run_ensemble(line_case(5), replicas=1, seed=0).ard()["sd"])


def test_to_frame_is_tidy_with_one_row_per_replica_location_and_day(ensemble: EnsembleResult) -> None:
    frame = ensemble.to_frame("run-1")
    assert list(frame.columns) == ["run_id", "replica", "seed", "location", "day", "date", "agents", "observed"]
    assert len(frame) == 5 * 30 * 3
    assert (frame["run_id"] == "run-1").all()
    row = frame[(frame["replica"] == 2) & (frame["location"] == "B") & (frame["day"] == 17)].iloc[0]
    assert row["agents"] == ensemble.counts[2, 17, 1]
    assert int(row["seed"]) == ensemble.seeds[2]
    assert frame.loc[frame["location"] != "C", "observed"].isna().all()
    assert frame.loc[frame["location"] == "C", "observed"].notna().all()


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        ({"replicas": 0}, "replicas must be a whole number of 1 or more; got 0"),
        ({"replicas": -3}, "replicas must be a whole number of 1 or more; got -3"),
        ({"replicas": 2.5}, "replicas must be a whole number of 1 or more; got 2.5"),
        ({"workers": 0}, "workers must be a whole number of 1 or more; got 0"),
        ({"seed": -1}, "seed must be a whole number of 0 or more; got -1"),
        ({"spawning": "rain"}, "spawning must be 'data' or 'conflict'; got 'rain'"),
    ],
)
def test_invalid_parameters_name_the_parameter_and_the_value(parameters: dict[str, object], named: str) -> None:
    arguments: dict[str, object] = {"replicas": 2, "seed": 0, **parameters}
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        run_ensemble(line_case(5), **arguments)  # type: ignore[arg-type]


def test_a_broken_case_raises_its_input_error_before_any_worker_starts() -> None:
    case = line_case(5)
    extra = pd.DataFrame({"name1": ["B"], "name2": ["Z"], "distance": [5.0], "forced_redirection": [0]})
    case.routes = pd.concat([case.routes, extra], ignore_index=True)
    with pytest.raises(InputError, match="'Z' names an unknown location"):
        run_ensemble(case, replicas=2, seed=0, workers=2)


def test_a_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(RuralmigError, match=r"pip install 'ruralmig\[dask\]'"):
        run_ensemble(line_case(5), replicas=2, seed=0, dask_address="tcp://127.0.0.1:1")


@pytest.mark.slow
def test_a_dask_local_cluster_gives_the_identical_ensemble(ensemble: EnsembleResult) -> None:
    distributed = pytest.importorskip("dask.distributed")
    calls: list[tuple[int, int]] = []
    # Even with dashboard_address=None the scheduler serves its HTTP routes (health, metrics) on port 8787; if
    # another cluster holds that port, it warns and leaks a socket (both errors here). Port 0 takes a free one.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        on_dask = run_ensemble(
            line_case(30),
            replicas=5,
            seed=11,
            dask_address=cluster.scheduler_address,
            progress=lambda d, t: calls.append((d, t)),
        )
    assert np.array_equal(on_dask.counts, ensemble.counts)
    assert on_dask.seeds == ensemble.seeds
    assert calls == [(i, 5) for i in range(1, 6)]
