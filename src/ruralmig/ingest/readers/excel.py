"""Excel and OpenDocument spreadsheets, read with python-calamine."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.readers.tabular import stage_rows
from ruralmig.ingest.source import ReaderOptions, StagedSource

__all__ = ["stage_excel"]


def stage_excel(duck: duckdb.DuckDBPyConnection, path: Path, options: ReaderOptions, relation: str) -> StagedSource:
    """Stage one sheet (the first, unless `options.sheet` names another)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for broken files
        raise InputError(Issue(path.name, f"is not a readable spreadsheet: {error}")) from None
    names = workbook.sheet_names
    sheet = options.sheet or (names[0] if names else None)
    if sheet is None or sheet not in names:
        raise InputError(Issue(path.name, f"has no sheet {sheet!r}; its sheets are: {', '.join(names)}"))
    rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not rows:
        raise InputError(Issue(f"{path.name} [{sheet}]", "is empty"))
    staged = stage_rows(duck, f"{path.name} [{sheet}]", rows, relation)
    staged.notes.append(f"read sheet {sheet!r}")
    return staged
