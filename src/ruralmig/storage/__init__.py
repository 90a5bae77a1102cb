"""Storage backends: a DuckDB file by default, PostgreSQL/PostGIS for a shared server."""

from __future__ import annotations

from pathlib import Path

from ruralmig.config import DEFAULT_WORKSPACE_FILE
from ruralmig.storage.base import IngestRecord, Store, WriteMode

__all__ = ["IngestRecord", "Store", "WriteMode", "open_store", "workspace_file"]


def workspace_file(location: Path | str) -> Path:
    """The DuckDB file of a workspace: `location` itself if it names a .duckdb file, else inside it."""
    path = Path(location)
    return path if path.suffix in (".duckdb", ".db") else path / DEFAULT_WORKSPACE_FILE


def open_store(
    location: Path | str | None = None,
    *,
    database_url: str | None = None,
    create: bool = False,
    schema: str = "ruralmig",
    memory_limit: str = "2GB",
) -> Store:
    """Open (or with `create`, make) a workspace: PostgreSQL when `database_url` is given, else DuckDB."""
    if database_url:
        from ruralmig.storage.postgres import PostgresStore

        store: Store = PostgresStore(database_url, schema=schema)
    else:
        from ruralmig.storage.duckdb import DuckDBStore

        store = DuckDBStore(workspace_file(location or "."), create=create, memory_limit=memory_limit)
    try:
        if create:
            store.migrate()
        else:
            store.check_version()
            store.migrate()
    except BaseException:
        store.close()
        raise
    return store
