"""`ruralmig climate spi|spei`: drought indices for a CSV of monthly records per area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ruralmig.cli.common import STATE, console, fail_on_errors

app = typer.Typer(help="Drought indices (SPI, SPEI) from monthly rainfall and temperature.")

Table = Annotated[Path, typer.Argument(help="CSV with area_id, date (monthly) and the climate columns.")]
Output = Annotated[Path | None, typer.Option("--out", "-o", help="CSV to write (default: print a summary).")]
ToWorkspace = Annotated[bool, typer.Option(help="Also load the values into the workspace's indicators table.")]


def _finish(result: pd.DataFrame, out: Path | None, to_workspace: bool, source: str) -> None:
    indicator = str(result["indicator"].iloc[0]) if len(result) else ""
    if out is not None:
        result.to_csv(out, index=False)
        console.print(f"[green]✓[/] {len(result):,} values of {indicator} written to {out}")
    if to_workspace:
        import tempfile

        from ruralmig.workspace import Workspace

        rows = result.dropna(subset=["value"]).assign(
            period=lambda f: pd.to_datetime(f["date"]).dt.strftime("%Y-%m"), unit="index", source=source
        )
        with (
            tempfile.TemporaryDirectory() as folder,
            Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws,
        ):
            path = Path(folder) / f"{indicator}.csv"
            rows[["area_id", "period", "indicator", "value", "unit", "source"]].to_csv(path, index=False)
            written = ws.ingest("indicators", path, mode="upsert").rows
        console.print(f"[green]✓[/] {written:,} values of {indicator} loaded into indicators")
    summary = result.groupby("area_id")["value"].agg(["count", "min", "max", "last"]).round(2)
    console.print(summary.to_string())


@app.command()
def spi(
    table: Table,
    scale: Annotated[int, typer.Option(help="Months accumulated (1-48).")] = 3,
    precipitation: Annotated[str, typer.Option(help="Rainfall column (mm/month).")] = "precipitation",
    out: Output = None,
    to_workspace: ToWorkspace = False,
) -> None:
    """Standardised Precipitation Index (gamma fit, as R SPEI)."""
    from ruralmig.climate.tables import drought_table

    with fail_on_errors():
        frame = pd.read_csv(table)
        result = drought_table(frame, index="spi", scale=scale, precipitation=precipitation, source=table.name)
        _finish(result, out, to_workspace, f"ruralmig SPI from {table.name}")


@app.command()
def spei(
    table: Table,
    scale: Annotated[int, typer.Option(help="Months accumulated (1-48).")] = 12,
    pet: Annotated[str, typer.Option(help="thornthwaite (temperature) or hargreaves (tmin, tmax).")] = "thornthwaite",
    precipitation: Annotated[str, typer.Option(help="Rainfall column (mm/month).")] = "precipitation",
    out: Output = None,
    to_workspace: ToWorkspace = False,
) -> None:
    """Standardised Precipitation-Evapotranspiration Index (log-logistic fit, as R SPEI)."""
    from ruralmig.climate.tables import drought_table

    with fail_on_errors():
        frame = pd.read_csv(table)
        result = drought_table(
            frame, index="spei", scale=scale, pet=pet, precipitation=precipitation, source=table.name
        )
        _finish(result, out, to_workspace, f"ruralmig SPEI ({pet}) from {table.name}")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="climate")
