"""Fuzz the ingest readers with malformed files.

For every broken file: ingest raises InputError, each issue names the file, problems in data rows carry
the 1-based data row (row 1 = first row after the header) and the canonical column, and the workspace is
left exactly as it was (same row count, same ingest history). Valid generated rows, on the other hand,
are all written and read back unchanged.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ruralmig import Workspace
from ruralmig.errors import InputError, Issue
from ruralmig.model.codelists import iso3_table, pcode_table

# One workspace per test function, shared by its examples: a rejected file must not change it anyway.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FEW = settings(FUZZ, max_examples=8)

HEADER = ["area_id", "period", "indicator", "value"]
AREA_CODES = ("AFG", "KEN", "AF01", "AF0101", "SOM")
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
SEED = [["AFG", "2019", "seed_a", "1", "seed"], ["KEN", "2019-Q2", "seed_b", "2.5", "seed"]]
FORMULA_REASON = "looks like a spreadsheet formula"
# Spellings of "missing" that ingest reads as NULL (compared case-insensitively here, to stay clear of them).
MISSING_MARKERS = frozenset(m.lower() for m in ("", "NA", "N/A", "n/a", "NULL", "null", "#N/A", "NaN", "nan", ".."))

Row = list[str]
# Small inputs for explicit examples: they run first, so a known bug fails fast, without a long shrink.
ONE_ROW: list[Row] = [["AFG", "2020", "a", "1.0"]]
TWO_ROWS: list[Row] = [["AFG", "2020", "a", "1.0"], ["KEN", "2020-Q1", "b", "2.0"]]


# --- strategies -----------------------------------------------------------------------------------------

years = st.integers(min_value=1950, max_value=2100)
periods = st.one_of(
    years.map(str),
    st.builds(lambda y, m: f"{y}-{m:02d}", years, st.integers(1, 12)),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
    st.builds(lambda y, q: f"{y}-Q{q}", years, st.integers(1, 4)),
)
indicator_names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(lambda s: s not in MISSING_MARKERS)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def valid_tables(draw: st.DrawFn, min_size: int = 1, max_size: int = 6) -> list[Row]:
    """Rows of (area_id, period, indicator, value) text with unique keys."""
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(AREA_CODES), periods, indicator_names, finite_floats),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda r: (r[0], r[1], r[2]),
        )
    )
    return [[area, period, indicator, repr(value)] for area, period, indicator, value in rows]


@st.composite
def table_and_row(draw: st.DrawFn, max_size: int = 6) -> tuple[list[Row], int]:
    """A valid table and the index of the row to break."""
    table = draw(valid_tables(max_size=max_size))
    return table, draw(st.integers(0, len(table) - 1))


@st.composite
def table_and_two_rows(draw: st.DrawFn) -> tuple[list[Row], int, int]:
    """A valid table of two rows or more, and two row indexes, the first before the second."""
    table = draw(valid_tables(min_size=2))
    first = draw(st.integers(0, len(table) - 2))
    return table, first, draw(st.integers(first + 1, len(table) - 1))


@st.composite
def table_row_and_insertion(draw: st.DrawFn) -> tuple[list[Row], int, int]:
    """A valid table, the index of one of its rows, and a later index to insert a copy of that row at."""
    table = draw(valid_tables())
    earlier = draw(st.integers(0, len(table) - 1))
    return table, earlier, draw(st.integers(earlier + 1, len(table)))


non_numbers = st.one_of(
    st.sampled_from(["abc", "1,5", "12abc", "1.2.3", "one", "1 000", "$5", "5%", "Infinity", "inf", "1e999"]),
    st.from_regex(r"[A-Za-z][A-Za-z %$]{0,10}", fullmatch=True),
).filter(lambda s: s.strip().lower() not in MISSING_MARKERS)

bad_periods = st.one_of(
    st.sampled_from(
        [
            *("31/12/2020", "2020-13", "2020-00", "2020-Q5", "2020-Q0", "20201", "2020-1", "2020-03-32", "12/2020"),
            *("Q1 2020", "2020/13", "March 2020", "2020-3-1", "2020-03-31T00:00"),
        ]
    ),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.builds(lambda y, m: f"{y}-{m:02d}", years, st.integers(13, 99)),
)

impossible_dates = st.one_of(
    st.builds(lambda y, d: f"{y}-02-{d}", years, st.sampled_from([30, 31])),
    st.builds(lambda y, m: f"{y}-{m:02d}-31", years, st.sampled_from([4, 6, 9, 11])),
    years.filter(lambda y: not calendar.isleap(y)).map(lambda y: f"{y}-02-29"),
)

KNOWN_AREAS = frozenset(iso3_table().column("iso3").to_pylist()) | frozenset(pcode_table().column("pcode").to_pylist())
unknown_area_codes = st.one_of(
    st.sampled_from(["ZZZ", "XXX", "QQQ", "XX99", "ZZ01", "XX0101"]),
    st.from_regex(r"[A-Z]{3}|[A-Z]{2}[0-9]{2,6}", fullmatch=True),
).filter(lambda code: code not in KNOWN_AREAS)


def _parses_as_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


formula_cells = st.one_of(
    st.sampled_from(['=HYPERLINK("x")', "@SUM(A1)", "+cmd", "-cmd", "=1+1", "-2+3+cmd|' /C calc'!A0"]),
    st.builds(
        lambda prefix, body: prefix + body,
        st.sampled_from("=@+-"),
        st.from_regex(r"[A-Za-z(][A-Za-z0-9()\"!|' ]{0,12}", fullmatch=True),
    ).filter(lambda cell: not _parses_as_float(cell)),
)
text_columns = st.sampled_from(["indicator", "unit", "source"])


def invalid_utf8(junk: bytes) -> bool:
    try:
        junk.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


high_bytes = st.lists(st.integers(0x80, 0xFF), min_size=1, max_size=3).map(bytes).filter(invalid_utf8)


# --- files -----------------------------------------------------------------------------------------------


def unique_tag() -> str:
    return f"fuzz-{uuid.uuid4().hex[:12]}"


def fresh_source() -> dict[str, str]:
    """A new `source` for every attempt, so a file wrongly accepted cannot turn later examples into key conflicts."""
    return {"source": unique_tag()}


def write_csv(path: Path, rows: Sequence[Sequence[str]], delimiter: str = ",", newline: str = "\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def write_bytes_rows(path: Path, rows: Sequence[Sequence[bytes]], newline: bytes = b"\n") -> Path:
    """A comma-separated file from raw byte cells (no quoting: the cells hold no comma, quote or newline)."""
    path.write_bytes(b"".join(b",".join(row) + newline for row in rows))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Data") -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(list(row))
    for line in worksheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, not a formula
    workbook.save(path)
    return path


def write_parquet(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    header, data = rows[0], rows[1:]
    columns = {name: pa.array([row[i] for row in data], pa.string()) for i, name in enumerate(header)}
    pq.write_table(pa.table(columns), path)
    return path


def write_geojson(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    header, data = rows[0], rows[1:]
    features = [
        {"type": "Feature", "properties": dict(zip(header, row, strict=True)), "geometry": None} for row in data
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def write_table(folder: Path, stem: str, suffix: str, rows: Sequence[Sequence[str]]) -> Path:
    path = folder / f"{stem}{suffix}"
    if suffix == ".xlsx":
        return write_xlsx(path, rows)
    if suffix == ".parquet":
        return write_parquet(path, rows)
    if suffix == ".geojson":
        return write_geojson(path, rows)
    return write_csv(path, rows, delimiter="\t" if suffix == ".tsv" else ",")


# --- checks ----------------------------------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace holding a few valid indicator rows, so that 'unchanged' is not trivially 'empty'."""
    with Workspace.init(tmp_path / "ws") as workspace:
        workspace.ingest("indicators", write_csv(tmp_path / "seed.csv", [[*HEADER, "source"], *SEED]))
        yield workspace


