"""`ruralmig survey design|estimate|indicators` on a synthetic survey ingested into a workspace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ruralmig import Workspace
from ruralmig.cli.main import app
from ruralmig.survey import SurveyDesign, survey_mean

runner = CliRunner()


def synthetic_survey(size: int = 900, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 45, size)
    receives = rng.random(size) < 0.4
    return pd.DataFrame(
        {
            "survey_id": "SYN-1",
            "household_id": [f"h{i}" for i in range(size)],
            "weight": rng.uniform(50, 150, size).round(3),
            "stratum": (psu // 9).astype(str),
            "psu": psu.astype(str),
            "rural": np.where(psu % 3 == 0, "true", "false"),
            "region": np.where(psu < 20, "North", "South"),
            "head_female": rng.integers(0, 2, size),
            "receives_remittances": receives.astype(int),
            "remittance_value": np.where(receives, rng.gamma(2.0, 300.0, size), 0.0).round(2),
            "has_intl_migrant": (rng.random(size) < 0.15).astype(int),
        }
    )


@pytest.fixture
def workspace_folder(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    frame = synthetic_survey()
    frame.to_csv(tmp_path / "households.csv", index=False)
    folder = tmp_path / "ws"
    with Workspace.init(folder) as ws:
        ws.ingest("households", tmp_path / "households.csv")
    return folder, frame


def invoke(folder: Path, *arguments: str) -> str:
    result = runner.invoke(app, ["--workspace", str(folder), *arguments])
    assert result.exit_code == 0, result.output
    return result.output


def test_design_is_declared_shown_and_checked(workspace_folder: tuple[Path, pd.DataFrame]) -> None:
    folder, _ = workspace_folder
    output = invoke(folder, "survey", "design", "SYN-1", "--lonely-psu", "adjust", "--title", "Synthetic")
    assert "stored" in output
    assert "adjust" in output
    assert "Synthetic" in invoke(folder, "survey", "design", "SYN-1")
    with Workspace.open(folder) as ws:
        stored = ws.read("survey_designs")
    assert stored.loc[0, "psu_column"] == "psu"
    assert stored.loc[0, "lonely_psu"] == "adjust"
    bad = runner.invoke(app, ["--workspace", str(folder), "survey", "design", "SYN-1", "--psu", "nowhere"])
    assert bad.exit_code != 0
    assert "nowhere" in bad.output


@pytest.mark.parametrize("in_database", [False, True])
def test_estimate_prints_and_writes_released_cells(
    workspace_folder: tuple[Path, pd.DataFrame], tmp_path: Path, in_database: bool
) -> None:
    folder, frame = workspace_folder
    out = tmp_path / "estimate.csv"
    flags = ["--in-database"] if in_database else []
    output = invoke(
        folder,
        "survey",
        "estimate",
        "--survey",
        "SYN-1",
        "--variable",
        "remittance_value",
        "--by",
        "region",
        "--out",
        str(out),
        *flags,
    )
    assert "North" in output
    written = pd.read_csv(out)
    expected = survey_mean(
        SurveyDesign.from_frame(frame, weights="weight", strata="stratum", psu="psu"), "remittance_value", by="region"
    ).to_frame()
    np.testing.assert_allclose(written["estimate"], expected["estimate"], rtol=1e-9)
    np.testing.assert_allclose(written["se"], expected["se"], rtol=1e-9)
    assert {"cv", "flag", "n"} <= set(written.columns)
    assert list(written["n"]) == list(expected["n"])


def test_estimate_suppresses_cells_under_the_policy(
    workspace_folder: tuple[Path, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = workspace_folder
    monkeypatch.setenv("RURALMIG_DISCLOSURE_MIN_N", "500")
    out = tmp_path / "small.csv"
    invoke(
        folder,
        "survey",
        "estimate",
        "--survey",
        "SYN-1",
        "--variable",
        "has_intl_migrant",
        "--by",
        "region",
        "--out",
        str(out),
    )
    written = pd.read_csv(out)
    small = written["n"] < 500
    assert small.any()
    assert (~small).any()
    assert (written.loc[small, "flag"] == "suppressed").all()
    assert written.loc[small, "estimate"].isna().all()
    assert written.loc[~small, "estimate"].notna().all()


def test_indicators_are_computed_and_stored(workspace_folder: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    folder, _ = workspace_folder
    out = tmp_path / "indicators.csv"
    output = invoke(folder, "survey", "indicators", "--survey", "SYN-1", "--save", "--out", str(out))
    assert "stored in the workspace as run survey-" in output
    written = pd.read_csv(out)
    assert "unavailable" in set(written["flag"])
    with Workspace.open(folder) as ws:
        stored = ws.read("survey_results")
        runs = ws.read("results")
    assert len(stored) == len(written)
    assert runs["engine"].tolist() == ["survey"]
    receiving = stored[(stored["indicator"] == "hh_receiving_remittances") & (stored["domain"] == "all")]
    assert receiving["flag"].tolist() == ["ok"]


def test_unknown_survey_and_statistic_fail_cleanly(workspace_folder: tuple[Path, pd.DataFrame]) -> None:
    folder, _ = workspace_folder
    missing = runner.invoke(app, ["--workspace", str(folder), "survey", "indicators", "--survey", "NOPE"])
    assert missing.exit_code == 2
    assert "NOPE" in missing.output
    bad = runner.invoke(
        app,
        [
            "--workspace",
            str(folder),
            "survey",
            "estimate",
            "--survey",
            "SYN-1",
            "--variable",
            "x",
            "--statistic",
            "mode",
        ],
    )
    assert bad.exit_code == 2
    assert "mode" in bad.output


def test_demo_survey_stores_the_bundled_aggregates(tmp_path: Path) -> None:
    from ruralmig.datasets.demo_survey import gseps_indicators, run_demo_survey

    bundled = gseps_indicators()
    with Workspace.init(tmp_path / "demo") as ws:
        run_id = run_demo_survey(ws)
        stored = ws.read("survey_results")
        runs = ws.read("results")
    assert run_id.startswith("survey-")
    assert len(stored) == len(bundled)
    assert "ISSER" in runs.loc[0, "parameters"]
    assert set(stored["flag"]) <= {"ok", "flagged", "suppressed", "unavailable"}
    assert stored.loc[stored["n"] < 30, "estimate"].isna().all()

    def national(frame: pd.DataFrame) -> float:
        chosen = frame[(frame["indicator"] == "hh_receiving_remittances") & (frame["domain"] == "all")]
        return float(chosen["estimate"].iloc[0])

    assert national(stored) == pytest.approx(national(bundled), rel=1e-12)


def test_median_and_jackknife_variance_from_the_command_line(
    workspace_folder: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    from ruralmig.survey.quantiles import survey_quantile

    folder, frame = workspace_folder
    design = SurveyDesign.from_frame(frame, weights="weight", strata="stratum", psu="psu")
    median_out, jackknife_out = tmp_path / "median.csv", tmp_path / "jkn.csv"
    common = ("survey", "estimate", "--survey", "SYN-1", "--variable", "remittance_value")
    invoke(folder, *common, "--statistic", "quantile", "--quantile", "0.5", "--out", str(median_out))
    median = pd.read_csv(median_out)
    expected = survey_quantile(design, "remittance_value", (0.5,)).to_frame()
    np.testing.assert_allclose(median["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(median["se"], expected["se"], rtol=1e-12)
    invoke(folder, *common, "--replicates", "JKn", "--by", "region", "--out", str(jackknife_out))
    jackknife = pd.read_csv(jackknife_out)
    replicated = survey_mean(design.to_replicate("JKn"), "remittance_value", by="region").to_frame()
    np.testing.assert_allclose(jackknife["se"], replicated["se"], rtol=1e-12)
    taylor = survey_mean(design, "remittance_value", by="region").to_frame()
    assert not np.allclose(jackknife["se"], taylor["se"], rtol=1e-9)  # a different variance estimator
    np.testing.assert_allclose(jackknife["se"], taylor["se"], rtol=0.2)  # ... of the same quantity
    refused = runner.invoke(app, ["--workspace", str(folder), *common, "--replicates", "JK2"])
    assert refused.exit_code != 0
    assert "JK2" in refused.output
