"""Parsers for the files of a Flee case: one function per file, text in, table and issues out.

They check what one file can tell on its own (numbers, dates, row lengths); checks across files (a route to an
unknown location, a camp missing from data_layout.csv) live in `ruralmig.ingest.flee.read`. Rows are numbered
as data rows in the file: when the file starts with a header line (`#...`, `Date,...`), the line after it is
row 1; otherwise line 1 is row 1. Blank and comment lines keep their numbers.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ruralmig.displacement.case import CLOSURE_COLUMNS, LOCATION_COLUMNS, ROUTE_COLUMNS
from ruralmig.errors import Issue

__all__ = [
    "CsvLine",
    "ParsedTable",
    "is_known_location_type",
    "parse_closures",
    "parse_conflicts",
    "parse_data_layout",
    "parse_date",
    "parse_locations",
    "parse_registration_corrections",
    "parse_routes",
    "parse_series",
    "parse_sim_period",
    "split_csv",
]

# Column names as Flee's own files spell them (the table uses LOCATION_COLUMNS: lat, lon).
LOCATION_FILE_COLUMNS = ("name", "region", "country", "latitude", "longitude", "location_type", "conflict_date",
                         "population")  # fmt: skip
# Flee recognises location types by substring (`"camp" in location_type.lower()` and so on).
LOCATION_TYPE_WORDS = ("conflict", "town", "camp", "forward", "marker", "flood")
DATE_PATTERN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")  # what Flee's strptime("%Y-%m-%d") accepts
DATE_FORMAT_HINT = "is not a date in the form YYYY-MM-DD"


@dataclass(frozen=True)
class CsvLine:
    """One CSV record and the line of the file where it starts."""

    number: int
    fields: list[str]

    @property
    def is_blank(self) -> bool:
        return all(not value.strip() for value in self.fields)

    @property
    def is_comment(self) -> bool:
        return bool(self.fields) and self.fields[0].lstrip().startswith("#")


@dataclass
class ParsedTable:
    """A table read from one file, the data row number of each of its rows, and the problems found."""

    table: pd.DataFrame
    rows: list[int] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # table column -> column name as in the file
    issues: list[Issue] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # rows left out for an issue, raw


def split_csv(text: str, file: str) -> tuple[list[CsvLine], list[Issue]]:
    """Records of a CSV text (quotes handled as Python's csv module, which Flee uses too)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    lines: list[CsvLine] = []
    start = 1
    try:
        for fields in reader:
            lines.append(CsvLine(start, fields))
            start = reader.line_num + 1
    except csv.Error as error:
        return lines, [Issue(file, f"cannot be read as CSV: {error}", row=start)]
    return lines, []


def parse_date(text: str) -> date | None:
    match = DATE_PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _parse_float(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def is_known_location_type(location_type: str) -> bool:
    lowered = location_type.strip().lower()
    return any(word in lowered for word in LOCATION_TYPE_WORDS)


def _header_offset(lines: list[CsvLine]) -> int:
    return 1 if lines and lines[0].is_comment else 0


def _header_names(lines: list[CsvLine]) -> list[str] | None:
    """The first `#` line's names, without the `#`; None when the file has none."""
    for line in lines:
        if line.is_comment:
            first = line.fields[0].lstrip()[1:].strip()
            return [first, *(name.strip() for name in line.fields[1:])]
    return None


def _extra_columns(header: list[str] | None, fixed: Sequence[str], file: str, issues: list[Issue]) -> list[str]:
    """Attribute columns named in the header after the `fixed` columns Flee hard-codes."""
    extras = list(header[len(fixed) :]) if header else []
    while extras and not extras[-1]:
        extras.pop()  # a trailing comma on the header line
    taken = set(fixed)
    for position, name in enumerate(extras, start=len(fixed) + 1):
        if not name or name in taken:
            reason = "has no name in the header" if not name else "is a column name used twice in the header"
            issues.append(Issue(file, reason, column=name or str(position)))
            extras[position - len(fixed) - 1] = f"column_{position}"  # keeps the table's columns unique
        taken.add(extras[position - len(fixed) - 1])
    return extras


def _typed_frame(columns: dict[str, list[object]], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype=dtypes.get(name)) for name, values in columns.items()})


def _extras_as_numbers(values: list[str]) -> pd.Series:
    """An attribute column: numbers when every filled cell is one (empty -> NaN), text otherwise."""
    numbers = [_parse_float(value) if value.strip() else math.nan for value in values]
    if all(number is not None for number in numbers):
        return pd.Series(numbers, dtype="float64")
    return pd.Series(values, dtype="str")


