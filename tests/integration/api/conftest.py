"""A demo-like workspace with stored runs of every kind, the API app over it, and a key per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():  # starlette asks for httpx2 once, at import (a UserWarning subclass)
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from fastapi.testclient import TestClient

from ruralmig import Workspace
from ruralmig.api.app import create_app
from ruralmig.api.auth import create_key
from ruralmig.config import Settings
from ruralmig.scenarios import save_run

SURVEY_ID = "TEST-SURVEY-2020"


@dataclass
class Keys:
    viewer: str
    analyst: str
    admin: str
    viewer_other_survey: str

    @staticmethod
    def header(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def populate(workspace: Workspace) -> dict[str, str]:
    """Areas, indicators, the Burundi network with a short stored run, an index run and a survey run."""
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.datasets.demo import DEMO_STEPS
    from ruralmig.displacement import simulate
    from ruralmig.errors import DataQualityWarning
    from ruralmig.index import CompositeIndex
    from ruralmig.index.bundled import bundled_definition
    from ruralmig.ingest.flee import read_case

    for step in DEMO_STEPS:
        step.ingest_into(workspace)
    folder = burundi_case_folder()
    workspace.import_flee_case(folder)
    case = workspace.displacement_case("burundi2015", settings=read_case(folder).settings)
    displacement_run = workspace.save_displacement_run(simulate(case, seed=1, days=12), case)
    values = workspace.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
    definition = bundled_definition("adverse_drivers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        model = CompositeIndex(definition=definition, unit_column="area_id", absent="missing").fit(values)
    index_run = workspace.save_index_run(model.to_frame(), definition.read_text(encoding="utf-8"), values)
    estimates = pd.DataFrame(
        {
            "survey_id": SURVEY_ID,
            "indicator": "share_receiving_remittances",
            "statistic": "proportion",
            "domain": ["all", "region", "region"],
            "domain_value": ["all", "north", "south"],
            "estimate": [0.31, 0.28, 0.9],
            "se": [0.02, 0.03, 0.4],
            "ci_low": [0.27, 0.22, 0.1],
            "ci_high": [0.35, 0.34, 1.0],
            "deff": [1.4, 1.3, 2.0],
            "n": [1200, 700, 4],
            "cv": [0.06, 0.1, 0.44],
            "unit": "share",
            "flag": ["ok", "ok", "suppressed"],
        }
    )
    survey_run = save_run(
        workspace.store,
        engine="survey",
        parameters={"design": {"weights": "weight", "strata": "stratum", "psu": "psu"}},
        seed=None,
        inputs_hash="0" * 64,
        tables={"survey_results": estimates},
    )
    return {"displacement": displacement_run, "index": index_run, "survey": survey_run}


def make_keys(workspace: Workspace) -> Keys:
    return Keys(
        viewer=create_key(workspace.store, name="test viewer", role="viewer").key,
        analyst=create_key(workspace.store, name="test analyst", role="analyst").key,
        admin=create_key(workspace.store, name="test admin", role="admin").key,
        viewer_other_survey=create_key(
            workspace.store, name="other survey only", role="viewer", grants=["OTHER-SURVEY"]
        ).key,
    )


@pytest.fixture(scope="session")
def api_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, str], Keys]]:
    folder: Path = tmp_path_factory.mktemp("api") / "ws"
    with Workspace.init(folder) as workspace:
        runs = populate(workspace)
        yield workspace, runs, make_keys(workspace)


@pytest.fixture(scope="session")
def api_settings() -> Settings:
    return Settings(upload_max_bytes=200_000, api_rate_per_minute=600, api_rate_burst=50, job_workers=1)


@pytest.fixture(scope="session")
def client(api_workspace: tuple[Workspace, dict[str, str], Keys], api_settings: Settings) -> Iterator[TestClient]:
    workspace, _, _ = api_workspace
    with TestClient(create_app(workspace, settings=api_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def keys(api_workspace: tuple[Workspace, dict[str, str], Keys]) -> Keys:
    return api_workspace[2]


@pytest.fixture(scope="session")
def runs(api_workspace: tuple[Workspace, dict[str, str], Keys]) -> dict[str, str]:
    return api_workspace[1]


@pytest.fixture(scope="session")
def workspace_of_api(api_workspace: tuple[Workspace, dict[str, str], Keys]) -> Workspace:
    return api_workspace[0]
