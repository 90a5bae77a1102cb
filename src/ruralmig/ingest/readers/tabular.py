"""Shared step of the readers that parse in Python: turn rows of cells into a staged text table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.source import (
    HXL_SCAN_ROWS,
    ROW_COLUMN,
    StagedSource,
    first_filled_row,
    header_issues,
    is_hashtag_row,
    quote,
    rename_select,
)

__all__ = ["cell_text", "stage_rows"]


def cell_text(value: object) -> str | None:
    """The text of a spreadsheet cell as a person would type it (2020, not 2020.0; ISO dates)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def stage_rows(
    duck: duckdb.DuckDBPyConnection, file: str, rows: Sequence[Sequence[object]], relation: str
) -> StagedSource:
    """Find the header (and HXL row), then load the data rows as text columns into `relation`."""
    first = first_filled_row([[cell_text(c) or "" for c in row] for row in rows[: HXL_SCAN_ROWS + 1]])
    if first is None:
        raise InputError(Issue(file, "has no header row (the first rows are empty)"))
    head = [[cell_text(c) or "" for c in row] for row in rows[first : first + HXL_SCAN_ROWS + 1]]
    hxl_index = next((i for i, row in enumerate(head[:HXL_SCAN_ROWS]) if is_hashtag_row(row)), None)
    header_index = max(hxl_index - 1, 0) if hxl_index is not None else 0
    start = first + (hxl_index if hxl_index is not None else header_index) + 1
    header = head[header_index]
    while header and not header[-1].strip():
        header.pop()
    columns, issues = header_issues(file, header)
    hxl_tags: dict[str, str] = {}
    if hxl_index is not None:
        tags = head[hxl_index]
        hxl_tags = {name: tags[i].strip() for i, name in enumerate(columns) if i < len(tags) and tags[i].strip()}
    width = len(columns)
    values: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[int] = []
    staged = StagedSource(file=file, relation=relation, columns=columns, hxl_tags=hxl_tags, issues=issues)
    staged.row_expr = quote(ROW_COLUMN)
    for offset, row in enumerate(rows[start:], start=1):
        cells = [cell_text(c) for c in row]
        if all(c is None or not c.strip() for c in cells):
            continue  # blank rows are skipped but keep their number, as in the sheet
        if any(c is not None and c.strip() for c in cells[width:]):
            staged.issues.append(Issue(file, "has values to the right of the last named column", row=offset))
        cells = (cells + [None] * width)[:width]
        for index in range(width):
            values[index].append(cells[index])
        numbers.append(offset)
    arrays = {f"c{i}": pa.array(values[i], pa.string()) for i in range(width)}
    arrays[ROW_COLUMN] = pa.array(numbers, pa.int64())
    duck.register("_rows_arrow", pa.table(arrays))
    sources = [f"c{i}" for i in range(width)]
    select = rename_select([*sources, ROW_COLUMN], [*columns, ROW_COLUMN], "_rows_arrow", keep=frozenset({ROW_COLUMN}))
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS {select}")
    duck.unregister("_rows_arrow")
    return staged