def _records(
    lines: list[CsvLine], file: str, names: list[str], required: int, issues: list[Issue]
) -> list[tuple[int, list[str]]]:
    """Data records padded to len(names); short records and values past the named columns are issues."""
    offset = _header_offset(lines)
    records: list[tuple[int, list[str]]] = []
    for line in lines:
        if line.is_blank or line.is_comment:
            continue
        row, fields = line.number - offset, line.fields
        if len(fields) < required:
            issues.append(Issue(file, f"is missing; each row needs {required} values", row, names[len(fields)]))
            continue
        if any(value.strip() for value in fields[len(names) :]):
            issues.append(Issue(file, "has a value past the last named column", row, str(len(names) + 1)))
            continue
        records.append((row, fields[: len(names)] + [""] * (len(names) - len(fields))))
    return records


def parse_locations(text: str, file: str) -> ParsedTable:
    """locations.csv: `name,region,country,lat,lon,location_type,conflict_date,pop/cap[,attributes]`."""
    lines, issues = split_csv(text, file)
    header = _header_names(lines)
    extras = _extra_columns(header, LOCATION_COLUMNS, file, issues)
    shown = [header[i] if header and i < len(header) and header[i] else LOCATION_FILE_COLUMNS[i] for i in range(8)]
    names = dict(zip([*LOCATION_COLUMNS, *extras], [*shown, *extras], strict=True))
    columns: dict[str, list[object]] = {name: [] for name in names}
    rows: list[int] = []
    rejected: list[tuple[int, dict[str, str]]] = []
    for row, fields in _records(lines, file, list(names.values()), len(LOCATION_COLUMNS), issues):
        values = dict(zip(names, fields, strict=True))
        problems = len(issues)
        if not values["name"]:
            issues.append(Issue(file, "is empty; every location needs a name", row, names["name"]))
        coordinates: dict[str, float] = {}
        for key, limit in (("lat", 90.0), ("lon", 180.0)):
            number = _parse_float(values[key]) if values[key].strip() else 0.0  # Flee: empty -> 0.0
            if number is None or abs(number) > limit:
                reason = "is not a number" if number is None else f"is out of range (-{limit:g} to {limit:g})"
                issues.append(Issue(file, reason, row, names[key], values[key]))
            coordinates[key] = number or 0.0
        kind = values["location_type"]
        if not is_known_location_type(kind):
            allowed = "conflict_zone, town, camp, forwarding_hub, marker, idpcamp or flood_zone"
            issues.append(Issue(file, f"is not a location type ({allowed})", row, names["location_type"], kind))
        conflict_date: int | None = None
        if values["conflict_date"].strip():
            conflict_date = _parse_int(values["conflict_date"])
            if conflict_date is None:
                issues.append(Issue(file, "is not a whole number of days", row, names["conflict_date"],
                                    values["conflict_date"]))  # fmt: skip
        elif "conflict" in kind.lower():
            issues.append(Issue(file, "is empty; a conflict zone needs the day its conflict starts", row,
                                names["conflict_date"]))  # fmt: skip
        population = _parse_int(values["population"]) if values["population"].strip() else 0  # empty -> 0
        if population is None or population < 0:
            issues.append(Issue(file, "is not a whole number of 0 or more", row, names["population"],
                                values["population"]))  # fmt: skip
        if len(issues) > problems:
            rejected.append((row, values))
            continue
        rows.append(row)
        for key, value in values.items():
            columns[key].append(value)
        columns["lat"][-1], columns["lon"][-1] = coordinates["lat"], coordinates["lon"]
        columns["conflict_date"][-1], columns["population"][-1] = conflict_date, population
    dtypes = {"lat": "float64", "lon": "float64", "conflict_date": "Int64", "population": "int64"}
    table = _typed_frame({key: columns[key] for key in LOCATION_COLUMNS}, {**dtypes, "name": "str"})
    for extra in extras:
        table[extra] = _extras_as_numbers([str(value) for value in columns[extra]])
    return ParsedTable(table, rows, names, issues, rejected)


def parse_routes(text: str, file: str) -> ParsedTable:
    """routes.csv: `name1,name2,distance[,forced_redirection][,link attributes]`."""
    lines, issues = split_csv(text, file)
    header = _header_names(lines)
    extras = _extra_columns(header, ROUTE_COLUMNS, file, issues)
    shown = [header[i] if header and i < len(header) and header[i] else ROUTE_COLUMNS[i] for i in range(4)]
    names = dict(zip([*ROUTE_COLUMNS, *extras], [*shown, *extras], strict=True))
    columns: dict[str, list[object]] = {name: [] for name in names}
    rows: list[int] = []
    rejected: list[tuple[int, dict[str, str]]] = []
    for row, fields in _records(lines, file, list(names.values()), 3, issues):
        values = dict(zip(names, fields, strict=True))
        problems = len(issues)
        distance = _parse_float(values["distance"])
        if distance is None or distance <= 0:
            reason = "is not a number" if distance is None else "is not a distance above 0 km"
            issues.append(Issue(file, reason, row, names["distance"], values["distance"]))
        redirection = _parse_int(values["forced_redirection"]) if values["forced_redirection"].strip() else 0
        if redirection not in (0, 1, 2):
            issues.append(Issue(file, "is not 0, 1 or 2", row, names["forced_redirection"],
                                values["forced_redirection"]))  # fmt: skip
        if len(issues) > problems:
            rejected.append((row, values))
            continue
        rows.append(row)
        for key, value in values.items():
            columns[key].append(value)
        columns["distance"][-1], columns["forced_redirection"][-1] = distance, redirection
    dtypes = {"name1": "str", "name2": "str", "distance": "float64", "forced_redirection": "int64"}
    table = _typed_frame({key: columns[key] for key in ROUTE_COLUMNS}, dtypes)
    for extra in extras:
        table[extra] = _extras_as_numbers([str(value) for value in columns[extra]])
    return ParsedTable(table, rows, names, issues, rejected)


