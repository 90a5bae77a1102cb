"""`ruralmig demo`: the main job on the bundled open data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ruralmig.cli.common import console, fail_on_errors
from ruralmig.datasets.demo import DEMO_STEPS, DemoStep, build_demo, run_demo_displacement, run_demo_index
from ruralmig.ingest import IngestResult

__all__ = ["register"]


def demo(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Folder of the demo workspace.")] = Path("demo"),
) -> None:
    """Build the demo workspace from bundled open data and show what it holds."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    results: list[tuple[DemoStep, IngestResult]] = []
    with fail_on_errors(), progress:
        task = progress.add_task("building the demo workspace", total=len(DEMO_STEPS))

        def advance(step: DemoStep, result: IngestResult) -> None:
            results.append((step, result))
            progress.update(task, advance=1, description=f"loaded {step.title}")

        with build_demo(workspace, on_step=advance) as ws:
            progress.update(task, description="simulating displacement, Burundi 2015")
            displacement = run_demo_displacement(ws, workspace / "displacement")
            progress.update(task, description="computing the adverse-drivers index")
            drivers = run_demo_index(ws, workspace / "index")
            tables = ws.tables()
            location = ws.location
            indicators = ws.describe("indicators")
            levels = ws.store.query_arrow(
                "SELECT admin_level, count(*) AS areas, count(geometry) AS with_boundary FROM areas "
                "GROUP BY admin_level ORDER BY admin_level"
            ).to_pylist()
    loaded = RichTable(title="ingested")
    for header in ("data", "table", "rows", "seconds"):
        loaded.add_column(header)
    for step, result in results:
        loaded.add_row(step.title, result.table, f"{result.rows:,}", f"{result.seconds:.2f}")
    console.print(loaded)
    areas = RichTable(title="areas by admin level")
    for header in ("admin level", "areas", "with boundary"):
        areas.add_column(header, justify="right")
    for row in levels:
        areas.add_row(str(row["admin_level"]), f"{row['areas']:,}", f"{row['with_boundary']:,}")
    console.print(areas)
    held = tables[tables["rows"] > 0]
    console.print(f"workspace {location}: {', '.join(f'{r.table} {r.rows:,}' for r in held.itertuples())}")
    console.print(f"indicators cover {indicators.coverage}")
    camps = RichTable(title=f"displacement, {displacement.network_id}: camps on day {displacement.days}")
    for header in ("camp", "simulated", "observed (UNHCR)"):
        camps.add_column(header, justify="right" if header != "camp" else "left")
    for camp, (simulated, observed) in displacement.camps_last_day.items():
        camps.add_row(camp, f"{simulated:,}", f"{observed:,}")
    console.print(camps)
    latest = drivers[drivers["period"] == drivers["period"].max()].head(8)
    ranking = RichTable(
        title=f"adverse drivers of rural migration, {latest['period'].max()} (0-10; 2 of 11 indicators)"
    )
    for header in ("area", "score", "class", "rank", "reliability"):
        ranking.add_column(header)
    for row in latest.to_dict("records"):
        ranking.add_row(
            str(row["unit"]),
            f"{row['score']:.2f}",
            str(row["risk_class"]),
            str(row["rank"]),
            f"{row['reliability']:.2f}",
        )
    console.print(ranking)
    console.print(
        f"ARD {displacement.ard:.3f} (rescaled {displacement.ard_rescaled:.3f}); "
        f"files: {', '.join(str(f) for f in displacement.files)}"
    )


def register(app: typer.Typer) -> None:
    app.command()(demo)
