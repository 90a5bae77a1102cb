"""Read a Flee case folder (`input_csv/`, `source_data/`, optional `simsetting.yml`) into a DisplacementCase.

Every file is checked and every problem is collected before one InputError is raised: a case is returned
whole or not at all. The raw text of each file read is kept in `case.files` for lossless writing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.settings import SimSettings
from ruralmig.errors import DataQualityWarning, InputError, Issue
from ruralmig.ingest.flee.parse import (
    LayoutEntry,
    ParsedTable,
    observation_frame,
    parse_closures,
    parse_conflicts,
    parse_data_layout,
    parse_locations,
    parse_registration_corrections,
    parse_routes,
    parse_series,
    parse_sim_period,
)

__all__ = ["SETTINGS_FILE", "read_case", "sum_series"]

INPUT_FOLDER = "input_csv"
SOURCE_FOLDER = "source_data"
SETTINGS_FILE = "simsetting.yml"
REQUIRED_INPUTS = ("locations.csv", "routes.csv", "closures.csv", "conflicts.csv", "sim_period.csv")
CORRECTIONS_FILE = "registration_corrections.csv"
LAYOUT_FILE = "data_layout.csv"
# Inputs Flee reads that this reader keeps as raw text only (they would change a Flee run).
UNSUPPORTED_INPUTS = ("major_routes.csv", "flood_level.csv", "agents.csv", "region_attributes_",
                      "location_attributes_", "demographics_")  # fmt: skip
# Closure types -> how many of name1, name2 must be locations ("country" names countries instead).
CLOSURE_NAMES = {"location": 1, "camp": 1, "idpcamp": 1, "link": 2, "drop_link": 2, "remove_forced_redirection": 2,
                 "country": 0}  # fmt: skip
NO_CONFLICT = 1e-6  # Flee's threshold for "no conflict"


@dataclass
class _Reading:
    """What has been read so far: raw texts by relative path, and every problem found."""

    folder: Path
    files: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def text(self, relative: str, *, required: bool = True, cited_by: Issue | None = None) -> str | None:
        """The file's text, kept in `files`; a missing or undecodable file is an issue unless not `required`."""
        path = self.folder / relative
        if not path.is_file():
            if cited_by is not None:
                self.issues.append(cited_by)
            elif required:
                self.issues.append(Issue(relative, "is missing; a Flee case needs it"))
            return None
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            if required or cited_by is not None:
                self.issues.append(Issue(relative, f"is not UTF-8 text (byte {error.start})"))
            return None
        self.files[relative] = text
        return text

    def add(self, parsed: ParsedTable) -> ParsedTable:
        self.issues += parsed.issues
        return parsed


def read_case(folder: Path, *, settings: Path | None = None, name: str | None = None) -> DisplacementCase:
    """Read a Flee case: `folder/input_csv/`, `folder/source_data/` and `folder/simsetting.yml` if present.

    `settings` names another simsetting.yml; `name` defaults to the folder's name. Raises InputError naming
    the file, row and column of every problem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Issue(str(folder), "is not a folder"))
    reading = _Reading(folder)
    texts = {file: reading.text(f"{INPUT_FOLDER}/{file}") for file in REQUIRED_INPUTS}
    corrections_text = reading.text(f"{INPUT_FOLDER}/{CORRECTIONS_FILE}", required=False)
    _warn_unsupported(_keep_other_files(reading, INPUT_FOLDER))

    start, length = None, None
    if texts["sim_period.csv"] is not None:
        start, length, period_issues = parse_sim_period(texts["sim_period.csv"], f"{INPUT_FOLDER}/sim_period.csv")
        reading.issues += period_issues
    locations = _parsed(reading, texts["locations.csv"], "locations.csv", parse_locations)
    routes = _parsed(reading, texts["routes.csv"], "routes.csv", parse_routes)
    closures = _parsed(reading, texts["closures.csv"], "closures.csv", parse_closures)
    conflicts = _parsed(reading, texts["conflicts.csv"], "conflicts.csv", parse_conflicts)

    known = _check_locations(reading, locations) if texts["locations.csv"] is not None else None
    if known is not None:
        countries = {values["country"] for _, values in _all_rows(locations)}
        _check_routes(reading, routes, known)
        _check_closures(reading, closures, known, countries)
        if texts["conflicts.csv"] is not None:
            _check_conflicts(reading, conflicts, known, length)
    camp_types = _camp_types(locations) if known is not None else None
    observations, total, listed = _read_source_data(reading, camp_types)
    corrections: dict[str, date] = {}
    if corrections_text is not None:
        corrections = _check_corrections(reading, corrections_text, observations, listed)
    case_settings = _read_settings(reading, settings)

    if reading.issues or start is None or length is None:
        raise InputError(reading.issues or [Issue(f"{INPUT_FOLDER}/sim_period.csv", "could not be read")])
    return DisplacementCase(
        name=name or folder.resolve().name,
        start_date=start,
        length=length,
        locations=locations.table,
        routes=routes.table,
        closures=closures.table,
        conflicts=conflicts.table,
        observations=observations,
        total_observations=total,
        registration_corrections=corrections,
        settings=case_settings,
        files=reading.files,
    )


def _parsed(reading: _Reading, text: str | None, file: str, parse: Callable[[str, str], ParsedTable]) -> ParsedTable:
    if text is None:
        return ParsedTable(pd.DataFrame())
    return reading.add(parse(text, f"{INPUT_FOLDER}/{file}"))


def _keep_other_files(reading: _Reading, subfolder: str) -> list[str]:
    """Keep the raw text of the folder's other CSV files, so that writing the case loses nothing."""
    kept = []
    for path in sorted((reading.folder / subfolder).glob("*.csv")):
        relative = f"{subfolder}/{path.name}"
        if relative not in reading.files and reading.text(relative, required=False) is not None:
            kept.append(path.name)
    return kept


