"""The shared-server backend: PostgreSQL with PostGIS, same schema as the DuckDB workspace.

Files are staged and validated in an in-memory DuckDB (the same code as for the DuckDB backend),
then copied into PostgreSQL with COPY and written in one transaction.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ruralmig.errors import InputError, Issue, WorkspaceError
from ruralmig.model import SCHEMA_VERSION, DataType, Table
from ruralmig.storage.base import IngestRecord, Store, WriteMode
from ruralmig.storage.ddl import column_type, quote
from ruralmig.storage.migrations import META_TABLE, migrations

__all__ = ["PostgresStore", "redact"]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresStore(Store):
    """A workspace in a PostgreSQL schema (default ``ruralmig``), with PostGIS geometries."""

    dialect = "postgres"

    def __init__(self, url: str, *, schema: str = "ruralmig") -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise WorkspaceError("PostgreSQL needs the extra: pip install 'ruralmig[postgres]'") from None
        if not _SCHEMA_NAME.match(schema):
            raise WorkspaceError(f"schema must be a lower-case SQL name; got {schema!r}")
        self.schema = schema
        self.location = f"{redact(url)} (schema {schema})"
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:
            raise WorkspaceError(f"cannot connect to {redact(url)}: {str(error).strip()}") from None
        self._duck: duckdb.DuckDBPyConnection | None = None

    def close(self) -> None:
        self.con.close()
        if self._duck is not None:
            self._duck.close()

    def qualified(self, name: str) -> str:
        return f"{quote(self.schema)}.{quote(name)}"

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    def schema_version(self) -> int | None:
        exists = self._scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            [self.schema, META_TABLE],
        )
        if not exists:
            return None
        version = self._scalar(f"SELECT max(version) FROM {self.qualified(META_TABLE)}")
        return int(version) if version is not None else 0

    def migrate(self, target: int | None = None) -> list[int]:
        current = self.schema_version() or 0
        applied = []
        with self.con.transaction():
            self.con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {self.qualified(META_TABLE)} "
                "(version BIGINT NOT NULL, description TEXT, applied_at TIMESTAMP NOT NULL)"
            )
            for migration in migrations("postgres", schema=self.schema, target=target or SCHEMA_VERSION):
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    self.con.execute(statement)  # type: ignore[arg-type]
                self.con.execute(
                    f"INSERT INTO {self.qualified(META_TABLE)} VALUES (%s, %s, %s)",
                    [migration.version, migration.description, datetime.now(UTC).replace(tzinfo=None)],
                )
                applied.append(migration.version)
        return applied

    def existing_tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [self.schema]
        ).fetchall()
        return {row[0] for row in rows}

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        cursor = self.con.execute(sql.replace("?", "%s"), list(params))  # type: ignore[arg-type]
        names = [d.name for d in cursor.description or []]
        rows = cursor.fetchall()
        return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})

    def read_arrow(self, table: Table, *, limit: int | None = None) -> pa.Table:
        columns = ", ".join(
            f"ST_AsBinary({quote(c.name)}) AS {quote(c.name)}"
            if c.dtype is DataType.GEOMETRY
            else f"{quote(c.name)}::text AS {quote(c.name)}"
            if c.dtype is DataType.JSON
            else quote(c.name)
            for c in table.columns
        )
        suffix = f" LIMIT {int(limit)}" if limit is not None else ""
        result = self.query_arrow(f"SELECT {columns} FROM {self.qualified(table.name)}{suffix}")
        return result

    def staging_connection(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            self._duck = duckdb.connect(":memory:")
            self._duck.execute("SET enable_progress_bar = false")
        return self._duck

    def register_workspace_areas(self, duck: duckdb.DuckDBPyConnection) -> None:
        rows = self.con.execute(f"SELECT area_id FROM {self.qualified('areas')}").fetchall()
        duck.register("_workspace_areas_arrow", pa.table({"area_id": pa.array([r[0] for r in rows], pa.string())}))
        duck.execute("CREATE OR REPLACE TEMP VIEW _workspace_areas AS SELECT area_id FROM _workspace_areas_arrow")

    def conflict_target(self, table: Table) -> str | None:
        return None  # checked inside PostgreSQL, in the write transaction

    def append_rows(self, rows: Sequence[tuple[Table, pa.Table]]) -> None:
        import pyarrow.csv as pacsv

        with self.con.transaction():
            for table, data in rows:
                columns = ", ".join(quote(c) for c in table.column_names)
                buffer = pa.BufferOutputStream()
                pacsv.write_csv(data.select(list(table.column_names)), buffer, pacsv.WriteOptions(include_header=False))
                sql = f"COPY {self.qualified(table.name)} ({columns}) FROM STDIN (FORMAT csv)"
                with self.con.cursor().copy(sql) as copy:  # type: ignore[arg-type]
                    copy.write(buffer.getvalue().to_pybytes())

    def delete_matching(self, table: Table, column: str, value: str) -> int:
        cursor = self.con.execute(f"DELETE FROM {self.qualified(table.name)} WHERE {quote(column)} = %s", [value])  # type: ignore[arg-type]
        return int(cursor.rowcount)

    def write_staged(
        self,
        duck: duckdb.DuckDBPyConnection,
        table: Table,
        select_sql: str,
        *,
        mode: WriteMode,
        record: IngestRecord,
    ) -> int:
        exported = ", ".join(
            f"hex(CAST({quote(c.name)} AS BLOB)) AS {quote(c.name)}" if c.dtype is DataType.GEOMETRY else quote(c.name)
            for c in table.columns
        )
        with tempfile.TemporaryDirectory(prefix="ruralmig-pg-") as workdir:
            csv_path = Path(workdir) / "rows.csv"
            duck.execute(f"COPY (SELECT _row, {exported} FROM ({select_sql})) TO '{csv_path}' (HEADER false)")
            with self.con.transaction():
                self._load(table, csv_path, mode, record)
        return record.rows

    def _load(self, table: Table, csv_path: Path, mode: WriteMode, record: IngestRecord) -> None:
        staging_columns = ", ".join(
            f"{quote(c.name)} {'TEXT' if c.dtype is DataType.GEOMETRY else column_type(c, 'postgres')}"
            for c in table.columns
        )
        self.con.execute(f"CREATE TEMP TABLE _typed (_row BIGINT, {staging_columns}) ON COMMIT DROP")  # type: ignore[arg-type]
        with self.con.cursor().copy("COPY _typed FROM STDIN (FORMAT csv)") as copy, csv_path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                copy.write(chunk)
        target = self.qualified(table.name)
        match = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM n.{quote(k)}" for k in table.key)
        if mode == "append" and table.key:
            conflicts = f"SELECT n._row FROM _typed n WHERE EXISTS (SELECT 1 FROM {target} t WHERE {match})"
            rows = self.con.execute(f"{conflicts} ORDER BY 1 LIMIT 1000").fetchall()  # type: ignore[arg-type]
            if rows:
                reason = (
                    f"has the same key ({', '.join(table.key)}) as a row already in the workspace; "
                    "use --mode upsert to replace those rows"
                )
                raise InputError([Issue(record.file_name, reason, row=int(r[0])) for r in rows])
        if mode == "replace":
            self.con.execute(f"DELETE FROM {target}")  # type: ignore[arg-type]
        elif mode == "upsert" and table.key:
            self.con.execute(f"DELETE FROM {target} t USING _typed n WHERE {match}")  # type: ignore[arg-type]
        columns = ", ".join(quote(c.name) for c in table.columns)
        values = ", ".join(
            f"ST_SetSRID(ST_GeomFromWKB(decode({quote(c.name)}, 'hex')), 4326)"
            if c.dtype is DataType.GEOMETRY
            else quote(c.name)
            for c in table.columns
        )
        self.con.execute(f"INSERT INTO {target} ({columns}) SELECT {values} FROM _typed ORDER BY _row")  # type: ignore[arg-type]
        self.con.execute(
            f"INSERT INTO {self.qualified('ingest_log')} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",  # type: ignore[arg-type]
            list(record.values()),
        )
