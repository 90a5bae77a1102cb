"""Write a DisplacementCase as a Flee case folder.

A file whose table is unchanged since it was read is written back byte for byte from `case.files`; any other
file is rendered from the tables in Flee's layout. A case built from workspace tables (no raw files) gets
every file rendered. Files kept only as text (e.g. source_data files no camp uses) are written back as read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ruralmig.displacement.case import CLOSURE_COLUMNS, LOCATION_COLUMNS, ROUTE_COLUMNS, DisplacementCase
from ruralmig.displacement.settings import SimSettings
from ruralmig.errors import InputError, Issue
from ruralmig.ingest.flee.parse import (
    LOCATION_FILE_COLUMNS,
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
from ruralmig.ingest.flee.read import (
    CORRECTIONS_FILE,
    INPUT_FOLDER,
    LAYOUT_FILE,
    SETTINGS_FILE,
    SOURCE_FOLDER,
    sum_series,
)

__all__ = ["render_settings", "write_case"]

SPAWN_KEYS = ("take_from_population", "insert_day0", "conflict_zone_spawning_only", "sum_from_camps",
              "conflict_spawn_decay", "conflict_spawn_decay_interval")  # fmt: skip
CONFLICT_DRIVEN_KEYS = ("spawn_mode", "displaced_per_conflict_day")


def write_case(case: DisplacementCase, folder: Path) -> list[str]:
    """Write `case` under `folder` (input_csv/, source_data/, simsetting.yml); return the relative paths written."""
    folder = Path(folder)
    texts = dict(case.files)  # raw text first; files whose tables changed are replaced below
    tables: list[tuple[str, Callable[[str, str], ParsedTable], pd.DataFrame, Callable[[pd.DataFrame], str]]] = [
        ("locations.csv", parse_locations, case.locations, _render_locations),
        ("routes.csv", parse_routes, case.routes, _render_routes),
        ("closures.csv", parse_closures, case.closures, _render_closures),
        ("conflicts.csv", parse_conflicts, case.conflicts, _render_conflicts),
    ]
    for file, parse, table, render in tables:
        relative = f"{INPUT_FOLDER}/{file}"
        raw = case.files.get(relative)
        parsed = parse(raw, relative) if raw is not None else None
        if parsed is None or parsed.issues or not parsed.table.equals(table):
            texts[relative] = render(table)

    relative = f"{INPUT_FOLDER}/sim_period.csv"
    raw = case.files.get(relative)
    if raw is None or parse_sim_period(raw, relative) != (case.start_date, case.length, []):
        texts[relative] = f"StartDate,{case.start_date.isoformat()}\nLength,{case.length}\n"

    relative = f"{INPUT_FOLDER}/{CORRECTIONS_FILE}"
    raw = case.files.get(relative)
    corrections = parse_registration_corrections(raw, relative)[0] if raw is not None else []
    if {correction.camp: correction.day for correction in corrections} != case.registration_corrections:
        texts[relative] = _csv_text([[camp, day.isoformat()] for camp, day in case.registration_corrections.items()])

    texts |= _source_data_texts(case)
    raw = case.files.get(SETTINGS_FILE)
    settings_changed = case.settings != (SimSettings() if raw is None else _settings_of(raw))
    if settings_changed:  # no file is written for default settings that were not read from one
        texts[SETTINGS_FILE] = render_settings(case.settings)
    return _write_all(folder, texts)


def _write_all(folder: Path, texts: dict[str, str]) -> list[str]:
    root = folder.resolve()
    paths = {relative: (root / relative).resolve() for relative in texts}
    outside = [relative for relative, path in paths.items() if not path.is_relative_to(root)]
    if outside:
        raise InputError([Issue(relative, "lies outside the case folder; not written") for relative in outside])
    for relative, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(texts[relative].encode("utf-8"))
    return sorted(texts)


def _settings_of(text: str) -> SimSettings | None:
    try:
        return SimSettings.from_mapping(yaml.safe_load(text), source=SETTINGS_FILE)
    except (yaml.YAMLError, InputError, AttributeError):
        return None


def render_settings(settings: SimSettings) -> str:
    """Settings in Flee's simsetting.yml layout (sections move_rules, spawn_rules, optimisations)."""
    values: dict[str, Any] = settings.to_dict()
    spawn = {key: values.pop(key) for key in SPAWN_KEYS}
    spawn["conflict_spawn_decay"] = list(spawn["conflict_spawn_decay"]) or None
    if spawn["conflict_spawn_decay"] is None:
        del spawn["conflict_spawn_decay"]
    driven = {key: values.pop(key) for key in CONFLICT_DRIVEN_KEYS}
    if values.pop("conflict_driven_spawning"):
        spawn["conflict_driven_spawning"] = driven
    optimisations = {"hasten": values.pop("hasten")}
    layout = {"move_rules": values, "spawn_rules": spawn, "optimisations": optimisations}
    return yaml.safe_dump(layout, sort_keys=False, default_flow_style=False)


