"""`ruralmig demo --no-serve`: the main job builds the workspace, stores every engine's results, and is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruralmig.cli.main import app
from ruralmig.datasets.demo import run_demo
from ruralmig.workspace import Workspace

pytestmark = pytest.mark.slow


def _counts(folder: Path) -> dict[str, int]:
    with Workspace.open(folder) as workspace:
        tables = workspace.tables()
        counts = {str(row.table): int(row.rows) for row in tables.itertuples()}
        engines = workspace.store.query_arrow("SELECT engine, count(*) AS runs FROM results GROUP BY engine")
        counts.update({f"runs:{row['engine']}": int(row["runs"]) for row in engines.to_pylist()})
    counts.pop("api_keys", None)
    counts.pop("audit_log", None)
    return counts


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(app, ["demo", "--workspace", str(folder), "--no-serve", "--replicas", "1"])
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_demo_prints_its_results(demo_folder: tuple[Path, str]) -> None:
    _, output = demo_folder
    assert "ARD" in output
    assert "stored as run displacement-" in output
    assert "Nyarugusu" in output
    assert "adverse drivers" in output


def test_demo_stores_every_engines_results(demo_folder: tuple[Path, str]) -> None:
    folder, _ = demo_folder
    counts = _counts(folder)
    assert counts["runs:displacement"] == 2  # the seed-1 run and one replica
    assert counts["runs:ensemble"] == 1  # their median with the 5-95 % band
    assert counts["displacement_results"] == 3 * 30 * 396  # 30 locations, 396 days of Burundi 2015
    assert counts["runs:index"] == 1
    with Workspace.open(folder) as workspace:
        root = workspace.store.query_arrow(
            "SELECT count(*) AS n, count(score_rank) AS ranked, count(rank_low) AS intervals, "
            "count(risk_class) AS classed, min(reliability) AS low, max(reliability) AS high "
            "FROM index_results WHERE node = 'adverse_drivers' AND score IS NOT NULL"
        ).to_pylist()[0]
        assert root["n"] > 20
        assert root["ranked"] == root["intervals"] == root["classed"] == root["n"]
        assert 0 < root["low"] <= root["high"] <= 1
        drought = workspace.store.query_arrow(
            "SELECT count(*) AS n FROM indicators WHERE indicator LIKE 'spi%' OR indicator LIKE 'spei%'"
        ).to_pylist()[0]["n"]
        assert drought > 0
        intervals = workspace.store.query_arrow(
            "SELECT count(score_low) AS n FROM index_results WHERE node = 'adverse_drivers' AND score_low <= score_high"
        ).to_pylist()[0]["n"]
        assert intervals > 20
    assert counts["runs:survey"] == 1
    assert counts["survey_results"] > 100


def test_demo_is_idempotent(demo_folder: tuple[Path, str]) -> None:
    folder, _ = demo_folder
    before = _counts(folder)
    run_demo(folder, replicas=1)
    assert _counts(folder) == before
