"""Jobs: a displacement run in a worker process, followed through server-sent events, stored; and a cancel."""

from __future__ import annotations

import json
import multiprocessing
import time
from typing import Any

from fastapi.testclient import TestClient


def submit(client: TestClient, keys: Any, kind: str, **parameters: Any) -> dict[str, Any]:
    response = client.post(
        "/api/jobs", json={"kind": kind, "parameters": parameters}, headers=keys.header(keys.analyst)
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def events(client: TestClient, keys: Any, job_id: str) -> list[dict[str, Any]]:
    seen = []
    with client.stream("GET", f"/api/jobs/{job_id}/events", headers=keys.header(keys.viewer)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line.removeprefix("data: ")))
    return seen


def test_a_displacement_job_streams_progress_and_stores_its_run(client: TestClient, keys: Any) -> None:
    job = submit(client, keys, "displacement", network_id="burundi2015", seed=3, days=15)
    assert job["status"] in ("queued", "running")
    stream = events(client, keys, job["job_id"])
    assert stream[-1]["status"] == "done"
    progress = [event["progress"] for event in stream]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    run_id = stream[-1]["run_id"]
    runs = {run["run_id"]: run for run in client.get("/api/displacement/runs", headers=keys.header(keys.viewer)).json()}
    assert runs[run_id]["seed"] == 3
    assert runs[run_id]["days"] == 15
    assert runs[run_id]["network_id"] == "burundi2015"
    arrivals = client.get(f"/api/displacement/runs/{run_id}/arrivals", headers=keys.header(keys.viewer)).json()
    assert len(arrivals) == 30 * 15
    stored = client.get(f"/api/jobs/{job['job_id']}", headers=keys.header(keys.viewer)).json()
    assert stored["status"] == "done"
    assert stored["run_id"] == run_id
    audit = client.get("/api/audit", params={"action": "job.submit"}, headers=keys.header(keys.admin)).json()
    assert job["job_id"] in {event["target"] for event in audit}