def parse_closures(text: str, file: str) -> ParsedTable:
    """closures.csv: `closure_type,name1,name2,closure_start,closure_end` (days; end -1 = never)."""
    lines, issues = split_csv(text, file)
    header = _header_names(lines) or []
    names = {key: header[i] if i < len(header) and header[i] else key for i, key in enumerate(CLOSURE_COLUMNS)}
    columns: dict[str, list[object]] = {name: [] for name in names}
    rows: list[int] = []
    rejected: list[tuple[int, dict[str, str]]] = []
    for row, fields in _records(lines, file, list(names.values()), len(CLOSURE_COLUMNS), issues):
        values = dict(zip(names, fields, strict=True))
        days = {key: _parse_int(values[key]) for key in ("closure_start", "closure_end")}
        bad = [key for key, day in days.items() if day is None]
        issues += [Issue(file, "is not a whole number of days", row, names[key], values[key]) for key in bad]
        if bad:
            rejected.append((row, values))
            continue
        rows.append(row)
        for key in names:
            columns[key].append(days.get(key, values[key]))
    dtypes = {"closure_start": "int64", "closure_end": "int64", "closure_type": "str", "name1": "str", "name2": "str"}
    return ParsedTable(_typed_frame(columns, dtypes), rows, names, issues, rejected)


def parse_conflicts(text: str, file: str) -> ParsedTable:
    """conflicts.csv: header `#Day,<loc>,...`, then one row per day from 0 (Flee reads the rows in order)."""
    lines, issues = split_csv(text, file)
    if not lines or not lines[0].fields:
        reason = "has no header line (#Day,<location>,...)"
        return ParsedTable(pd.DataFrame(index=pd.RangeIndex(0, name="day")), issues=[*issues, Issue(file, reason)])
    header = [name.strip() for name in lines[0].fields]
    day_name = header[0].lstrip("#").strip() or "Day"
    positions = {position: name for position, name in enumerate(header) if position > 0 and name}
    seen: set[str] = set()
    for name in positions.values():
        if name in seen:
            issues.append(Issue(file, "is named twice in the header", column=name))
        seen.add(name)
    width = max(positions, default=0) + 1
    values: list[list[float]] = []
    rows: list[int] = []
    for line in lines[1:]:
        if line.is_blank or line.is_comment:
            continue
        row, fields = line.number - 1, line.fields
        if len(fields) < width:
            issues.append(Issue(file, f"has {len(fields) - 1} values; the header names {len(positions)} locations",
                                row, positions.get(len(fields), day_name)))  # fmt: skip
            continue
        if any(value.strip() for position, value in enumerate(fields) if position >= width):
            issues.append(Issue(file, "has a value past the last named column", row, str(width + 1)))
            continue
        day: list[float] = []
        for position, name in positions.items():
            number = _parse_float(fields[position])
            if number is None:
                issues.append(Issue(file, "is not a number", row, name, fields[position].strip()))
            day.append(number or 0.0)
        rows.append(row)
        values.append(day)
    matrix = np.array(values, dtype="float64").reshape(len(values), len(positions))
    table = pd.DataFrame(matrix, columns=list(positions.values()), index=pd.RangeIndex(len(values), name="day"))
    return ParsedTable(table, rows, {"day": day_name}, issues)


def parse_sim_period(text: str, file: str) -> tuple[date | None, int | None, list[Issue]]:
    """sim_period.csv: `StartDate,YYYY-MM-DD` and `Length,<days>`, keys in any case."""
    lines, issues = split_csv(text, file)
    start: date | None = None
    length: int | None = None
    found: set[str] = set()
    for line in lines:
        if line.is_blank or line.is_comment:
            continue
        key = line.fields[0].strip()
        value = line.fields[1] if len(line.fields) > 1 else ""
        if key.lower() == "startdate":
            found.add("startdate")
            start = parse_date(value)
            if start is None:
                issues.append(Issue(file, DATE_FORMAT_HINT, line.number, key, value))
        elif key.lower() == "length":
            found.add("length")
            length = _parse_int(value)
            if length is None or length < 1:
                issues.append(Issue(file, "is not a whole number of days of 1 or more", line.number, key, value))
                length = None
    for key, shown in (("startdate", "StartDate"), ("length", "Length")):
        if key not in found:
            issues.append(Issue(file, f"has no {shown} line", column=shown))
    return start, length, issues


