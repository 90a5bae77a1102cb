"""Ingest one file into one canonical table: read, map, validate, then write in one transaction."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import shapely

from ruralmig.errors import InputError, Issue, SchemaError
from ruralmig.ingest.clean import plan_cleaning
from ruralmig.ingest.frame import FRAME, build_frame, distinct_values, drop_text_columns_from_melt
from ruralmig.ingest.keys import conflict_issues, duplicate_issues
from ruralmig.ingest.mapping import ColumnMapping, map_columns
from ruralmig.ingest.readers import stage_file
from ruralmig.ingest.report import IngestResult, ValidationReport
from ruralmig.ingest.source import ROW_COLUMN, ReaderOptions, StagedSource, quote
from ruralmig.ingest.validate import build_checks, run_checks, typed_select
from ruralmig.model import CodeList, Table, get_table
from ruralmig.model.codelists import iso3_table, pcode_table
from ruralmig.storage.base import IngestRecord, Store, WriteMode

__all__ = ["ingest_file", "sha256_of"]

MODES = ("append", "upsert", "replace")
Progress = Callable[[str], None]
_TEMP_TABLES = ("_stage", "_stage_numbered", "_frame", "_iso3", "_pcodes", "_known_areas")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_file(
    store: Store,
    table_name: str,
    path: Path | str,
    *,
    mode: WriteMode = "append",
    column_map: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    options: ReaderOptions | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Load `path` into `table_name`. Raises InputError listing every problem; then nothing is written."""
    table = get_table(table_name)
    if table.system:
        raise SchemaError(f"{table.name} is written by ruralmig itself and cannot be ingested into")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    options = options or ReaderOptions()
    if options.decimal not in (".", ","):
        raise ValueError(f"decimal must be '.' or ','; got {options.decimal!r}")
    path = Path(path)
    step = progress or (lambda _message: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = time.perf_counter()
    duck = store.staging_connection()
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_of, path) if path.is_file() else None
        try:
            step(f"reading {path.name}")
            staged = stage_file(duck, path, options)
            mapping = map_columns(table, staged, column_map or {}, constants or {}, options.skip)
            step("validating")
            report = _validate(duck, store, table, staged, mapping, options, mode)
            if not report.ok and _renumber_rows(duck, staged):
                mapping = map_columns(table, staged, column_map or {}, constants or {}, options.skip)
                report = _validate(duck, store, table, staged, mapping, options, mode)
            if not report.ok:
                raise InputError(report.issues, total=report.total)
            rows = _count(duck)
            sha256 = digest.result() if digest else ""
            record = IngestRecord(
                ingest_id=uuid.uuid4().hex,
                table_name=table.name,
                file_name=path.name,
                sha256=sha256,
                rows=rows,
                mode=mode,
                options_json=json.dumps(_options(mapping, options, constants)),
                code_version=_version(),
                started_at=started.isoformat(sep=" "),
                finished_at=datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),
            )
            step(f"writing {rows:,} rows to {table.name}")
            store.write_staged(duck, table, typed_select(table, options.decimal), mode=mode, record=record)
        finally:
            _drop_temp(duck)
    notes = (*staged.notes, *report.notes)
    return IngestResult(record.ingest_id, table.name, path.name, sha256, rows, mode, time.perf_counter() - clock, notes)


def _validate(
    duck: duckdb.DuckDBPyConnection,
    store: Store,
    table: Table,
    staged: StagedSource,
    mapping: ColumnMapping,
    options: ReaderOptions,
    mode: WriteMode,
) -> ValidationReport:
    report = ValidationReport(staged.file, table.name)
    report.add(staged.issues)
    report.add(mapping.issues)
    if mapping.issues:
        return report  # without a complete mapping the rows cannot be checked
    numeric = {s for c, s in mapping.sources.items() if table.column(c).is_numeric}
    by_value = [s for s in mapping.sources.values() if s not in numeric]
    plan = plan_cleaning(duck, staged, by_value, [*numeric, *mapping.melted, *mapping.extras])
    clean = plan.expressions
    drop_text_columns_from_melt(duck, staged, mapping, clean)
    if mapping.ignored:
        report.notes.append(f"ignored columns not in {table.name}: {', '.join(mapping.ignored)}")
    if mapping.melted:
        report.notes.append(f"read {len(mapping.melted)} indicator columns from a wide table")
    build_frame(duck, table, staged, mapping, clean)
    if _count(duck) == 0 and not staged.issues:
        report.add([Issue(staged.file, "has no data rows")])
        return report
    _prepare_code_lists(duck, store, table)
    values = distinct_values(table, mapping, clean, plan.distinct)
    report.add(*run_checks(duck, build_checks(table, options.decimal), staged.file, values=values))
    report.add(_geometry_issues(duck, table, staged.file))
    report.add(*duplicate_issues(duck, table, staged.file, options.decimal))
    target = store.conflict_target(table)
    if mode == "append" and target is not None:
        report.add(*conflict_issues(duck, table, target, staged.file, options.decimal))
    report.issues.sort(key=lambda issue: (issue.row or 0, issue.column or ""))
    return report


