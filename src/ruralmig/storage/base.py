"""The storage protocol shared by the DuckDB and PostgreSQL backends."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pyarrow as pa

from ruralmig.errors import SchemaError
from ruralmig.model import SCHEMA_VERSION, Table, get_table
from ruralmig.storage.ddl import Dialect

__all__ = ["IngestRecord", "Store", "WriteMode"]

WriteMode = Literal["append", "upsert", "replace"]


@dataclass(frozen=True)
class IngestRecord:
    """Provenance of one ingest, written to ``ingest_log`` in the same transaction as the data."""

    ingest_id: str
    table_name: str
    file_name: str
    sha256: str
    rows: int
    mode: WriteMode
    options_json: str
    code_version: str
    started_at: str
    finished_at: str

    def values(self) -> tuple[Any, ...]:
        return (
            self.ingest_id,
            self.table_name,
            self.file_name,
            self.sha256,
            self.rows,
            self.mode,
            self.options_json,
            self.code_version,
            self.started_at,
            self.finished_at,
        )


class Store(ABC):
    """A workspace database. Every write is one transaction: it lands whole or not at all."""

    dialect: Dialect
    location: str

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def schema_version(self) -> int | None:
        """The version recorded in the workspace, or None for an empty database."""

    @abstractmethod
    def migrate(self, target: int | None = None) -> list[int]:
        """Apply the pending migrations up to `target` (default: the newest); return the versions applied."""

    @abstractmethod
    def existing_tables(self) -> set[str]: ...

    @abstractmethod
    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """Run a read-only query written in the SQL both backends accept."""

    @abstractmethod
    def read_arrow(self, table: Table, *, limit: int | None = None) -> pa.Table:
        """The whole table; geometries as WKB bytes."""

    @abstractmethod
    def staging_connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection in which files are staged and validated."""

    @abstractmethod
    def register_workspace_areas(self, duck: duckdb.DuckDBPyConnection) -> None:
        """Make a relation ``_workspace_areas(area_id)`` of the stored areas visible in `duck`."""

    @abstractmethod
    def conflict_target(self, table: Table) -> str | None:
        """The name under which `duck` sees the stored `table`, to find key conflicts; None if it cannot."""

    @abstractmethod
    def write_staged(
        self,
        duck: duckdb.DuckDBPyConnection,
        table: Table,
        select_sql: str,
        *,
        mode: WriteMode,
        record: IngestRecord,
    ) -> int:
        """Write the rows of `select_sql` (run in `duck`) into `table` in one transaction, with `record`."""

    @abstractmethod
    def append_rows(self, rows: Sequence[tuple[Table, pa.Table]]) -> None:
        """Append ready-typed rows to several tables in one transaction (results written by ruralmig itself)."""

    @abstractmethod
    def delete_matching(self, table: Table, column: str, value: str) -> int:
        """Delete the rows of `table` whose `column` equals `value`, in one transaction; return how many."""

    def check_version(self) -> None:
        version = self.schema_version()
        if version is None:
            raise SchemaError(f"{self.location} is not a ruralmig workspace; create it with `ruralmig init`")
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{self.location} has schema version {version}, newer than this ruralmig "
                f"(version {SCHEMA_VERSION}); upgrade ruralmig"
            )

    def count_rows(self, table_name: str) -> int:
        table = get_table(table_name)
        result = self.query_arrow(f"SELECT count(*) AS n FROM {self.qualified(table.name)}")
        return int(result.column("n")[0].as_py())

    def qualified(self, name: str) -> str:
        from ruralmig.storage.ddl import quote

        return quote(name)
