"""Schema versions and the migrations between them.

Migrations are derived from the model: version *v* creates every table declared with
``since_version == v`` and adds every column declared with ``since_version == v`` to the tables that
already exist. Data migrations that SQL alone can express are listed in ``DATA_MIGRATIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruralmig.model import SCHEMA_VERSION, TABLES
from ruralmig.storage.ddl import Dialect, add_column_sql, create_table_sql

__all__ = ["META_TABLE", "Migration", "migrations"]

META_TABLE = "schema_migrations"
DESCRIPTIONS = {1: "canonical tables of ruralmig 0.1", 2: "displacement_results", 3: "index_results"}
DATA_MIGRATIONS: dict[int, list[str]] = {}


@dataclass(frozen=True)
class Migration:
    """The statements that bring a workspace from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


def migrations(dialect: Dialect, *, schema: str | None = None, target: int = SCHEMA_VERSION) -> list[Migration]:
    """Every migration from version 1 to `target` (default: the current SCHEMA_VERSION), in order."""
    result = []
    for version in range(1, target + 1):
        statements: list[str] = []
        for table in TABLES.values():
            if table.since_version == version:
                statements += create_table_sql(table, dialect, version=version, schema=schema)
            elif table.since_version < version:
                statements += [
                    add_column_sql(table, column, dialect, schema=schema)
                    for column in table.columns
                    if column.since_version == version
                ]
        statements += DATA_MIGRATIONS.get(version, [])
        description = DESCRIPTIONS.get(version, f"schema version {version}")
        result.append(Migration(version, description, tuple(statements)))
    return result
