"""Shared step of the readers that parse in Python: turn rows of cells into a staged text table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from ruralmig.ingest.source import HXL_SCAN_ROWS, StagedSource, header_issues, is_hashtag_row, rename_select

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
    head = [[cell_text(c) or "" for c in row] for row in rows[: HXL_SCAN_ROWS + 1]]
    hxl_index = next((i for i, row in enumerate(head[:HXL_SCAN_ROWS]) if is_hashtag_row(row)), None)
    header_index = max((hxl_index or 0) - 1, 0) if hxl_index is not None else 0
    start = (hxl_index if hxl_index is not None else header_index) + 1
    header = head[header_index] if head else []
    while header and not header[-1].strip():
        header.pop()
    columns, issues = header_issues(file, header)
    hxl_tags: dict[str, str] = {}
    if hxl_index is not None:
        tags = head[hxl_index]
        hxl_tags = {name: tags[i].strip() for i, name in enumerate(columns) if i < len(tags) and tags[i].strip()}
    data = rows[start:]
    width = len(columns)
    values: list[list[str | None]] = [[] for _ in range(width)]
    staged = StagedSource(file=file, relation=relation, columns=columns, hxl_tags=hxl_tags, issues=issues)
    for offset, row in enumerate(data, start=1):
        cells = [cell_text(c) for c in row]
        if all(c is None or not c.strip() for c in cells):
            continue
        if any(c is not None and c.strip() for c in cells[width:]):
            from ruralmig.errors import Issue

            staged.issues.append(Issue(file, "has values to the right of the last named column", row=offset))
        cells = (cells + [None] * width)[:width]
        for index in range(width):
            values[index].append(cells[index])
    table = pa.table({f"c{i}": pa.array(values[i], pa.string()) for i in range(width)})
    duck.register("_rows_arrow", table)
    sources = [f"c{i}" for i in range(width)]
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS {rename_select(sources, columns, '_rows_arrow')}")
    duck.unregister("_rows_arrow")
    return staged
