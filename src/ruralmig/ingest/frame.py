"""Build the mapped frame: one raw text column per canonical column, plus the source row number."""

from __future__ import annotations

import duckdb

from ruralmig.ingest.mapping import ColumnMapping
from ruralmig.ingest.source import StagedSource
from ruralmig.model import DataType, Table

__all__ = ["FRAME", "NULL_TOKENS", "build_frame", "drop_text_columns_from_melt", "literal", "quote"]

FRAME = "_frame"
# Spellings of "missing" found in the field's files (R, Stata exports, Excel, World Bank "..").
NULL_TOKENS = ("", "NA", "N/A", "n/a", "NULL", "null", "#N/A", "NaN", "nan", "..")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def define_macros(duck: duckdb.DuckDBPyConnection) -> None:
    tokens = ", ".join(literal(t) for t in NULL_TOKENS)
    duck.execute(
        f"CREATE OR REPLACE TEMP MACRO _clean(x) AS CASE WHEN trim(x) IN ({tokens}) THEN NULL ELSE trim(x) END"
    )


def drop_text_columns_from_melt(duck: duckdb.DuckDBPyConnection, staged: StagedSource, mapping: ColumnMapping) -> None:
    """Wide files: keep only mostly-numeric columns as indicators; text columns (names, notes) are ignored."""
    if not mapping.melted:
        return
    define_macros(duck)
    cleaned = [f"_clean({quote(c)})" for c in mapping.melted]
    counts = ", ".join(f"count({c}), count_if({c} IS NOT NULL AND TRY_CAST({c} AS DOUBLE) IS NULL)" for c in cleaned)
    row = duck.execute(f"SELECT {counts} FROM {staged.relation}").fetchall()[0]
    for index, column in enumerate(list(mapping.melted)):
        present, text = row[2 * index], row[2 * index + 1]
        if present == 0 or text * 2 > present:
            del mapping.melted[column]
            mapping.ignored.append(column)


def build_frame(duck: duckdb.DuckDBPyConnection, table: Table, staged: StagedSource, mapping: ColumnMapping) -> str:
    """Create the temp relation FRAME with `_row` and the raw (text) value of every canonical column."""
    define_macros(duck)
    selected = [f"{staged.row_expr} AS _row"]
    for column in table.columns:
        name = quote(column.name)
        if column.name in mapping.sources:
            source = quote(mapping.sources[column.name])
            if column.dtype is DataType.GEOMETRY:
                selected.append(f"{source} AS {name}")
            else:
                selected.append(f"CAST({source} AS VARCHAR) AS {name}")
        elif column.name in mapping.constants:
            selected.append(f"{literal(mapping.constants[column.name])} AS {name}")
        elif column.dtype is DataType.JSON and mapping.extras:
            pairs = ", ".join(f"{literal(c)}, {quote(c)}" for c in mapping.extras)
            selected.append(f"CAST(json_object({pairs}) AS VARCHAR) AS {name}")
        elif column.dtype is DataType.GEOMETRY:
            selected.append(f"CAST(NULL AS BLOB) AS {name}")
        elif not (mapping.melted and table.long_format and column.name in table.long_format):
            selected.append(f"CAST(NULL AS VARCHAR) AS {name}")
    if mapping.melted and table.long_format:
        return _melted_frame(duck, table, staged, mapping, selected)
    duck.execute(f"CREATE OR REPLACE TEMP VIEW {FRAME} AS SELECT {', '.join(selected)} FROM {staged.relation}")
    return FRAME


def _melted_frame(
    duck: duckdb.DuckDBPyConnection, table: Table, staged: StagedSource, mapping: ColumnMapping, selected: list[str]
) -> str:
    name_column, value_column = table.long_format or ("", "")
    measures = ", ".join(quote(c) for c in mapping.melted)
    names = " ".join(f"WHEN {literal(c)} THEN {literal(n)}" for c, n in mapping.melted.items())
    wide = ", ".join([*selected, *(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in mapping.melted)])
    ordered = ", ".join(
        f"CASE _measure {names} END AS {quote(c.name)}"
        if c.name == name_column
        else f"_raw_value AS {quote(c.name)}"
        if c.name == value_column
        else quote(c.name)
        for c in table.columns
    )
    duck.execute(
        f"CREATE OR REPLACE TEMP TABLE {FRAME} AS SELECT _row, {ordered} FROM "
        f"(SELECT {wide} FROM {staged.relation}) UNPIVOT (_raw_value FOR _measure IN ({measures})) "
        f"WHERE _clean(_raw_value) IS NOT NULL"
    )
    return FRAME
