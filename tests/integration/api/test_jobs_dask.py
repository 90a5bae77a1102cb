"""With a Dask scheduler configured, jobs run as Dask tasks (the same function) and store the same result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ruralmig import Workspace
from ruralmig.api.app import create_app
from ruralmig.api.auth import create_key
from ruralmig.config import Settings
from ruralmig.datasets import burundi_case_folder
from ruralmig.displacement import simulate
from ruralmig.ingest.flee import read_case

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture
def dask_address() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:  # type: ignore[no-untyped-call]
        yield str(cluster.scheduler_address)


def test_a_displacement_job_runs_on_dask(tmp_path: Path, dask_address: str) -> None:
    with Workspace.init(tmp_path / "ws") as workspace:
        workspace.import_flee_case(burundi_case_folder())
        key = create_key(workspace.store, name="dask", role="analyst").key
        headers = {"Authorization": f"Bearer {key}"}
        settings = Settings(dask_address=dask_address, job_workers=1)
        with TestClient(create_app(workspace, settings=settings)) as client:
            job = {"kind": "displacement", "parameters": {"network_id": "burundi2015", "seed": 1, "days": 12}}
            submitted: Any = client.post("/api/jobs", json=job, headers=headers).json()
            with client.stream("GET", f"/api/jobs/{submitted['job_id']}/events", headers=headers) as stream:
                events = [json.loads(line[6:]) for line in stream.iter_lines() if line.startswith("data: ")]
            assert events[-1]["status"] == "done", events[-1]
            assert any("Dask" in (event["message"] or "") for event in events)
            arrivals = client.get(f"/api/displacement/runs/{events[-1]['run_id']}/arrivals", headers=headers).json()
        case = workspace.displacement_case("burundi2015", settings=read_case(burundi_case_folder()).settings)
    local = simulate(case, seed=1, days=12).to_frame()
    assert len(arrivals) == len(local) == 30 * 12
    on_dask = {(row["location"], row["day"]): row["agents"] for row in arrivals}
    assert on_dask == {(row.location, row.day): row.agents for row in local.itertuples()}