def state(ws: Workspace) -> tuple[int, int]:
    return ws.count("indicators"), len(ws.history())


def names_file(issue: Issue, path: Path) -> bool:
    if path.suffix.lower() in SPREADSHEETS:
        return issue.file == path.name or issue.file.startswith(f"{path.name} [")
    return issue.file == path.name


def rejected(ws: Workspace, path: Path, **options: Any) -> InputError:
    """Ingest `path`, expecting an InputError whose issues all name the file and a workspace left unchanged."""
    before = state(ws)
    with pytest.raises(InputError) as caught:
        ws.ingest("indicators", path, **options)
    error = caught.value
    assert state(ws) == before, f"a rejected ingest changed the workspace (rows, ingests): {before} -> {state(ws)}"
    assert error.issues, "an InputError must list at least one issue"
    strangers = [issue for issue in error.issues if not names_file(issue, path)]
    assert not strangers, f"issues that do not name {path.name!r}: {strangers}"
    return error


def assert_reported(error: InputError, row: int | None, column: str | None, reason: str) -> None:
    found = [
        issue
        for issue in error.issues
        if issue.row == row and issue.column == column and reason.lower() in issue.reason.lower()
    ]
    assert found, f"expected an issue at row {row}, column {column!r} saying {reason!r}; got:\n{error}"


