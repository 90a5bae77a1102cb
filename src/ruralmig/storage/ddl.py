"""DDL for each backend, generated from the canonical tables in ``ruralmig.model``."""

from __future__ import annotations

from typing import Literal

from ruralmig.model import Column, DataType, Table

__all__ = ["Dialect", "add_column_sql", "column_type", "create_table_sql", "quote"]

Dialect = Literal["duckdb", "postgres"]

_TYPES: dict[DataType, dict[str, str]] = {
    DataType.TEXT: {"duckdb": "VARCHAR", "postgres": "TEXT"},
    DataType.INTEGER: {"duckdb": "BIGINT", "postgres": "BIGINT"},
    DataType.FLOAT: {"duckdb": "DOUBLE", "postgres": "DOUBLE PRECISION"},
    DataType.BOOLEAN: {"duckdb": "BOOLEAN", "postgres": "BOOLEAN"},
    DataType.DATE: {"duckdb": "DATE", "postgres": "DATE"},
    DataType.TIMESTAMP: {"duckdb": "TIMESTAMP", "postgres": "TIMESTAMP"},
    DataType.PERIOD: {"duckdb": "VARCHAR", "postgres": "TEXT"},
    DataType.JSON: {"duckdb": "JSON", "postgres": "JSONB"},
    DataType.GEOMETRY: {"duckdb": "BLOB", "postgres": "geometry(Geometry, 4326)"},
}


def quote(identifier: str) -> str:
    """Quote an SQL identifier (both backends use double quotes)."""
    return '"' + identifier.replace('"', '""') + '"'


def column_type(column: Column, dialect: Dialect) -> str:
    return _TYPES[column.dtype][dialect]


def _column_sql(column: Column, dialect: Dialect) -> str:
    null = " NOT NULL" if column.required else ""
    return f"{quote(column.name)} {column_type(column, dialect)}{null}"


def create_table_sql(table: Table, dialect: Dialect, *, version: int, schema: str | None = None) -> list[str]:
    """Statements that create `table` as it stands at schema `version`, with an index on its key."""
    columns = [c for c in table.columns if c.since_version <= version]
    name = qualified(table.name, schema)
    body = ",\n  ".join(_column_sql(c, dialect) for c in columns)
    statements = [f"CREATE TABLE {name} (\n  {body}\n)"]
    if dialect == "postgres":
        if table.key:
            keys = ", ".join(quote(k) for k in table.key)
            statements.append(f"CREATE INDEX {quote(table.name + '_key')} ON {name} ({keys})")
        geometry = table.geometry_column
        if geometry is not None:
            statements.append(
                f"CREATE INDEX {quote(table.name + '_geom')} ON {name} USING GIST ({quote(geometry.name)})"
            )
    return statements


def add_column_sql(table: Table, column: Column, dialect: Dialect, *, schema: str | None = None) -> str:
    return f"ALTER TABLE {qualified(table.name, schema)} ADD COLUMN {quote(column.name)} {column_type(column, dialect)}"


def qualified(name: str, schema: str | None) -> str:
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)
