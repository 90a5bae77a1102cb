"""Build the mapped frame: one clean text column per canonical column, plus the source row number."""

from __future__ import annotations

import duckdb

from ruralmig.ingest.mapping import ColumnMapping
from ruralmig.ingest.source import StagedSource, quote
from ruralmig.model import Column, DataType, Table

__all__ = ["FRAME", "build_frame", "distinct_values", "drop_text_columns_from_melt", "literal", "source_expression"]

FRAME = "_frame"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def drop_text_columns_from_melt(
    duck: duckdb.DuckDBPyConnection, staged: StagedSource, mapping: ColumnMapping, clean: dict[str, str]
) -> None:
    """Wide files: keep only mostly-numeric columns as indicators; text columns (names, notes) are ignored."""
    if not mapping.melted:
        return
    names = [clean[c] for c in mapping.melted]
    counts = ", ".join(f"count({c}), count_if({c} IS NOT NULL AND TRY_CAST({c} AS DOUBLE) IS NULL)" for c in names)
    row = duck.execute(f"SELECT {counts} FROM {staged.relation}").fetchall()[0]
    for index, column in enumerate(list(mapping.melted)):
        present, text = row[2 * index], row[2 * index + 1]
        if present == 0 or text * 2 > present:
            del mapping.melted[column]
            mapping.ignored.append(column)


def source_expression(column: Column, mapping: ColumnMapping, clean: dict[str, str]) -> str:
    """SQL for a mapped column's clean value, with the column's default where the file has none."""
    source = clean[mapping.sources[column.name]]
    if column.default is not None:
        source = f"COALESCE({source}, {literal(column.default)})"
    return source


def distinct_values(
    table: Table, mapping: ColumnMapping, clean: dict[str, str], distinct: dict[str, str]
) -> dict[str, str]:
    """Per canonical column whose source's distinct values are kept: a relation of its distinct clean values."""
    relations = {}
    for column in table.columns:
        source = mapping.sources.get(column.name)
        if source is not None and source in distinct:
            expression = source_expression(column, mapping, clean)
            relations[column.name] = f"SELECT DISTINCT {expression} AS {quote(column.name)} FROM {distinct[source]}"
        elif column.name in mapping.constants:
            relations[column.name] = f"SELECT {literal(mapping.constants[column.name])} AS {quote(column.name)}"
    return relations


def build_frame(
    duck: duckdb.DuckDBPyConnection,
    table: Table,
    staged: StagedSource,
    mapping: ColumnMapping,
    clean: dict[str, str],
) -> str:
    """Create the temp relation FRAME with `_row` and the clean text (or WKB) of every canonical column."""
    selected = [f"{staged.row_expr} AS _row"]
    for column in table.columns:
        name = quote(column.name)
        if column.name in mapping.sources:
            selected.append(f"{source_expression(column, mapping, clean)} AS {name}")
        elif column.name in mapping.constants:
            selected.append(f"{literal(mapping.constants[column.name])} AS {name}")
        elif column.dtype is DataType.JSON and mapping.extras:
            pairs = ", ".join(f"{literal(c)}, {clean[c]}" for c in mapping.extras)
            selected.append(f"CAST(json_object({pairs}) AS VARCHAR) AS {name}")
        elif column.dtype is DataType.GEOMETRY:
            selected.append(f"CAST(NULL AS BLOB) AS {name}")
        elif not (mapping.melted and table.long_format and column.name in table.long_format):
            selected.append(f"CAST(NULL AS VARCHAR) AS {name}")
    if mapping.melted and table.long_format:
        return _melted_frame(duck, table, staged, mapping, selected, clean)
    duck.execute(f"CREATE OR REPLACE TEMP VIEW {FRAME} AS SELECT {', '.join(selected)} FROM {staged.relation}")
    return FRAME


def _melted_frame(
    duck: duckdb.DuckDBPyConnection,
    table: Table,
    staged: StagedSource,
    mapping: ColumnMapping,
    selected: list[str],
    clean: dict[str, str],
) -> str:
    name_column, value_column = table.long_format or ("", "")
    measures = ", ".join(quote(c) for c in mapping.melted)
    names = " ".join(f"WHEN {literal(c)} THEN {literal(n)}" for c, n in mapping.melted.items())
    wide = ", ".join([*selected, *(f"{clean[c]} AS {quote(c)}" for c in mapping.melted)])
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
        f"(SELECT {wide} FROM {staged.relation}) UNPIVOT (_raw_value FOR _measure IN ({measures}))"
    )
    return FRAME
