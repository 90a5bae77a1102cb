"""Commands over the workspace's data: init, ingest, export, tables, describe, history."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ruralmig.cli.common import STATE, console, error_console, fail_on_errors, print_issues
from ruralmig.errors import InputError
from ruralmig.ingest.report import ValidationReport
from ruralmig.workspace import Workspace

__all__ = ["Mode", "register"]


class Mode(StrEnum):
    """How an ingest treats rows already stored."""

    APPEND = "append"
    UPSERT = "upsert"
    REPLACE = "replace"


def _parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise typer.BadParameter(f"{option} takes SOURCE=TARGET pairs; got {item!r}")
        left, right = item.split("=", 1)
        pairs[left.strip()] = right.strip()
    return pairs


def _open() -> Workspace:
    return Workspace.open(STATE.workspace, database_url=STATE.database_url)


def init(folder: Annotated[Path | None, typer.Argument(help="Folder of the new workspace.")] = None) -> None:
    """Create a workspace (DuckDB file, or PostgreSQL schema with RURALMIG_DATABASE_URL)."""
    with fail_on_errors(), Workspace.init(folder or STATE.workspace, database_url=STATE.database_url) as ws:
        console.print(f"workspace ready: [bold]{ws.location}[/] (schema version {ws.schema_version})")


def ingest(
    table: Annotated[str, typer.Argument(help="Canonical table, e.g. indicators (see `ruralmig tables`).")],
    file: Annotated[Path, typer.Argument(help="CSV, TSV, XLSX, Parquet, GeoJSON or GeoParquet file.")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="SOURCE=COLUMN: map a file column or hashtag.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="COLUMN=VALUE: the same value for every row.")] = None,
    mode: Annotated[Mode, typer.Option(help="append (refuse existing keys), upsert or replace.")] = Mode.APPEND,
    sheet: Annotated[str | None, typer.Option(help="Worksheet to read (default: the first).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detected).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Field delimiter (default: detected).")] = None,
    decimal: Annotated[str, typer.Option(help="Decimal separator: . or ,")] = ".",
    skip: Annotated[list[str] | None, typer.Option("--skip", help="A file column to leave out.")] = None,
    report: Annotated[Path | None, typer.Option(help="Save every problem found to this CSV file.")] = None,
) -> None:
    """Load a file into a table. Every problem is listed; on any problem nothing is written."""
    column_map = _parse_pairs(map_, "--map")
    constants = _parse_pairs(set_, "--set")
    with fail_on_errors(), _open() as ws:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=error_console,
            transient=True,
        )
        with progress:
            task = progress.add_task(f"ingesting {file.name}")
            try:
                result = ws.ingest(
                    table,
                    file,
                    mode=mode.value,
                    column_map=column_map,
                    constants=constants,
                    encoding=encoding,
                    delimiter=delimiter,
                    sheet=sheet,
                    decimal=decimal,
                    skip=tuple(skip or ()),
                    progress=lambda message: progress.update(task, description=message),
                )
            except InputError as error:
                if report is not None:
                    ValidationReport(file.name, table, list(error.issues), error.total).write_csv(report)
                progress.stop()
                print_issues(error)
                raise typer.Exit(code=2) from None
    console.print(
        f"[green]✓[/] {result.rows:,} rows from {result.file} into [bold]{result.table}[/] "
        f"({result.mode}, {result.seconds:.2f} s, sha256 {result.sha256[:12]}…)"
    )
    for note in result.notes:
        console.print(f"  [dim]{note}[/]")


def export(
    table: Annotated[str, typer.Argument(help="Table to export.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet, xlsx or geojson.")] = "csv",
    hxl: Annotated[bool, typer.Option(help="Add an HXL hashtag row (csv).")] = False,
    allow_microdata: Annotated[bool, typer.Option(help="Allow exporting survey microdata or profiles.")] = False,
) -> None:
    """Write a table to a file."""
    target = output or Path(f"{table}.{fmt}")
    with fail_on_errors(), _open() as ws:
        path = ws.export(table, target, fmt=fmt, hxl=hxl, allow_sensitive=allow_microdata)  # type: ignore[arg-type]
        rows = ws.count(table)
    console.print(f"[green]✓[/] {rows:,} rows of {table} written to {path}")


def tables() -> None:
    """List the canonical tables and how many rows each holds."""
    with fail_on_errors(), _open() as ws:
        frame = ws.tables()
        location = ws.location
    view = RichTable(title=f"tables in {location}")
    for header in ("table", "family", "rows", "description"):
        view.add_column(header, justify="right" if header == "rows" else "left")
    for row in frame.to_dict("records"):
        view.add_row(str(row["table"]), str(row["family"]), f"{row['rows']:,}", str(row["description"]))
    console.print(view)


def describe(table: Annotated[str, typer.Argument(help="Table to describe.")]) -> None:
    """Counts, coverage and missing values of a table."""
    with fail_on_errors(), _open() as ws:
        summary = ws.describe(table)
    console.print(f"[bold]{summary.table}[/]: {summary.description}")
    console.print(f"rows: {summary.rows:,}")
    for key, value in summary.coverage.items():
        console.print(f"{key}: {value}")
    view = RichTable()
    for header in ("column", "type", "missing", "missing %", "distinct", "min", "max"):
        view.add_column(header)
    for column in summary.columns:
        share = f"{100 * column.missing / summary.rows:.1f}" if summary.rows else "-"
        view.add_row(
            column.name,
            column.dtype,
            f"{column.missing:,}",
            share,
            "" if column.distinct is None else f"{column.distinct:,}",
            _short(column.minimum),
            _short(column.maximum),
        )
    console.print(view)


def history() -> None:
    """Provenance of every ingest: file, SHA-256, rows, time and code version."""
    with fail_on_errors(), _open() as ws:
        log = ws.history()
    view = RichTable(title="ingest history")
    for header in ("started_at", "table_name", "file_name", "rows", "mode", "sha256", "code_version"):
        view.add_column(header)
    for row in log.to_dict("records"):
        view.add_row(
            str(row["started_at"])[:19],
            str(row["table_name"]),
            str(row["file_name"]),
            f"{row['rows']:,}",
            str(row["mode"]),
            str(row["sha256"])[:16],
            str(row["code_version"]),
        )
    console.print(view)


def _short(value: object) -> str:
    return "" if value is None else str(value)[:24]


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(ingest)
    app.command()(export)
    app.command()(tables)
    app.command()(describe)
    app.command()(history)
