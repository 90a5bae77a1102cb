"""`ruralmig index compute` from a CSV and from the workspace's indicators table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ruralmig import Workspace
from ruralmig.cli.main import app

runner = CliRunner()
DEFINITION = """
name: toy drivers
root: drivers
indicators:
  poverty: {direction: 1, normalisation: {method: goalposts, min: 0, max: 100}}
  rainfall: {direction: -1, normalisation: {method: goalposts, min: 0, max: 2000}}
nodes:
  drivers: {children: [poverty, rainfall], aggregation: arithmetic}
"""


def test_compute_from_the_workspace_ranks_the_harder_hit_area_first(tmp_path: Path) -> None:
    definition = tmp_path / "drivers.yml"
    definition.write_text(DEFINITION)
    rows = pd.DataFrame(
        {
            "area_id": ["AF01", "AF01", "AF02", "AF02"],
            "period": ["2020"] * 4,
            "indicator": ["poverty", "rainfall"] * 2,
            "value": [60, 200, 20, 1500],
        }
    )
    rows.to_csv(tmp_path / "values.csv", index=False)
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest("indicators", tmp_path / "values.csv")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "index", "compute", str(definition), "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    drivers = scores[scores["node"] == "drivers"].set_index("unit")["score"]
    # AF01: (0.6 + (1 - 0.1)) / 2 = 0.75; AF02: (0.2 + (1 - 0.75)) / 2 = 0.225
    assert drivers["AF01"] == 0.75
    assert abs(drivers["AF02"] - 0.225) < 1e-12
    assert result.output.index("AF01") < result.output.index("AF02")


def test_uncertainty_gives_rank_intervals_that_contain_the_nominal_rank(tmp_path: Path) -> None:
    definition = tmp_path / "drivers.yml"
    definition.write_text(DEFINITION)
    rng = np.random.default_rng(0)
    areas = [f"AF{i:02d}" for i in range(1, 21)]
    rows = pd.DataFrame(
        {
            "area_id": np.repeat(areas, 2),
            "period": "2020",
            "indicator": ["poverty", "rainfall"] * 20,
            "value": np.column_stack([rng.uniform(0, 100, 20), rng.uniform(0, 2000, 20)]).ravel(),
        }
    )
    rows.loc[[4, 11], "value"] = np.nan  # two gaps, filled or not as the imputation drawn says
    rows.to_csv(tmp_path / "values.csv", index=False)
    out = tmp_path / "intervals.csv"
    result = runner.invoke(
        app,
        [
            "index",
            "uncertainty",
            str(definition),
            "--data",
            str(tmp_path / "values.csv"),
            "--replications",
            "500",
            "--seed",
            "7",
            "--imputation",
            "none",
            "--imputation",
            "group_mean",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    intervals = pd.read_csv(out)
    assert len(intervals) == 20
    assert (intervals["rank_q05"] <= intervals["nominal_rank"]).all()
    assert (intervals["nominal_rank"] <= intervals["rank_q95"]).all()


def test_compare_reports_rank_shifts_and_compute_can_store_the_run(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text(DEFINITION)
    second.write_text(DEFINITION.replace("aggregation: arithmetic", "aggregation: geometric"))
    rows = pd.DataFrame(
        {
            "area_id": ["AF01", "AF01", "AF02", "AF02"],
            "period": ["2020"] * 4,
            "indicator": ["poverty", "rainfall"] * 2,
            "value": [60, 200, 20, 1500],
        }
    )
    rows.to_csv(tmp_path / "values.csv", index=False)
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest("indicators", tmp_path / "values.csv")
    ws_args = ["-w", str(tmp_path / "ws"), "index"]
    result = runner.invoke(app, [*ws_args, "compare", str(first), str(second), "-o", str(tmp_path / "cmp.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "cmp.csv").set_index("unit")
    assert table.loc["AF01", "rank_first"] == 1
    assert table["rank_shift"].abs().max() == 0
    result = runner.invoke(app, [*ws_args, "compute", str(first), "--save", "-o", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    with Workspace.open(tmp_path / "ws") as ws:
        runs = ws.read("results")
        stored = ws.read("index_results")
    assert runs["engine"].tolist() == ["index"]
    assert "poverty" in str(runs.loc[0, "parameters"])
    assert len(stored) == 2 * 3  # two units, two indicators and the root


def panel_csv(path: Path) -> Path:
    rng = np.random.default_rng(8)
    units = [f"U{i}" for i in range(6)]
    frames = []
    for year in (2018, 2019, 2020, 2021):
        frames.append(
            pd.DataFrame(
                {
                    "area_id": np.repeat(units, 2),
                    "period": year,
                    "indicator": ["poverty", "rainfall"] * len(units),
                    "value": np.column_stack(
                        [np.linspace(10, 90, 6) + 5 * (year - 2018), rng.uniform(100, 1900, 6)]
                    ).ravel(),
                }
            )
        )
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_compare_leave_one_out_and_compute_trends(tmp_path: Path) -> None:
    from ruralmig.index import CompositeIndex, IndexDefinition
    from ruralmig.index.leave_one_out import leave_one_out
    from ruralmig.index.trends import panel_trends

    definition = tmp_path / "drivers.yml"
    definition.write_text(DEFINITION)
    values = panel_csv(tmp_path / "panel.csv")
    out = tmp_path / "loo.csv"
    result = runner.invoke(
        app, ["index", "compare", str(definition), "--leave-one-out", "drivers", "--data", str(values), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    expected = leave_one_out(IndexDefinition.from_yaml(definition), pd.read_csv(values), "drivers",
                             unit_column="area_id")  # fmt: skip
    assert np.array_equal(written["rank_shift"].to_numpy(), expected["rank_shift"].to_numpy())
    assert set(written["dropped"]) == {"poverty", "rainfall"}

    trends = tmp_path / "trends.csv"
    result = runner.invoke(
        app, ["index", "compute", str(definition), "--data", str(values), "-o", str(tmp_path / "s.csv"),
              "--trends", str(trends)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(trends)
    model = CompositeIndex(definition=definition, unit_column="area_id").fit(pd.read_csv(values))
    want = panel_trends(model.result_)
    assert np.allclose(table["slope"], want["slope"])
    assert set(table["trend"]) <= {"improving", "stable", "worsening"}
    both = runner.invoke(app, ["index", "compare", str(definition), str(definition), "--leave-one-out", "drivers"])
    assert both.exit_code == 2


def test_compute_writes_classes_and_a_population_weighted_rollup(tmp_path: Path) -> None:
    definition = tmp_path / "drivers.yml"
    definition.write_text(DEFINITION)
    areas = pd.DataFrame(
        {
            "area_id": ["AFG", "AF01", "AF02"],
            "name": ["Afghanistan", "Kabul", "Kapisa"],
            "admin_level": [0, 1, 1],
            "parent_id": ["", "AFG", "AFG"],
            "country_iso3": "AFG",
            "population": [3_000_000, 1_000_000, 3_000_000],
        }
    )
    areas.to_csv(tmp_path / "areas.csv", index=False)
    rows = pd.DataFrame(
        {
            "area_id": ["AF01", "AF01", "AF02", "AF02"],
            "period": ["2020"] * 4,
            "indicator": ["poverty", "rainfall"] * 2,
            "value": [60, 200, 20, 1500],
        }
    )
    rows.to_csv(tmp_path / "values.csv", index=False)
    with Workspace.init(tmp_path / "ws") as ws:
        ws.ingest("areas", tmp_path / "areas.csv")
        ws.ingest("indicators", tmp_path / "values.csv")
    classes, rolled = tmp_path / "classes.csv", tmp_path / "rollup.csv"
    command = ["-w", str(tmp_path / "ws"), "index", "compute", str(definition), "--save"]
    options = ["--classes", str(classes), "--rollup", str(rolled), "-o", str(tmp_path / "scores.csv")]
    result = runner.invoke(app, [*command, *options])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(classes).set_index("unit")
    assert table.loc["AF01", "score_rank"] == 1
    assert set(table["risk_class"]) <= {"Very low", "Low", "Medium", "High", "Very high"}
    assert (table["reliability"] == 1.0).all()
    scores = pd.read_csv(tmp_path / "scores.csv")
    root = scores[scores["node"] == "drivers"].set_index("unit")["score"]
    up = pd.read_csv(rolled)
    country = up[(up["unit"] == "AFG") & (up["node"] == "drivers")]
    assert country["method"].tolist() == ["rollup"]
    expected = (1 * root["AF01"] + 3 * root["AF02"]) / 4  # weighted by population
    assert country["score"].iloc[0] == pytest.approx(expected)
    with Workspace.open(tmp_path / "ws") as ws:
        stored = ws.read("index_results")
    stored_root = stored[stored["node"] == "drivers"].set_index("unit")
    assert stored_root.loc["AF01", "score_rank"] == 1
    assert stored_root["risk_class"].notna().all()