def assert_rows_reported(error: InputError, rows: set[int]) -> None:
    """Only the broken rows are blamed (valid rows around them are not)."""
    reported = {issue.row for issue in error.issues if issue.row is not None}
    assert reported == rows, f"expected issues at data rows {sorted(rows)}, got {sorted(reported)}:\n{error}"


def copy_rows(table: Sequence[Sequence[str]]) -> list[Row]:
    return [list(row) for row in table]


# --- broken encodings ------------------------------------------------------------------------------------


@FUZZ
@given(case=table_and_row(), column=st.integers(0, len(HEADER) - 1), junk=high_bytes, crlf=st.booleans())
def test_invalid_utf8_bytes_in_a_data_row_are_reported_at_that_row_and_column(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], column: int, junk: bytes, crlf: bool
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[0][2] += "é"  # real UTF-8 elsewhere in the file, so it is read as (broken) UTF-8, not as cp1252
    cells = [[cell.encode("utf-8") for cell in row] for row in [HEADER, *table]]
    cells[bad + 1][column] += junk
    path = write_bytes_rows(tmp_path / "broken_utf8.csv", cells, newline=b"\r\n" if crlf else b"\n")

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, HEADER[column], "utf-8")
    assert_rows_reported(error, {bad + 1})


def test_invalid_utf8_rejection_tells_the_user_to_give_the_encoding(seeded: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "latin_bytes.csv"
    path.write_bytes(b"area_id,period,indicator,value\nAFG,2021,caf\xc3\xa9,1\nKEN,2021,b\xff,2\n")

    error = rejected(seeded, path, constants=fresh_source())

    [issue] = [issue for issue in error.issues if issue.row == 2]
    assert "--encoding" in issue.reason, issue.reason


# --- ragged rows -----------------------------------------------------------------------------------------


@FUZZ
@given(
    case=table_and_row(),
    change=st.integers(-3, 3).filter(lambda n: n != 0),
    suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_row_with_too_many_or_too_few_fields_is_reported_at_its_data_row(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], change: int, suffix: str, newline: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad] = table[bad] + ["extra"] * change if change > 0 else table[bad][:change]
    delimiter = "\t" if suffix == ".tsv" else ","
    path = write_csv(tmp_path / f"ragged{suffix}", [HEADER, *table], delimiter=delimiter, newline=newline)

    error = rejected(seeded, path, constants=fresh_source())

    if change > 0:
        assert_reported(error, bad + 1, None, "too many fields")
    else:
        assert_reported(error, bad + 1, HEADER[len(HEADER) + change], "too few fields")
    assert_rows_reported(error, {bad + 1})


@FEW
@example(case=(TWO_ROWS, 0, 1), broken="too many fields")
@given(case=table_and_two_rows(), broken=st.sampled_from(["too many fields", "too few fields", "invalid utf-8"]))
def test_rows_after_a_structurally_broken_row_keep_their_data_row_number(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int, int], broken: str
) -> None:
    table, first, later = case
    cells = [[cell.encode("utf-8") for cell in row] for row in [HEADER, *table]]
    cells[1][2] += "é".encode()  # so that a stray byte makes the file broken UTF-8, not cp1252
    if broken == "too many fields":
        cells[first + 1].append(b"extra")
    elif broken == "too few fields":
        cells[first + 1] = cells[first + 1][:2]
    else:
        cells[first + 1][2] += b"\xff"
    cells[later + 1][3] = b"not-a-number"
    path = write_bytes_rows(tmp_path / "broken_then_bad.csv", cells)

    error = rejected(seeded, path, constants=fresh_source())

    assert any(issue.row == first + 1 for issue in error.issues), f"row {first + 1} is not reported:\n{error}"
    assert_reported(error, later + 1, "value", "is not a number")


