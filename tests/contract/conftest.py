"""The API over a small workspace (areas, indicators, the Burundi network and one short stored run)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ruralmig import Workspace
from ruralmig.api.auth import create_key


@pytest.fixture(scope="session")
def contract_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    """(app, viewer key, stored displacement run id)."""
    from ruralmig.api.app import create_app
    from ruralmig.config import Settings
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.datasets.demo import DEMO_STEPS
    from ruralmig.displacement import simulate
    from ruralmig.ingest.flee import read_case

    folder: Path = tmp_path_factory.mktemp("contract") / "ws"
    with Workspace.init(folder) as workspace:
        for step in DEMO_STEPS:
            step.ingest_into(workspace)
        case_folder = burundi_case_folder()
        workspace.import_flee_case(case_folder)
        case = workspace.displacement_case("burundi2015", settings=read_case(case_folder).settings)
        run_id = workspace.save_displacement_run(simulate(case, seed=1, days=5), case)
        key = create_key(workspace.store, name="contract viewer", role="viewer").key
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
            import starlette.testclient  # noqa: F401  (imported once here, where its httpx notice is silenced)
        yield create_app(workspace, settings=Settings(job_workers=1)), key, run_id