def test_the_same_seed_gives_the_same_stored_counts(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    job = submit(client, keys, "displacement", network_id="burundi2015", seed=1, days=12)
    final = events(client, keys, job["job_id"])[-1]
    viewer = keys.header(keys.viewer)
    again = client.get(f"/api/displacement/runs/{final['run_id']}/arrivals", headers=viewer).json()
    first = client.get(f"/api/displacement/runs/{runs['displacement']}/arrivals", headers=viewer).json()
    assert again == first


def test_a_cancelled_job_stops_and_says_so(client: TestClient, keys: Any) -> None:
    job = submit(client, keys, "ensemble", network_id="burundi2015", replicas=20, seed=2)
    deadline = time.monotonic() + 60
    while client.get(f"/api/jobs/{job['job_id']}", headers=keys.header(keys.viewer)).json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    cancelled = client.delete(f"/api/jobs/{job['job_id']}", headers=keys.header(keys.analyst))
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert events(client, keys, job["job_id"])[-1]["status"] == "cancelled"
    worker = f"ruralmig-job-{job['job_id']}"
    deadline = time.monotonic() + 30  # terminate + join can take a moment on a loaded machine
    while worker in [p.name for p in multiprocessing.active_children()]:
        assert time.monotonic() < deadline, "the worker process was not stopped"
        time.sleep(0.1)
    final = client.get(f"/api/jobs/{job['job_id']}", headers=keys.header(keys.viewer)).json()
    assert final["status"] == "cancelled"
    assert final["run_id"] is None
    listed = {j["job_id"]: j for j in client.get("/api/jobs", headers=keys.header(keys.viewer)).json()}
    assert listed[job["job_id"]]["status"] == "cancelled"


def test_bad_job_parameters_are_422_naming_the_parameter(client: TestClient, keys: Any) -> None:
    analyst = keys.header(keys.analyst)
    for parameters, name in (
        ({"network_id": "burundi2015", "seed": -1}, "seed"),
        ({"network_id": "burundi2015", "days": "many"}, "days"),
        ({"network_id": "burundi2015", "speed": 3}, "speed"),
        ({"network_id": "nowhere"}, "nowhere"),
    ):
        response = client.post("/api/jobs", json={"kind": "displacement", "parameters": parameters}, headers=analyst)
        assert response.status_code == 422
        assert name in response.text
    unknown = client.post("/api/jobs", json={"kind": "mystery", "parameters": {}}, headers=analyst)
    assert unknown.status_code == 422


FOOD_INDEX = """
name: Food insecurity (test)
root: food
nodes:
  food:
    aggregation: arithmetic
    range: [0, 10]
    children: [ipc_phase3plus_share, ipc_phase3plus_people]
indicators:
  ipc_phase3plus_share:
    direction: 1
    normalisation: {method: goalposts, min: 0, max: 0.6, range: [0, 10]}
  ipc_phase3plus_people:
    direction: 1
    normalisation: {method: goalposts, min: 0, max: 2000000, range: [0, 10]}
"""


def test_an_uncertainty_job_stores_rank_intervals(client: TestClient, keys: Any, workspace_of_api: Any) -> None:
    import warnings

    from ruralmig.errors import DataQualityWarning
    from ruralmig.index import CompositeIndex
    from ruralmig.index.definition import IndexDefinition

    values = workspace_of_api.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
    values = values[values["indicator"].str.startswith("ipc_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        model = CompositeIndex(definition=IndexDefinition.from_yaml_text(FOOD_INDEX), unit_column="area_id").fit(values)
    with client.app.state.api.lock:  # type: ignore[attr-defined]
        source = workspace_of_api.save_index_run(model.to_frame(), FOOD_INDEX, values)
    job = submit(client, keys, "uncertainty", run_id=source, n_replications=200, seed=5)
    final = events(client, keys, job["job_id"])[-1]
    assert final["status"] == "done", final["message"]
    scores = client.get(f"/api/index/runs/{final['run_id']}/scores", headers=keys.header(keys.viewer)).json()
    assert scores
    assert {s["node"] for s in scores} == {"food"}
    units = len({s["unit"] for s in scores})
    for score in scores:
        assert 1 <= score["rank_low"] <= score["rank_high"] <= units
        assert 1 <= score["score_rank"] <= units


def test_an_ensemble_job_stores_the_median_run_and_its_band(
    client: TestClient, keys: Any, workspace_of_api: Any
) -> None:
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.displacement.ensemble import run_ensemble
    from ruralmig.ingest.flee import read_case

    job = submit(client, keys, "ensemble", network_id="burundi2015", replicas=3, seed=4, days=10)
    final = events(client, keys, job["job_id"])[-1]
    assert final["status"] == "done", final["message"]
    viewer = keys.header(keys.viewer)
    listed = {run["run_id"]: run for run in client.get("/api/displacement/runs", headers=viewer).json()}
    assert listed[final["run_id"]]["kind"] == "ensemble"
    assert listed[final["run_id"]]["days"] == 10
    arrivals = client.get(f"/api/displacement/runs/{final['run_id']}/arrivals", headers=viewer).json()
    assert len(arrivals) == 30 * 10
    assert any(row["observed"] is not None for row in arrivals)
    with client.app.state.api.lock:  # type: ignore[attr-defined]
        case = workspace_of_api.displacement_case("burundi2015", settings=read_case(burundi_case_folder()).settings)
    local = run_ensemble(case, replicas=3, seed=4, days=10, workers=1).percentiles((5, 50, 95))
    expected = {(row.location, row.day): (round(row.p50), row.p5, row.p95) for row in local.itertuples()}
    stored = {(row["location"], row["day"]): (row["agents"], row["agents_low"], row["agents_high"]) for row in arrivals}
    assert stored == expected  # the median and the 5-95 % band of the replicas
    assert any(low < high for _, low, high in stored.values())
    pressure = client.get(f"/api/displacement/runs/{final['run_id']}/pressure", headers=viewer).json()
    assert pressure
