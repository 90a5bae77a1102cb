"""Delimited text (CSV, TSV, semicolon files), with optional HXL hashtag row, read by DuckDB."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.readers.encoding import detect_encoding, to_utf8
from ruralmig.ingest.source import (
    HXL_SCAN_ROWS,
    ReaderOptions,
    StagedSource,
    first_filled_row,
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
        first = first_filled_row(rows)
        if first is None:
            raise InputError(Issue(file, "has no header row (the first lines are empty)"))
        header_index, hxl_index = _locate_header(rows[first:])
        columns, issues = header_issues(file, rows[first + header_index])
        hxl_tags: dict[str, str] = {}
        if hxl_index is not None:
            tags = rows[first + hxl_index]
            hxl_tags = {name: tags[i].strip() for i, name in enumerate(columns) if i < len(tags) and tags[i].strip()}
        skip = first + (hxl_index if hxl_index is not None else header_index) + 1
        staged = StagedSource(file=file, relation=relation, columns=columns, hxl_tags=hxl_tags, issues=issues)
        staged.notes.append(f"read as {encoding}, delimiter {delimiter!r}, data from line {skip + 1}")
        _read_into(duck, source, file, relation, columns, delimiter, skip, staged)
    rejected = frozenset(issue.row for issue in staged.issues if issue.row is not None)
    staged.row_map = lambda: data_line_numbers(path, encoding, delimiter, skip, len(columns), rejected)
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


def data_line_numbers(
    path: Path, encoding: str, delimiter: str, skip: int, width: int, rejected: frozenset[int]
) -> pa.Table | None:
    """Map staged rows to data rows (line in the file less the header lines) when blank or broken lines
    make them differ; None when they are the same. Only called when there are problems to report."""
    accepted: list[int] = []
    shifted = False
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        for _ in range(skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=delimiter)
        start = 1
        for record in reader:
            if record and len(record) == width and start not in rejected:
                accepted.append(start)
                shifted = shifted or start != len(accepted)
            else:
                shifted = True
            start = reader.line_num + 1
    if not shifted:
        return None
    return pa.table({"staged": pa.array(range(1, len(accepted) + 1), pa.int64()), "actual": accepted})


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
