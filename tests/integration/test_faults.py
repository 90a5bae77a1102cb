"""Faults: a killed ingest leaves the workspace as it was; two processes cannot corrupt one workspace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ruralmig import SchemaError, Workspace, WorkspaceLockedError
from ruralmig.model import SCHEMA_VERSION

INGEST_CHILD = textwrap.dedent(
    """
    import sys
    from ruralmig import Workspace

    def report(message):
        print(message, flush=True)

    with Workspace.open(sys.argv[1]) as ws:
        ws.ingest("indicators", sys.argv[2], progress=report)
    print("done", flush=True)
    """
)


def big_indicators_csv(path: Path, rows: int, source: str = "test") -> Path:
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'AF' || lpad(((i % 400) + 1)::VARCHAR, 2, '0') AS area_id,
                   (1900 + (i // 400) % 100)::VARCHAR AS period, 'ind_' || (i // 40000)::VARCHAR AS indicator,
                   (i % 1000) / 10 AS value, 'percent' AS unit, '{source}' AS source, 'false' AS imputed
            FROM range({rows}) t(i) WHERE (i % 400) < 34) TO '{path}' (HEADER)"""
    )
    con.close()
    return path


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["reading", "validating", "writing"])
def test_sigkill_midway_leaves_the_workspace_exactly_as_it_was(tmp_path: Path, phase: str) -> None:
    folder = tmp_path / "ws"
    small = big_indicators_csv(tmp_path / "small.csv", 4_000, source="earlier")
    with Workspace.init(folder) as ws:
        ws.ingest("indicators", small)
        before = ws.read("indicators").sort_values(["area_id", "period", "indicator"], ignore_index=True)
        history = len(ws.history())
    big = big_indicators_csv(tmp_path / "big.csv", 30_000_000)
    seen = []
    command = [sys.executable, "-c", INGEST_CHILD, str(folder), str(big)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        for line in child.stdout:
            seen.append(line.strip())
            if line.startswith(phase):
                time.sleep(0.3)
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL, f"child ended before the kill: {seen} {child.stderr.read()}"
    assert any(line.startswith(phase) for line in seen)
    with Workspace.open(folder) as ws:
        after = ws.read("indicators").sort_values(["area_id", "period", "indicator"], ignore_index=True)
        assert len(ws.history()) == history
    assert after.equals(before)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from ruralmig import Workspace
    with Workspace.open(sys.argv[1]):
        print("open", flush=True)
        time.sleep(60)
    """
)


def test_second_process_gets_a_clear_error_not_corruption(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "open"
            with pytest.raises(WorkspaceLockedError, match=r"open in another process \(process \d+\)"):
                Workspace.open(folder)
        finally:
            holder.kill()
            holder.wait(timeout=30)
    with Workspace.open(folder) as ws:
        assert ws.count("indicators") == 0


def test_opening_a_missing_workspace_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="ruralmig init"):
        Workspace.open(tmp_path / "nowhere")


def test_a_workspace_from_a_newer_ruralmig_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    con = duckdb.connect(str(folder / "ruralmig.duckdb"))
    con.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', now())")
    con.close()
    with pytest.raises(SchemaError, match="schema version 99, newer than this ruralmig"):
        Workspace.open(folder)


def test_an_older_workspace_is_migrated_when_opened(tmp_path: Path) -> None:
    from ruralmig.storage.duckdb import DuckDBStore

    store = DuckDBStore(tmp_path / "old.duckdb", create=True)
    assert store.migrate(target=1) == [1]
    assert "displacement_results" not in store.existing_tables()
    store.close()
    with Workspace.open(tmp_path / "old.duckdb") as ws:
        assert ws.schema_version == SCHEMA_VERSION
        assert ws.count("displacement_results") == 0