def _renumber_rows(duck: duckdb.DuckDBPyConnection, staged: StagedSource) -> bool:
    """Give staged rows their row numbers in the file, where blank or broken lines shifted them."""
    numbers = staged.row_map() if staged.row_map is not None else None
    if numbers is None:
        return False
    duck.register("_row_map_arrow", numbers)
    duck.execute(
        f"CREATE OR REPLACE TEMP TABLE _stage_numbered AS SELECT m.actual AS {quote(ROW_COLUMN)}, s.* "
        f"FROM {staged.relation} AS s JOIN _row_map_arrow AS m ON m.staged = s.rowid + 1"
    )
    duck.unregister("_row_map_arrow")
    staged.relation = "_stage_numbered"
    staged.row_expr = quote(ROW_COLUMN)
    staged.row_map = None
    return True


def _prepare_code_lists(duck: duckdb.DuckDBPyConnection, store: Store, table: Table) -> None:
    duck.register("_iso3_arrow", iso3_table())
    duck.execute("CREATE OR REPLACE TEMP TABLE _iso3 AS SELECT iso3 FROM _iso3_arrow")
    duck.unregister("_iso3_arrow")
    if not any(c.code_list is CodeList.AREA for c in table.columns):
        return
    duck.register("_pcodes_arrow", pcode_table())
    duck.execute("CREATE OR REPLACE TEMP TABLE _pcodes AS SELECT pcode FROM _pcodes_arrow")
    duck.unregister("_pcodes_arrow")
    store.register_workspace_areas(duck)
    own = f" UNION SELECT area_id FROM {FRAME}" if table.name == "areas" else ""
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE _known_areas AS SELECT iso3 AS area_id FROM _iso3 "
        f"UNION SELECT pcode FROM _pcodes UNION SELECT area_id FROM _workspace_areas{own}"
    )


def _geometry_issues(duck: duckdb.DuckDBPyConnection, table: Table, file: str) -> list[Issue]:
    geometry = table.geometry_column
    if geometry is None:
        return []
    data = duck.sql(
        f'SELECT _row, "{geometry.name}" AS wkb FROM {FRAME} WHERE "{geometry.name}" IS NOT NULL'
    ).to_arrow_table()
    if data.num_rows == 0:
        return []
    parsed = shapely.from_wkb(data.column("wkb").to_numpy(zero_copy_only=False), on_invalid="ignore")
    bad = data.column("_row").to_numpy()[shapely.is_missing(parsed)]
    return [Issue(file, "is not a readable WKB geometry", row=int(r), column=geometry.name) for r in bad[:1000]]


def _count(duck: duckdb.DuckDBPyConnection) -> int:
    row = duck.execute(f"SELECT count(*) FROM {FRAME}").fetchall()[0]
    return int(row[0]) if row else 0


def _drop_temp(duck: duckdb.DuckDBPyConnection) -> None:
    rows = duck.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'temp'"
    ).fetchall()
    for name, kind in rows:
        if name in _TEMP_TABLES or name == "_workspace_areas" or name.startswith("_values_"):
            duck.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS temp.{name}")


def _options(mapping: ColumnMapping, options: ReaderOptions, constants: dict[str, str] | None) -> dict[str, object]:
    return {
        "columns": mapping.sources,
        "constants": constants or {},
        "melted": mapping.melted,
        "extras": mapping.extras,
        "encoding": options.encoding,
        "delimiter": options.delimiter,
        "sheet": options.sheet,
        "decimal": options.decimal,
        "skip": list(options.skip),
    }


def _version() -> str:
    from ruralmig import __version__

    return __version__
