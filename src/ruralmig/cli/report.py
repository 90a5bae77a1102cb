"""`ruralmig report AREA`: a self-contained country report (HTML, or PDF printed by headless Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from ruralmig.cli.common import STATE, console, fail_on_errors

__all__ = ["register"]


def report(
    area: Annotated[str, typer.Argument(help="Area id, ISO 3166-1 alpha-3 code or country name, e.g. BDI.")],
    format: Annotated[str, typer.Option("--format", "-f", help="html or pdf.")] = "html",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default report-AREA.FORMAT).")] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace folder (overrides the global option).")
    ] = None,
) -> None:
    """Build a country report from the workspace's stored results: index, drought, displacement, households."""
    from ruralmig.errors import RuralmigError
    from ruralmig.reports import build_report
    from ruralmig.workspace import Workspace

    with fail_on_errors():
        if format not in ("html", "pdf"):
            raise RuralmigError(f"--format must be html or pdf; got {format!r}")
        chosen: Literal["html", "pdf"] = "pdf" if format == "pdf" else "html"
        target = out or Path(f"report-{area}.{chosen}")
        with (
            Workspace.open(workspace or STATE.workspace, database_url=STATE.database_url) as ws,
            console.status(f"building the {chosen.upper()} report of {area}"),
        ):
            written = build_report(ws, area, target, format=chosen)
        console.print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    app.command()(report)
