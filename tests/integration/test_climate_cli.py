"""`ruralmig climate spi|spei` on a monthly table, into a file and into the workspace's indicators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from ruralmig import Workspace
from ruralmig.cli.main import app
from ruralmig.climate import spi

runner = CliRunner()


def monthly_table(path: Path) -> Path:
    rng = np.random.default_rng(3)
    dates = pd.date_range("1991-01-01", periods=240, freq="MS")
    frames = [
        pd.DataFrame(
            {
                "area_id": area,
                "date": dates,
                "precipitation": rng.gamma(2.0, 40.0, dates.size).round(1),
                "temperature": 24 + 4 * np.sin(np.arange(dates.size) * np.pi / 6),
                "latitude": lat,
            }
        )
        for area, lat in (("AF01", 34.5), ("AF02", 35.0))
    ]
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_spi_matches_the_engine_and_loads_into_the_workspace(tmp_path: Path) -> None:
    table = monthly_table(tmp_path / "rain.csv")
    Workspace.init(tmp_path / "ws").close()
    result = runner.invoke(
        app,
        [
            "-w",
            str(tmp_path / "ws"),
            "climate",
            "spi",
            str(table),
            "--scale",
            "3",
            "--out",
            str(tmp_path / "spi.csv"),
            "--to-workspace",
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "spi.csv")
    rain = pd.read_csv(table)
    series = rain[rain["area_id"] == "AF01"].set_index(pd.to_datetime(rain.loc[rain["area_id"] == "AF01", "date"]))
    expected = spi(series["precipitation"], 3)
    got = written[written["area_id"] == "AF01"]["value"].to_numpy()
    assert np.allclose(got, expected.to_numpy(), equal_nan=True)
    with Workspace.open(tmp_path / "ws") as ws:
        stored = ws.read("indicators")
    assert set(stored["indicator"]) == {"spi_3"}
    assert len(stored) == 2 * (240 - 2)


def test_spei_with_a_bad_number_names_the_row_and_column(tmp_path: Path) -> None:
    table = monthly_table(tmp_path / "rain.csv")
    frame = pd.read_csv(table)
    frame["temperature"] = frame["temperature"].astype(object)
    frame.loc[4, "temperature"] = "hot"
    frame.to_csv(table, index=False)
    result = runner.invoke(app, ["climate", "spei", str(table), "--scale", "6"])
    assert result.exit_code == 2
    assert "rain.csv" in result.output
    assert "temperature" in result.output
    assert "'hot'" in result.output
