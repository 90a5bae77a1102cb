"""What a reader hands on: a staged table of raw text values and what is known about its columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ruralmig.errors import Issue

__all__ = [
    "HXL_SCAN_ROWS",
    "NULL_TOKENS",
    "ROW_COLUMN",
    "ReaderOptions",
    "StagedSource",
    "first_filled_row",
    "header_issues",
    "is_hashtag_row",
    "quote",
    "rename_select",
]

HXL_SCAN_ROWS = 25  # the HXL standard looks for the hashtag row in the first 25 rows
# Spellings of "missing" found in the field's files (R, Stata exports, Excel, World Bank "..").
NULL_TOKENS = ("", "NA", "N/A", "n/a", "NULL", "null", "#N/A", "NaN", "nan", "..")


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def rename_select(sources: list[str], names: list[str], relation: str, keep: frozenset[str] = frozenset()) -> str:
    """SELECT the columns of `relation` as text, renamed to `names`; columns in `keep` (geometries) unchanged."""
    columns = ", ".join(
        f"{quote(s)} AS {quote(n)}" if s in keep else f"CAST({quote(s)} AS VARCHAR) AS {quote(n)}"
        for s, n in zip(sources, names, strict=True)
    )
    return f"SELECT {columns} FROM {relation}"


@dataclass(frozen=True)
class ReaderOptions:
    """How to read a file; None means detect."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    decimal: str = "."
    skip: tuple[str, ...] = ()


@dataclass
class StagedSource:
    """A file loaded into the DuckDB temp table `relation`, every column as text (geometry as WKB)."""

    file: str
    relation: str
    columns: list[str]
    hxl_tags: dict[str, str] = field(default_factory=dict)
    geometry_column: str | None = None
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    row_expr: str = "rowid + 1"
    # Builds a table (staged, actual) of data-row numbers when they differ from the staged order.
    row_map: Callable[[], pa.Table | None] | None = None


ROW_COLUMN = "__ruralmig_row"


def first_filled_row(rows: list[list[str]]) -> int | None:
    """Index of the first row with any non-blank cell (leading blank rows are skipped)."""
    return next((i for i, row in enumerate(rows) if any(cell and cell.strip() for cell in row)), None)


def is_hashtag_row(cells: list[str]) -> bool:
    """True for an HXL hashtag row: every non-empty cell is a hashtag, and at least one is."""
    values = [cell.strip() for cell in cells if cell and cell.strip()]
    return bool(values) and all(value.startswith("#") and len(value) > 1 for value in values)


def header_issues(file: str, names: list[str]) -> tuple[list[str], list[Issue]]:
    """Clean header names; name empty ones by position and report duplicates."""
    cleaned: list[str] = []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(names, start=1):
        name = (raw or "").strip() or f"column_{position}"
        key = name.casefold()  # DuckDB, like spreadsheet users, does not tell Value from VALUE
        if key in seen:
            issues.append(Issue(file, f"appears twice in the header (columns {seen[key]} and {position})", column=name))
            name = f"{name}_{position}"
            key = name.casefold()
        seen.setdefault(key, position)
        cleaned.append(name)
    return cleaned, issues


def display_name(path: Path) -> str:
    return path.name
