"""Small parameterised statements on a workspace store, the same on DuckDB and PostgreSQL.

Values always travel as bound parameters (`?`); only table and column names from the model are spliced in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from ruralmig.model import get_table
from ruralmig.storage import Store

__all__ = ["Readable", "ThreadReader", "execute", "insert_rows", "json_value", "rows"]


class Readable(Protocol):
    """What a read-only query needs: a Store, or a ThreadReader over one."""

    dialect: Any

    def qualified(self, name: str) -> str: ...

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table: ...


class ThreadReader:
    """Reads of a DuckDB store through one cursor per thread, so that reads run side by side.

    DuckDB cursors are connections to the same database: each sees committed data, and none blocks the others.
    Other backends are read through the store itself.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.dialect
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._lock = threading.Lock()

    def qualified(self, name: str) -> str:
        return self.store.qualified(name)

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = getattr(self.store, "con").cursor()  # noqa: B009 - DuckDBStore.con
                cursor.execute("SET enable_progress_bar = false")
                self._cursors.append(cursor)
            self._local.cursor = cursor
        table: pa.Table = cursor.sql(sql, params=list(params) or None).to_arrow_table()
        return table

    def close(self) -> None:
        with self._lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()


def rows(store: Readable, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The result of a read-only query as a list of dicts."""
    result: list[dict[str, Any]] = store.query_arrow(sql, params).to_pylist()
    return result


def execute(store: Store, sql: str, params: Sequence[Any] = ()) -> None:
    """Run one write statement (UPDATE, DELETE) with bound parameters, in its own transaction."""
    connection: Any = getattr(store, "con")  # noqa: B009 - both backends hold their connection as `con`
    if store.dialect == "postgres":
        connection.execute(sql.replace("?", "%s"), list(params))
    else:
        connection.execute(sql, list(params))


def insert_rows(store: Store, table: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Append records (dicts; JSON columns as Python objects) to a system table in one transaction."""
    spec = get_table(table)
    frame = pd.DataFrame(list(records))
    for column in spec.columns:
        if column.name not in frame.columns:
            frame[column.name] = None
        elif column.dtype.value == "json":
            frame[column.name] = [None if v is None else json.dumps(v, default=str) for v in frame[column.name]]
    data = pa.Table.from_pandas(frame[list(spec.column_names)], preserve_index=False)
    store.append_rows([(spec, data)])


def json_value(value: Any) -> Any:
    """A JSON column as a Python object (DuckDB returns text, PostgreSQL parsed values)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
