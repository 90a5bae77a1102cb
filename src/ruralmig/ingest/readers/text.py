"""Delimited text (CSV, TSV, semicolon files), with optional HXL hashtag row, read by DuckDB."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from pathlib import Path

import duckdb

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.readers.encoding import detect_encoding, to_utf8
from ruralmig.ingest.source import (
    HXL_SCAN_ROWS,
    ReaderOptions,
    StagedSource,
    header_issues,
    is_hashtag_row,
)

__all__ = ["sniff_delimiter", "stage_text"]

DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 1 << 18
MAX_LINE_BYTES = 8 << 20


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most, and most consistent, fields."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        fields, agreeing = Counter(counts).most_common(1)[0]
        score = (agreeing, fields) if fields > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _head_rows(path: Path, delimiter: str | None) -> tuple[list[list[str]], str]:
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        head = handle.read(HEAD_BYTES)
    lines = head.splitlines()[: HXL_SCAN_ROWS + 2]
    if len(head) == HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    chosen = delimiter or sniff_delimiter(lines)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=chosen))
    return rows, chosen


def _locate_header(rows: list[list[str]]) -> tuple[int, int | None]:
    """Index of the header row and of the HXL hashtag row (None if there is none)."""
    for index, row in enumerate(rows[:HXL_SCAN_ROWS]):
        if is_hashtag_row(row):
            return (index - 1 if index > 0 else index), index
    return 0, None


def _struct(columns: list[str]) -> str:
    items = ", ".join("'" + name.replace("'", "''") + "': 'VARCHAR'" for name in columns)
    return "{" + items + "}"


def stage_text(duck: duckdb.DuckDBPyConnection, path: Path, options: ReaderOptions, relation: str) -> StagedSource:
    """Stage a delimited text file. Structural problems (ragged rows, bad quotes) become issues."""
    file = path.name
    with tempfile.TemporaryDirectory(prefix="ruralmig-") as workdir:
        encoding = options.encoding or detect_encoding(path)
        source = to_utf8(path, encoding, Path(workdir))
        rows, delimiter = _head_rows(source, options.delimiter)
        if not rows or not any(cell.strip() for cell in rows[0]):
            raise InputError(Issue(file, "has no header row (the file is empty or starts with a blank line)"))
        header_index, hxl_index = _locate_header(rows)
        raw_names = rows[header_index] if hxl_index != header_index else rows[hxl_index]
        columns, issues = header_issues(file, raw_names)
        hxl_tags: dict[str, str] = {}
        if hxl_index is not None:
            tags = rows[hxl_index]
            hxl_tags = {name: tags[i].strip() for i, name in enumerate(columns) if i < len(tags) and tags[i].strip()}
        skip = (hxl_index if hxl_index is not None else header_index) + 1
        staged = StagedSource(file=file, relation=relation, columns=columns, hxl_tags=hxl_tags, issues=issues)
        staged.notes.append(f"read as {encoding}, delimiter {delimiter!r}, data from line {skip + 1}")
        _read_into(duck, source, file, relation, columns, delimiter, skip, staged)
    return staged


def _read_into(
    duck: duckdb.DuckDBPyConnection,
    source: Path,
    file: str,
    relation: str,
    columns: list[str],
    delimiter: str,
    skip: int,
    staged: StagedSource,
) -> None:
    reader = (
        f"read_csv(?, delim = ?, quote = '\"', "
        f"escape = '\"', header = false, skip = {skip}, columns = {_struct(columns)}, auto_detect = false, "
        f"store_rejects = true, rejects_scan = '_rejects_scan', rejects_table = '_rejects', "
        f"max_line_size = {MAX_LINE_BYTES}, strict_mode = true)"
    )
    sql = f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT * FROM {reader}"
    try:
        duck.execute(sql, [str(source), delimiter])
    except duckdb.Error as error:
        raise InputError(Issue(file, f"cannot be read as delimited text: {_first_line(str(error))}")) from None
    rejects = duck.execute(
        "SELECT line, column_name, error_type, error_message FROM _rejects ORDER BY line LIMIT 10000"
    ).fetchall()
    for line, column, error_type, message in rejects:
        row = int(line) - skip if line is not None else None
        reason = _reject_reason(str(error_type), str(message), int(line) if line is not None else None)
        staged.issues.append(Issue(file, reason, row=row, column=column if error_type != "TOO MANY COLUMNS" else None))
    duck.execute("DROP TABLE IF EXISTS _rejects; DROP TABLE IF EXISTS _rejects_scan")


def _reject_reason(error_type: str, message: str, line: int | None) -> str:
    where = f" (line {line} of the file)" if line is not None else ""
    reasons = {
        "MISSING COLUMNS": "has too few fields",
        "TOO MANY COLUMNS": "has too many fields",
        "UNQUOTED VALUE": "has a quote that is never closed",
        "LINE SIZE OVER MAXIMUM": f"is longer than {MAX_LINE_BYTES // (1 << 20)} MB",
        "INVALID ENCODING": "has bytes that are not valid UTF-8; give the file's encoding with --encoding",
    }
    reason = reasons.get(error_type, "cannot be parsed")
    return f"{reason}{where}: {_first_line(message)}"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message
