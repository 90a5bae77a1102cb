"""`ruralmig demo`: the main job on the bundled open data, then the API and dashboard on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ruralmig.cli.common import console, error_console, fail_on_errors
from ruralmig.datasets.demo import DemoSummary, run_demo

__all__ = ["register", "serve_dashboard"]


def demo(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Folder of the demo workspace.")] = Path("demo"),
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and dashboard when the demo is built.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    replicas: Annotated[int, typer.Option(help="Extra displacement runs stored for the ensemble band.")] = 4,
) -> None:
    """Build the demo workspace from bundled open data, run every engine on it, and serve the dashboard.

    The folder is rebuilt when it exists, so running the demo twice gives the same workspace.
    """
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    with fail_on_errors():
        with progress:
            task = progress.add_task("building the demo workspace", total=None)

            def advance(message: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, description=message)

            summary = run_demo(workspace, replicas=replicas, on_progress=advance)
        _print_summary(summary)
        if not serve:
            return
        serve_dashboard(workspace, host=host, port=port)


def serve_dashboard(workspace: Path, *, host: str, port: int) -> None:
    """Make a viewer key, print it with the URL, and serve the API and dashboard until Ctrl+C."""
    try:
        from ruralmig.api.server import start_server
    except ModuleNotFoundError as error:
        error_console.print(
            f"[bold red]error:[/] cannot serve the dashboard: {error.name} is missing; "
            "install ruralmig[api] (pip install -e '.[api]') or run `ruralmig demo --no-serve`"
        )
        raise typer.Exit(code=1) from None

    def announce(url: str, key: str) -> None:
        console.print(f"\n[bold]dashboard:[/] {url}/   (API docs: {url}/api/docs)")
        console.print(f"[bold]viewer key:[/] {key}   (paste it into the dashboard's key field; Ctrl+C stops)")

    start_server(workspace, host=host, port=port, announce=announce)


def _print_summary(summary: DemoSummary) -> None:
    loaded = RichTable(title="ingested")
    for header in ("data", "table", "rows", "seconds"):
        loaded.add_column(header)
    for step, result in summary.ingested:
        loaded.add_row(step.title, result.table, f"{result.rows:,}", f"{result.seconds:.2f}")
    console.print(loaded)
    displacement = summary.displacement
    camps = RichTable(title=f"displacement, {displacement.network_id}: camps on day {displacement.days}")
    for header in ("camp", "simulated", "observed (UNHCR)"):
        camps.add_column(header, justify="right" if header != "camp" else "left")
    for camp, (simulated, observed) in displacement.camps_last_day.items():
        camps.add_row(camp, f"{simulated:,}", f"{observed:,}")
    console.print(camps)
    console.print(
        f"ARD {displacement.ard:.3f} (rescaled {displacement.ard_rescaled:.3f}); stored as run {displacement.run_id} "
        f"with {len(displacement.replica_run_ids)} replica run(s)"
    )
    drivers = summary.drivers
    ranking = RichTable(title="adverse drivers of rural migration (0-10), latest period per area, top 10")
    for header in ("area", "period", "score", "class", "rank", "rank 5-95 %", "reliability"):
        ranking.add_column(header)
    latest = drivers.dropna(subset=["score"]).sort_values("period").groupby("unit").tail(1)
    for row in latest.sort_values("score", ascending=False).head(10).to_dict("records"):
        ranking.add_row(
            str(row["unit"]),
            str(row["period"]),
            f"{row['score']:.2f}",
            str(row["risk_class"]),
            str(row["rank"]),
            f"{row['rank_low']:.0f}-{row['rank_high']:.0f}",
            f"{row['reliability']:.2f}",
        )
    console.print(ranking)
    if isinstance(summary.climate, pd.DataFrame) and not summary.climate.empty:
        climate = summary.climate
        console.print(
            f"drought indices: {len(climate):,} values of {', '.join(sorted(map(str, climate['indicator'].unique())))} "
            f"for {climate['area_id'].nunique()} area(s)"
        )
    if isinstance(summary.survey, str):
        console.print(f"household indicators stored as survey run {summary.survey}")
    for note in summary.skipped:
        console.print(f"[yellow]skipped:[/] {note}")
    console.print(f"workspace {summary.location}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