def _warn_unsupported(names: list[str]) -> None:
    unsupported = [name for name in names if name.startswith(UNSUPPORTED_INPUTS)]
    if unsupported:
        message = f"{INPUT_FOLDER}: {', '.join(unsupported)} change a Flee run but are not used here; kept as text"
        warnings.warn(message, DataQualityWarning, stacklevel=3)


def _check_locations(reading: _Reading, locations: ParsedTable) -> set[str]:
    file = f"{INPUT_FOLDER}/locations.csv"
    seen: dict[str, int] = {}
    for row, name in zip(locations.rows, locations.table["name"], strict=True):
        if name in seen:
            reason = f"is a location name already used on row {seen[name]}"
            reading.issues.append(Issue(file, reason, row, locations.names["name"], name))
        seen.setdefault(name, row)
    return set(seen) | {values["name"] for _, values in locations.rejected}  # no cascade from rejected rows


def _unknown(reading: _Reading, file: str, row: int, column: str, value: str) -> None:
    reading.issues.append(Issue(file, "is not a location in input_csv/locations.csv", row, column, value))


def _check_routes(reading: _Reading, routes: ParsedTable, known: set[str]) -> None:
    file = f"{INPUT_FOLDER}/routes.csv"
    for row, values in _all_rows(routes):
        for key in ("name1", "name2"):
            if values[key] not in known:
                _unknown(reading, file, row, routes.names[key], values[key])


def _all_rows(parsed: ParsedTable) -> list[tuple[int, dict[str, str]]]:
    """Every data row, also those left out for another issue, as text by table column, in file order."""
    frame = parsed.table.astype("str")
    rows = [(row, dict(zip(frame.columns, values, strict=True))) for row, values in
            zip(parsed.rows, frame.itertuples(index=False, name=None), strict=True)]  # fmt: skip
    return sorted(rows + parsed.rejected, key=lambda pair: pair[0])


def _check_closures(reading: _Reading, closures: ParsedTable, known: set[str], countries: set[str]) -> None:
    file = f"{INPUT_FOLDER}/closures.csv"
    for row, values in _all_rows(closures):
        kind = values["closure_type"]
        if kind not in CLOSURE_NAMES:
            allowed = ", ".join(CLOSURE_NAMES)
            reading.issues.append(Issue(file, f"is not a closure type ({allowed})", row,
                                        closures.names["closure_type"], kind))  # fmt: skip
            continue
        for key in ("name1", "name2")[: CLOSURE_NAMES[kind] or 2]:
            value = values[key]
            if kind == "country" and value not in countries:
                reason = "is not a country of any location in input_csv/locations.csv"
                reading.issues.append(Issue(file, reason, row, closures.names[key], value))
            elif kind != "country" and value not in known:
                _unknown(reading, file, row, closures.names[key], value)


def _check_conflicts(reading: _Reading, conflicts: ParsedTable, known: set[str], length: int | None) -> None:
    """Enough days for the period; a column not in locations.csv is accepted only if it is always 0."""
    file = f"{INPUT_FOLDER}/conflicts.csv"
    table = conflicts.table
    for name in table.columns:
        if name in known:
            continue
        active = np.flatnonzero(table[name].to_numpy() > NO_CONFLICT)
        if active.size:
            reason = "is not a location in input_csv/locations.csv but has a conflict"
            reading.issues.append(Issue(file, reason, conflicts.rows[active[0]], str(name)))
    if length is not None and len(table) < length and not conflicts.issues:
        reason = f"is missing: the file has {len(table)} days but sim_period.csv asks for {length}"
        row = (conflicts.rows[-1] + 1) if conflicts.rows else 1
        reading.issues.append(Issue(file, reason, row, conflicts.names.get("day", "Day")))


def _camp_types(locations: ParsedTable) -> dict[str, str]:
    """Location name -> location_type, for every row (also those rejected for another issue)."""
    types = {values["name"]: values["location_type"] for _, values in locations.rejected}
    return types | dict(zip(locations.table["name"], locations.table["location_type"], strict=True))


