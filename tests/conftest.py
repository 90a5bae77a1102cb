"""Shared fixtures: a workspace on each backend, and small file writers.

PostgreSQL tests need RURALMIG_TEST_DATABASE_URL (`.ci/run` starts a throwaway server and sets it).
Locally they are skipped without it; in CI (CI=true) a skipped PostgreSQL test fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ruralmig import Workspace
from ruralmig.storage import open_store

_skipped_postgres: list[str] = []


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("RURALMIG_TEST_DATABASE_URL")
    if not url:
        message = "RURALMIG_TEST_DATABASE_URL is not set; `bash .ci/run` starts PostgreSQL and sets it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return url


def _postgres_workspace(url: str) -> Iterator[Workspace]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    workspace = Workspace(open_store(database_url=url, create=True, schema=schema))
    try:
        yield workspace
    finally:
        workspace.store.con.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[attr-defined]
        workspace.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """An empty workspace, once on a DuckDB file and once on the PostgreSQL test server."""
    if request.param == "duckdb":
        with Workspace.init(tmp_path / "ws") as ws:
            yield ws
    else:
        yield from _postgres_workspace(request.getfixturevalue("postgres_url"))


@pytest.fixture
def duckdb_workspace(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws") as ws:
        yield ws


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def write_csv(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write rows (lists of cells) as a CSV file and return its path."""

    def write(name: str, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
        import csv
        import io

        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
        return write_text(tmp_path / name, buffer.getvalue(), encoding)

    return write


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if in_ci() and _skipped_postgres:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nCI: {len(_skipped_postgres)} PostgreSQL test(s) were skipped; that counts as a failure.")
