"""`ruralmig displacement ...` on the bundled Burundi 2015 case: files, determinism and printed figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ruralmig.cli.main import app
from ruralmig.datasets import burundi_case_folder

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, ["displacement", *args])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_run_twice_with_one_seed_writes_identical_files(tmp_path: Path) -> None:
    case = str(burundi_case_folder())
    first = invoke("run", case, "--seed", "1", "--out", str(tmp_path / "a"))
    invoke("run", case, "--seed", "1", "--out", str(tmp_path / "b"))
    assert "396 days, seed 1" in first
    for name in ("out.csv", "agents.csv", "pressure_locations.csv", "pressure_areas.csv", "run.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    out = pd.read_csv(tmp_path / "a" / "out.csv")
    assert list(out.columns[:5]) == ["Day", "Date", "Mahama sim", "Mahama data", "Mahama error"]
    assert out["refugees in camps (UNHCR)"].iloc[-1] == 205_445
    agents = pd.read_csv(tmp_path / "a" / "agents.csv")
    assert list(agents.columns) == ["run_id", "location", "day", "date", "agents", "observed"]
    assert len(agents) == 396 * 30


def test_validate_prints_ard_per_camp_errors_and_saves_a_plot(tmp_path: Path) -> None:
    output = invoke("validate", str(burundi_case_folder()), "--seeds", "2", "--no-forecast", "--out", str(tmp_path))
    assert "burundi2015" in output
    assert "per-camp errors" in output
    assert "Nyarugusu" in output
    html = (tmp_path / "burundi2015-arrivals.html").read_text()
    assert "plotly" in html
    assert "cdn.plot.ly" not in html.split("<body>")[1][:2000]


def test_forecast_reports_out_of_sample_error(tmp_path: Path) -> None:
    output = invoke(
        "forecast", str(burundi_case_folder()), "--train-days", "120", "--trials", "4", "--out", str(tmp_path)
    )
    assert "out-of-sample ARD" in output
    assert (tmp_path / "simsetting.yml").exists()
    assert (tmp_path / "forecast.html").exists()


def test_ensemble_writes_bands_and_replica_seeds(tmp_path: Path) -> None:
    output = invoke("ensemble", str(burundi_case_folder()), "--replicas", "3", "--workers", "1", "--out", str(tmp_path))
    assert "3 replicas" in output
    bands = pd.read_csv(tmp_path / "camp_bands.csv")
    assert (bands["p5"] <= bands["p95"]).all()