def parse_series(text: str, file: str) -> ParsedTable:
    """A data file of source_data/: lines `YYYY-MM-DD,count`, as Flee's ConvertCsvFileToNumPyTable reads them.

    The first line is skipped when it has fewer than two fields, an empty first field, the first field
    Date/DateTime or a `#`; later lines are skipped when they have fewer than two fields, start with `#` or have an
    empty count. Counts must be whole numbers (Flee reads them with int()).
    """
    lines, issues = split_csv(text, file)
    first = lines[0].fields if lines else []
    skipped = len(first) < 2 or not first[0] or first[0] in ("Date", "DateTime") or first[0].startswith("#")
    offset = 1 if lines and skipped else 0
    dates: list[date] = []
    counts: list[float] = []
    rows: list[int] = []
    for line in lines[offset:]:
        fields, row = line.fields, line.number - offset
        if len(fields) < 2 or line.is_comment or not fields[1].strip() or line.is_blank:
            continue
        day, count = parse_date(fields[0]), _parse_int(fields[1])
        if day is None:
            issues.append(Issue(file, DATE_FORMAT_HINT, row, "date", fields[0]))
        if count is None or count < 0:
            issues.append(Issue(file, "is not a whole number of 0 or more", row, "count", fields[1]))
        if day is None or count is None or count < 0:
            continue
        if dates and day < dates[-1]:
            issues.append(Issue(file, f"comes before the date of the row above ({dates[-1]})", row, "date", fields[0]))
            continue
        dates.append(day)
        counts.append(float(count))
        rows.append(row)
    if not dates and not issues:
        issues.append(Issue(file, "has no data lines (YYYY-MM-DD,count)"))
    return ParsedTable(observation_frame(dates, counts), rows, {"date": "date", "count": "count"}, issues)


def observation_frame(dates: list[date], counts: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": pd.Series(pd.to_datetime(dates), dtype="datetime64[ns]"), "count": pd.Series(counts, dtype="float64")}
    )


@dataclass(frozen=True)
class LayoutEntry:
    """One row of data_layout.csv: a camp (or `total`) and its data files, summed when there are several."""

    row: int
    name: str
    files: tuple[str, ...]


def parse_data_layout(text: str, file: str) -> tuple[list[LayoutEntry], list[Issue]]:
    """data_layout.csv: `total,refugees.csv`, then `<camp>,<file>[,<more files>]` (rows of one field are skipped)."""
    lines, issues = split_csv(text, file)
    entries: list[LayoutEntry] = []
    for line in lines:
        if len(line.fields) < 2 or line.is_comment or line.is_blank:
            continue
        files = tuple(name for name in line.fields[1:] if name.strip())  # trailing commas name no file
        if not files:
            issues.append(Issue(file, "names no data file", line.number, "file", line.fields[0]))
        if not entries and line.fields[0] != "total":
            issues.append(Issue(file, "must be `total` (Flee takes the first row as the total series)", line.number,
                                "name", line.fields[0]))  # fmt: skip
        elif any(entry.name == line.fields[0] for entry in entries):
            issues.append(Issue(file, "is listed twice", line.number, "name", line.fields[0]))
            continue
        entries.append(LayoutEntry(line.number, line.fields[0], files))
    if not entries and not issues:
        issues.append(Issue(file, "lists no data files; the first row must be total,refugees.csv"))
    return entries, issues


@dataclass(frozen=True)
class Correction:
    row: int
    camp: str
    day: date


def parse_registration_corrections(text: str, file: str) -> tuple[list[Correction], list[Issue]]:
    """registration_corrections.csv: `camp,YYYY-MM-DD[,ignored]`, fields optionally quoted."""
    lines, issues = split_csv(text, file)
    corrections: list[Correction] = []
    for line in lines:
        if len(line.fields) < 2 or line.is_comment or line.is_blank:
            continue
        day = parse_date(line.fields[1])
        if day is None:
            issues.append(Issue(file, DATE_FORMAT_HINT, line.number, "date", line.fields[1]))
        elif any(done.camp == line.fields[0] for done in corrections):
            issues.append(Issue(file, "has a second correction; give one per camp", line.number, "camp",
                                line.fields[0]))  # fmt: skip
        else:
            corrections.append(Correction(line.number, line.fields[0], day))
    return corrections, issues