def sum_series(series: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Several files for one camp: the sum of their interpolated counts, at every date any of them gives.

    This is exact for Flee's reading of a series (linear between points, constant outside them). Flee's own
    `AddCSVTables` merges step-wise and drops trailing points; it is not copied.
    """
    frames = list(series)
    dates = np.unique(np.concatenate([frame["date"].to_numpy() for frame in frames]))
    days = dates.astype("datetime64[D]").astype("int64").astype("float64")
    total = np.zeros(days.size)
    for frame in frames:
        points = frame["date"].to_numpy().astype("datetime64[D]").astype("int64").astype("float64")
        total += np.interp(days, points, frame["count"].to_numpy(dtype="float64"))
    return observation_frame([pd.Timestamp(day).date() for day in dates], total.tolist())


def _read_source_data(
    reading: _Reading, camp_types: dict[str, str] | None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame | None, set[str] | None]:
    """data_layout.csv and the files it names: `total` first, then one row per camp; also the names listed."""
    layout_file = f"{SOURCE_FOLDER}/{LAYOUT_FILE}"
    layout_text = reading.text(layout_file)
    if layout_text is None:
        return {}, None, None
    entries, issues = parse_data_layout(layout_text, layout_file)
    reading.issues += issues
    observations: dict[str, pd.DataFrame] = {}
    total: pd.DataFrame | None = None
    series_by_entry = {entry.name: _read_entry_files(reading, entry) for entry in entries}
    _keep_other_files(reading, SOURCE_FOLDER)  # files data_layout.csv does not name are kept too
    for entry in entries:
        series = series_by_entry[entry.name]
        if entry.name == "total" and entry is entries[0]:
            total = series
            continue
        if camp_types is not None and entry.name not in camp_types:
            _unknown(reading, layout_file, entry.row, "name", entry.name)
        elif camp_types is not None and "camp" not in camp_types[entry.name].lower():
            reason = f"is a {camp_types[entry.name]} in input_csv/locations.csv, not a camp"
            reading.issues.append(Issue(layout_file, reason, entry.row, "name", entry.name))
        if series is not None:
            observations[entry.name] = series
    listed = {entry.name for entry in entries}
    for camp, kind in (camp_types or {}).items():
        if "camp" in kind.lower() and camp not in listed:
            reason = f"has no row for the camp {camp!r}; Flee needs camp counts for every camp in locations.csv"
            reading.issues.append(Issue(layout_file, reason, column="name"))
    return observations, total, listed


def _read_entry_files(reading: _Reading, entry: LayoutEntry) -> pd.DataFrame | None:
    parts: list[pd.DataFrame] = []
    for file_name in entry.files:
        relative = f"{SOURCE_FOLDER}/{file_name}"
        cited = Issue(f"{SOURCE_FOLDER}/{LAYOUT_FILE}", f"names {file_name!r}, which is missing", entry.row, "file")
        text = reading.files[relative] if relative in reading.files else reading.text(relative, cited_by=cited)
        if text is None:
            return None
        parsed = reading.add(parse_series(text, relative))
        if parsed.issues:
            return None
        parts.append(parsed.table)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sum_series(parts)


def _check_corrections(
    reading: _Reading, text: str, observations: dict[str, pd.DataFrame], listed: set[str] | None
) -> dict[str, date]:
    """Each correction names a camp of data_layout.csv and the date of one of its data points (not the first)."""
    file = f"{INPUT_FOLDER}/{CORRECTIONS_FILE}"
    corrections, issues = parse_registration_corrections(text, file)
    reading.issues += issues
    result: dict[str, date] = {}
    for correction in corrections:
        points = observations.get(correction.camp)
        if listed is not None and (correction.camp not in listed or correction.camp == "total"):
            reason = "is not a camp listed in source_data/data_layout.csv"
            reading.issues.append(Issue(file, reason, correction.row, "camp", correction.camp))
            continue
        if points is None:
            continue  # its data file has a problem of its own
        dates = list(points["date"].dt.date)
        if correction.day not in dates[1:]:
            reason = f"is not the date of a data point (after the first) of the camp {correction.camp!r}"
            reading.issues.append(Issue(file, reason, correction.row, "date", correction.day.isoformat()))
            continue
        result[correction.camp] = correction.day
    return result


def _read_settings(reading: _Reading, settings: Path | None) -> SimSettings:
    path = Path(settings) if settings is not None else reading.folder / SETTINGS_FILE
    if settings is None and not path.is_file():
        return SimSettings()
    source = SETTINGS_FILE if settings is None else path.name
    if not path.is_file():
        reading.issues.append(Issue(str(path), "is missing"))
        return SimSettings()
    try:
        text = path.read_bytes().decode("utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        reading.issues.append(Issue(source, "is not UTF-8 text"))
        return SimSettings()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        reading.issues.append(Issue(source, f"is not valid YAML: {getattr(error, 'problem', error)}", row))
        return SimSettings()
    reading.files[SETTINGS_FILE] = text
    if data is not None and not isinstance(data, dict):
        reading.issues.append(Issue(source, "must hold sections of key: value settings"))
        return SimSettings()
    try:
        return SimSettings.from_mapping(data, source=source)
    except InputError as error:
        reading.issues += error.issues
        return SimSettings()