def test_a_blank_line_counts_the_same_for_structural_and_value_problems(seeded: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "blank_line.csv"
    path.write_text(
        "area_id,period,indicator,value\nAFG,2021,a,1\n\nKEN,2021,b,not-a-number\nSOM,2021,c,1,extra\n",
        encoding="utf-8",
    )

    error = rejected(seeded, path, constants=fresh_source())

    [ragged] = [issue for issue in error.issues if "too many fields" in issue.reason]
    [bad_value] = [issue for issue in error.issues if issue.reason == "is not a number"]
    assert ragged.row is not None
    assert bad_value.row == ragged.row - 1, f"the row before the ragged row {ragged.row} is reported as {bad_value.row}"


# --- wrong types -----------------------------------------------------------------------------------------


@FUZZ
@given(case=table_and_row(), value=non_numbers, suffix=st.sampled_from([".csv", ".tsv", ".xlsx"]))
def test_non_numeric_value_is_reported_at_its_row_in_column_value(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], value: str, suffix: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad][3] = value
    path = write_table(tmp_path, "bad_value", suffix, [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "value", "is not a number")
    assert_rows_reported(error, {bad + 1})


@FUZZ
@given(case=table_and_row(), period=bad_periods, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_malformed_period_is_reported_at_its_row_in_column_period(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], period: str, suffix: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad][1] = period
    path = write_table(tmp_path, "bad_period", suffix, [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "period", "is not an ISO 8601 period")
    assert_rows_reported(error, {bad + 1})


@FEW
@example(case=(ONE_ROW, 0), period="2021-02-30")
@given(case=table_and_row(), period=impossible_dates)
def test_period_on_a_day_the_calendar_does_not_have_is_rejected(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], period: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad][1] = period
    path = write_csv(tmp_path / "impossible_date.csv", [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "period", "is not an ISO 8601 period")


# --- header problems -------------------------------------------------------------------------------------


@FUZZ
@given(
    table=valid_tables(),
    missing=st.sampled_from(["area_id", "period", "indicator"]),
    renamed=st.booleans(),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_file_without_a_required_column_names_that_column(
    seeded: Workspace, tmp_path: Path, table: list[Row], missing: str, renamed: bool, suffix: str
) -> None:
    position = HEADER.index(missing)
    if renamed:
        rows = [[name if name != missing else "comment_text" for name in HEADER], *table]
    else:
        rows = [[cell for i, cell in enumerate(row) if i != position] for row in [HEADER, *table]]
    path = write_table(tmp_path, "missing_column", suffix, rows)

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, None, missing, "has no column for the required")


@FUZZ
@given(
    table=valid_tables(),
    duplicated=st.sampled_from(HEADER),
    padding=st.sampled_from(["", " ", "  "]),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_header_naming_a_column_twice_is_reported_with_that_column(
    seeded: Workspace, tmp_path: Path, table: list[Row], duplicated: str, padding: str, suffix: str
) -> None:
    position = HEADER.index(duplicated)
    rows = [[*HEADER, f"{padding}{duplicated}{padding}"], *([*row, row[position]] for row in table)]
    path = write_table(tmp_path, "duplicate_header", suffix, rows)

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, None, duplicated, "appears twice in the header")


@FEW
@example(table=ONE_ROW, duplicated="value", spelling=str.upper, suffix=".csv")
@example(table=ONE_ROW, duplicated="value", spelling=str.upper, suffix=".xlsx")
@given(
    table=valid_tables(),
    duplicated=st.sampled_from(HEADER),
    spelling=st.sampled_from([str.upper, str.title]),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_header_naming_a_column_twice_in_different_case_is_reported_with_that_column(
    seeded: Workspace,
    tmp_path: Path,
    table: list[Row],
    duplicated: str,
    spelling: Callable[[str], str],
    suffix: str,
) -> None:
    position = HEADER.index(duplicated)
    rows = [[*HEADER, spelling(duplicated)], *([*row, row[position]] for row in table)]
    path = write_table(tmp_path, "duplicate_header_case", suffix, rows)

    error = rejected(seeded, path, constants=fresh_source())

    twice = [i for i in error.issues if "twice" in i.reason and (i.column or "").lower() == duplicated]
    assert twice, f"expected a header issue naming {duplicated!r}; got:\n{error}"


# --- keys and codes --------------------------------------------------------------------------------------


@FUZZ
@given(case=table_row_and_insertion(), padded=st.booleans(), new_value=finite_floats)
def test_repeated_key_is_reported_at_the_later_row_naming_the_earlier_one(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int, int], padded: bool, new_value: float
) -> None:
    table, earlier, later = copy_rows(case[0]), case[1], case[2]
    area, period, indicator, _ = table[earlier]
    copy = [f" {area} ", f" {period}", f"{indicator} ", repr(new_value)] if padded else [area, period, indicator, "0"]
    table.insert(later, copy)
    path = write_csv(tmp_path / "duplicate_key.csv", [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(
        error, later + 1, None, f"repeats the key (area_id, period, indicator, source) of row {earlier + 1}"
    )
    assert_rows_reported(error, {later + 1})


@FUZZ
@given(case=table_and_row(), code=unknown_area_codes, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_unknown_iso3_code_or_pcode_is_reported_at_its_row_in_column_area_id(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], code: str, suffix: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad][0] = code
    path = write_table(tmp_path, "unknown_area", suffix, [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "area_id", "is not a known area")
    assert_rows_reported(error, {bad + 1})


# --- empty and header-only files -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".parquet", ".geojson", ".json"])
def test_zero_byte_file_is_rejected_as_empty(seeded: Workspace, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")

    error = rejected(seeded, path)

    assert_reported(error, None, None, "is empty")


@FUZZ
@given(
    header=st.permutations(HEADER),
    ending=st.sampled_from(["", "\n", "\r\n", "\n\n\n", "\r\n\r\n"]),
    suffix=st.sampled_from([".csv", ".tsv", ".txt"]),
)
def test_header_only_text_file_is_rejected_for_having_no_data_rows(
    seeded: Workspace, tmp_path: Path, header: list[str], ending: str, suffix: str
) -> None:
    delimiter = "\t" if suffix == ".tsv" else ","
    path = tmp_path / f"header_only{suffix}"
    path.write_bytes((delimiter.join(header) + ending).encode("utf-8"))

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, None, None, "has no data rows")


@FEW
@given(header=st.permutations(HEADER), blank_rows=st.integers(0, 3))
def test_header_only_spreadsheet_is_rejected_for_having_no_data_rows(
    seeded: Workspace, tmp_path: Path, header: list[str], blank_rows: int
) -> None:
    path = write_xlsx(tmp_path / "header_only.xlsx", [header, *([None] * len(header) for _ in range(blank_rows))])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, None, None, "has no data rows")


@FEW
@example(table=ONE_ROW, blank_rows=1, suffix=".xlsx")
@given(table=valid_tables(), blank_rows=st.integers(1, 3), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_blank_rows_above_the_header_are_skipped_as_a_spreadsheet_user_expects(
    seeded: Workspace, tmp_path: Path, table: list[Row], blank_rows: int, suffix: str
) -> None:
    if suffix == ".csv":
        path = write_csv(tmp_path / "blank_first_row.csv", [HEADER, *table])
        path.write_text("\n" * blank_rows + path.read_text(encoding="utf-8"), encoding="utf-8")
    else:
        blank = [[None] * len(HEADER) for _ in range(blank_rows)]
        path = write_xlsx(tmp_path / "blank_first_row.xlsx", [*blank, HEADER, *table])
    before = seeded.count("indicators")

    result = seeded.ingest("indicators", path, constants=fresh_source())

    assert result.rows == len(table)
    assert seeded.count("indicators") == before + len(table)


@FEW
@given(blank_rows=st.integers(0, 3), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_a_file_of_blank_rows_is_rejected_for_having_no_header(
    seeded: Workspace, tmp_path: Path, blank_rows: int, suffix: str
) -> None:
    if suffix == ".csv":
        path = tmp_path / "blank.csv"
        path.write_text("\n" * (blank_rows + 1) + " , ,\n", encoding="utf-8")
    else:
        path = write_xlsx(tmp_path / "blank.xlsx", [[None, None, None] for _ in range(blank_rows + 1)])

    error = rejected(seeded, path)

    assert error.issues[0].row is None, "a missing header is a problem of the file, not of a data row"
    assert "no header" in error.issues[0].reason or "is empty" in error.issues[0].reason


# --- huge fields and formulas ----------------------------------------------------------------------------


def rows_with_source(table: list[Row], tag: str) -> list[Row]:
    return [[*HEADER, "unit", "source"], *([*row, "persons", tag] for row in table)]


@FUZZ
@given(
    case=table_and_row(),
    column=text_columns,
    length=st.integers(4097, 9000),
    letter=st.sampled_from(["x", "é", "中"]),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_field_longer_than_4096_characters_is_reported_at_its_row_and_column(
    seeded: Workspace,
    tmp_path: Path,
    case: tuple[list[Row], int],
    column: str,
    length: int,
    letter: str,
    suffix: str,
) -> None:
    table, bad = case
    rows = rows_with_source(table, unique_tag())
    rows[bad + 1][rows[0].index(column)] = letter * length
    path = write_table(tmp_path, "huge_field", suffix, rows)

    error = rejected(seeded, path)

    assert_reported(error, bad + 1, column, "is longer than 4,096")
    assert_rows_reported(error, {bad + 1})


def test_field_of_exactly_4096_characters_is_accepted(seeded: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "longest_field.csv", [HEADER, ["AFG", "2021", "x" * 4096, "1"]])
    rows, ingests = state(seeded)

    result = seeded.ingest("indicators", path, constants=fresh_source())

    assert result.rows == 1
    assert state(seeded) == (rows + 1, ingests + 1)


@FUZZ
@given(case=table_and_row(), column=text_columns, cell=formula_cells, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_formula_looking_text_is_reported_at_its_row_and_column(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], column: str, cell: str, suffix: str
) -> None:
    table, bad = case
    rows = rows_with_source(table, unique_tag())
    rows[bad + 1][rows[0].index(column)] = cell
    path = write_table(tmp_path, "formula", suffix, rows)

    error = rejected(seeded, path)

    assert_reported(error, bad + 1, column, FORMULA_REASON)
    assert_rows_reported(error, {bad + 1})


@FEW
@given(
    case=table_and_row(),
    column=text_columns,
    cell=st.sampled_from(['=HYPERLINK("x")', "@SUM(A1)", "+cmd", "-cmd"]),
    spaces=st.sampled_from([" ", "  ", "\u00a0"]),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_formula_behind_leading_spaces_is_reported_since_the_spaces_are_trimmed_away(
    seeded: Workspace,
    tmp_path: Path,
    case: tuple[list[Row], int],
    column: str,
    cell: str,
    spaces: str,
    suffix: str,
) -> None:
    table, bad = case
    rows = rows_with_source(table, unique_tag())
    rows[bad + 1][rows[0].index(column)] = spaces + cell
    path = write_table(tmp_path, "spaced_formula", suffix, rows)

    error = rejected(seeded, path)

    assert_reported(error, bad + 1, column, FORMULA_REASON)


# --- row numbers in every reader -------------------------------------------------------------------------


@FUZZ
@given(
    case=table_and_row(),
    value=non_numbers,
    suffix=st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet", ".geojson"]),
)
def test_every_reader_reports_a_bad_value_at_its_data_row(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], value: str, suffix: str
) -> None:
    table, bad = copy_rows(case[0]), case[1]
    table[bad][3] = value
    path = write_table(tmp_path, "any_reader", suffix, [HEADER, *table])

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "value", "is not a number")
    assert_rows_reported(error, {bad + 1})


@FUZZ
@given(case=table_and_row(), value=non_numbers)
def test_openpyxl_workbook_with_numbers_and_one_bad_value_names_sheet_and_data_row(
    seeded: Workspace, tmp_path: Path, case: tuple[list[Row], int], value: str
) -> None:
    table, bad = case
    rows: list[list[object]] = [list(HEADER)]
    for index, (area, period, indicator, number) in enumerate(table):
        rows.append([area, period, indicator, value if index == bad else float(number)])
    path = write_xlsx(tmp_path / "numbers.xlsx", rows, sheet="Indicators")

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, bad + 1, "value", "is not a number")
    assert all(issue.file == "numbers.xlsx [Indicators]" for issue in error.issues), error


def test_spreadsheet_blank_row_counts_the_same_for_every_problem(seeded: Workspace, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        list(HEADER),
        ["AFG", "2021", "a", 1.0],
        [None, None, None, None],
        ["KEN", "2021", "b", "not-a-number"],
        ["SOM", "2021", "c", 2.0, "right of the header"],
    ]
    path = write_xlsx(tmp_path / "blank_row.xlsx", rows)

    error = rejected(seeded, path, constants=fresh_source())

    assert_reported(error, 4, None, "has values to the right of the last named column")
    assert_reported(error, 3, "value", "is not a number")


# --- valid rows ------------------------------------------------------------------------------------------

TRUE_FLAGS = ("true", "yes", "1")


@FUZZ
@given(
    table=valid_tables(max_size=8),
    data=st.data(),
    suffix=st.sampled_from([".csv", ".tsv", ".xlsx"]),
)
def test_valid_rows_are_all_written_and_read_back_unchanged(
    seeded: Workspace, tmp_path: Path, table: list[Row], data: st.DataObject, suffix: str
) -> None:
    size = len(table)
    units = data.draw(st.lists(st.sampled_from(["persons", "percent", "USD (2020)", ""]), min_size=size, max_size=size))
    flags = data.draw(st.lists(st.sampled_from(["true", "false", "yes", "no", "1", "0"]), min_size=size, max_size=size))
    tag = unique_tag()
    rows = [[*HEADER, "unit", "imputed", "source"]]
    rows += [[*row, unit, flag, tag] for row, unit, flag in zip(table, units, flags, strict=True)]
    path = write_table(tmp_path, "valid", suffix, rows)
    count, ingests = state(seeded)

    result = seeded.ingest("indicators", path)

    assert result.rows == size
    assert state(seeded) == (count + size, ingests + 1)
    frame = seeded.read("indicators")
    mine = frame[frame["source"] == tag]
    expected = sorted(
        (area, period, indicator, float(value), unit or None, flag in TRUE_FLAGS)
        for (area, period, indicator, value), unit, flag in zip(table, units, flags, strict=True)
    )
    actual = sorted(
        (row.area_id, row.period, row.indicator, row.value, None if pd.isna(row.unit) else row.unit, row.imputed)
        for row in mine.itertuples()
    )
    assert actual == expected


def test_rows_without_a_source_column_get_the_declared_default_source(seeded: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "no_source.csv", [HEADER, ["SOM", "2022-03", "default_source_probe", "4"]])

    seeded.ingest("indicators", path)

    frame = seeded.read("indicators")
    [source] = frame.loc[frame["indicator"] == "default_source_probe", "source"].tolist()
    assert source == "", f"the model declares source default '' but the row holds {source!r}"