# Rendering tables as Flee files


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _csv_text(rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[_cell(value) for value in row] for row in rows])
    return buffer.getvalue()


def _require(table: pd.DataFrame, file: str, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InputError([Issue(file, "cannot be written: the table has no such column", column=c) for c in missing])


def _column(table: pd.DataFrame, name: str) -> list[object]:
    return list(table[name]) if name in table.columns else [None] * len(table)


def _render_rows(table: pd.DataFrame, fixed: Sequence[str], header: Sequence[str]) -> str:
    """Fixed columns first (missing ones empty), then every other column as a Flee attribute column."""
    extras = [str(column) for column in table.columns if column not in fixed]
    columns = [_column(table, name) for name in [*fixed, *extras]]
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    return _csv_text([[f"#{header[0]}", *header[1:], *extras], *rows])


def _render_locations(table: pd.DataFrame) -> str:
    _require(table, f"{INPUT_FOLDER}/locations.csv", ("name", "location_type"))
    return _render_rows(table, LOCATION_COLUMNS, LOCATION_FILE_COLUMNS)


def _render_routes(table: pd.DataFrame) -> str:
    _require(table, f"{INPUT_FOLDER}/routes.csv", ("name1", "name2", "distance"))
    return _render_rows(table, ROUTE_COLUMNS, ROUTE_COLUMNS)


def _render_closures(table: pd.DataFrame) -> str:
    _require(table, f"{INPUT_FOLDER}/closures.csv", CLOSURE_COLUMNS)
    return _render_rows(table[list(CLOSURE_COLUMNS)], CLOSURE_COLUMNS, CLOSURE_COLUMNS)


def _render_conflicts(table: pd.DataFrame) -> str:
    rows = [[day, *values] for day, values in zip(table.index, table.to_numpy().tolist(), strict=True)]
    return _csv_text([["#Day", *map(str, table.columns)], *rows])


# source_data/: data_layout.csv, refugees.csv and one file per camp


def _raw_series(case: DisplacementCase, files: Sequence[str]) -> pd.DataFrame | None:
    parts = []
    for name in files:
        relative = f"{SOURCE_FOLDER}/{name}"
        raw = case.files.get(relative)
        parsed = parse_series(raw, relative) if raw is not None else None
        if parsed is None or parsed.issues:
            return None
        parts.append(parsed.table)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sum_series(parts)


def _file_name(name: str, taken: set[str]) -> str:
    stem = "refugees" if name == "total" else re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "camp"
    candidate, number = f"{stem}.csv", 1
    while candidate in taken or candidate == LAYOUT_FILE:
        number += 1
        candidate = f"{stem}-{number}.csv"
    return candidate


def _render_series(frame: pd.DataFrame, label: str) -> str:
    """`Date,<label>` then `YYYY-MM-DD,count`; counts are rounded, as Flee reads whole numbers."""
    ordered = frame.dropna().sort_values("date", kind="stable")
    dates = pd.to_datetime(ordered["date"]).dt.strftime("%Y-%m-%d")
    counts = np.rint(ordered["count"].to_numpy(dtype="float64")).astype("int64")
    return _csv_text([["Date", label], *zip(dates, counts.tolist(), strict=True)])


def _source_data_texts(case: DisplacementCase) -> dict[str, str]:
    layout_relative = f"{SOURCE_FOLDER}/{LAYOUT_FILE}"
    raw_layout = case.files.get(layout_relative)
    raw_entries = parse_data_layout(raw_layout, layout_relative)[0] if raw_layout is not None else []
    raw_files = {entry.name: entry.files for entry in raw_entries}
    total = case.total_observations
    if total is None:
        camps = list(case.observations.values())
        total = sum_series(camps) if camps else observation_frame([case.start_date], [0.0])
    taken = {relative.split("/", 1)[1] for relative in case.files if relative.startswith(f"{SOURCE_FOLDER}/")}
    texts: dict[str, str] = {}
    layout: list[tuple[str, tuple[str, ...]]] = []
    for name, frame in [("total", total), *case.observations.items()]:
        files = raw_files.get(name, ())
        unchanged = _raw_series(case, files)
        if unchanged is None or not unchanged.equals(frame):
            own = files[0] if len(files) == 1 else _file_name(name, taken)
            taken.add(own)
            texts[f"{SOURCE_FOLDER}/{own}"] = _render_series(frame, "Refugee_numbers" if name == "total" else name)
            files = (own,)
        layout.append((name, files))
    if raw_layout is None or layout != [(entry.name, entry.files) for entry in raw_entries]:
        texts[layout_relative] = _csv_text([[name, *files] for name, files in layout])
    return texts
