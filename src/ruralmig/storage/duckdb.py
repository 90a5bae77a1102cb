"""The default backend: one DuckDB file on the analyst's machine."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ruralmig.errors import WorkspaceError, WorkspaceLockedError
from ruralmig.model import SCHEMA_VERSION, Table
from ruralmig.storage.base import IngestRecord, Store, WriteMode
from ruralmig.storage.ddl import quote
from ruralmig.storage.migrations import META_TABLE, migrations

__all__ = ["DuckDBStore"]

_LOCK_PID = re.compile(r"PID (\d+)")


class DuckDBStore(Store):
    """A workspace held in a DuckDB file. One process may have it open at a time."""

    dialect = "duckdb"

    def __init__(self, path: Path, *, create: bool = False, memory_limit: str = "2GB") -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if not create and not self.path.exists():
            raise WorkspaceError(f"no workspace at {self.path}; create one with `ruralmig init`")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), config={"memory_limit": memory_limit})
        except duckdb.IOException as error:
            message = str(error)
            if "lock" in message.lower():
                pid = _LOCK_PID.search(message)
                holder = f" (process {pid.group(1)})" if pid else ""
                raise WorkspaceLockedError(
                    f"workspace {self.path} is open in another process{holder}; close it there first"
                ) from None
            raise WorkspaceError(f"cannot open workspace {self.path}: {message}") from None

        self.con.execute("SET enable_progress_bar = false")

    def close(self) -> None:
        self.con.close()

    def schema_version(self) -> int | None:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [META_TABLE]
        ).fetchall()[0]
        if not exists or exists[0] == 0:
            return None
        row = self.con.execute(f"SELECT max(version) FROM {quote(META_TABLE)}").fetchall()[0]
        return int(row[0]) if row and row[0] is not None else 0

    def migrate(self, target: int | None = None) -> list[int]:
        current = self.schema_version() or 0
        applied = []
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {quote(META_TABLE)} "
                "(version BIGINT NOT NULL, description VARCHAR, applied_at TIMESTAMP NOT NULL)"
            )
            for migration in migrations("duckdb", target=target or SCHEMA_VERSION):
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    self.con.execute(statement)
                self.con.execute(
                    f"INSERT INTO {quote(META_TABLE)} VALUES (?, ?, ?)",
                    [migration.version, migration.description, _utc_now()],
                )
                applied.append(migration.version)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return applied

    def existing_tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {row[0] for row in rows}

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return self.con.sql(sql, params=list(params) or None).to_arrow_table()

    def read_arrow(self, table: Table, *, limit: int | None = None) -> pa.Table:
        suffix = f" LIMIT {int(limit)}" if limit is not None else ""
        columns = ", ".join(quote(c) for c in table.column_names)
        return self.con.sql(f"SELECT {columns} FROM {quote(table.name)}{suffix}").to_arrow_table()

    def staging_connection(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def register_workspace_areas(self, duck: duckdb.DuckDBPyConnection) -> None:
        duck.execute("CREATE OR REPLACE TEMP VIEW _workspace_areas AS SELECT area_id FROM main.areas")

    def conflict_target(self, table: Table) -> str | None:
        return f"main.{quote(table.name)}"

    def append_rows(self, rows: Sequence[tuple[Table, pa.Table]]) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            for index, (table, data) in enumerate(rows):
                name = f"_append_{index}"
                self.con.register(name, data)
                columns = ", ".join(quote(c) for c in table.column_names)
                self.con.execute(f"INSERT INTO main.{quote(table.name)} ({columns}) SELECT {columns} FROM {name}")
                self.con.unregister(name)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def delete_matching(self, table: Table, column: str, value: str) -> int:
        target = f"main.{quote(table.name)}"
        count = self.con.execute(f"SELECT count(*) FROM {target} WHERE {quote(column)} = ?", [value]).fetchall()[0][0]
        self.con.execute(f"DELETE FROM {target} WHERE {quote(column)} = ?", [value])
        return int(count)

    def write_staged(
        self,
        duck: duckdb.DuckDBPyConnection,
        table: Table,
        select_sql: str,
        *,
        mode: WriteMode,
        record: IngestRecord,
    ) -> int:
        target = f"main.{quote(table.name)}"
        columns = ", ".join(quote(c) for c in table.column_names)
        self.con.execute("BEGIN TRANSACTION")
        try:
            if mode == "replace":
                self.con.execute(f"DELETE FROM {target}")
            elif mode == "upsert" and table.key:
                match = " AND ".join(f"{target}.{quote(k)} IS NOT DISTINCT FROM new.{quote(k)}" for k in table.key)
                self.con.execute(
                    f"DELETE FROM {target} WHERE EXISTS (SELECT 1 FROM ({select_sql}) AS new WHERE {match})"
                )
            self.con.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM ({select_sql})")
            self.con.execute(
                f"INSERT INTO main.{quote('ingest_log')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(record.values()),
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return record.rows


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_duckdb(path: Path, *, create: bool = False) -> DuckDBStore:
    store = DuckDBStore(path, create=create)
    if not create:
        store.check_version()
    return store
