"""`ruralmig serve`: the REST API and the dashboard over one workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralmig.cli.common import STATE, console, fail_on_errors

__all__ = ["register"]


def serve(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder or .duckdb file (default: the global one)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 keeps it on this machine).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")] = "info",
) -> None:
    """Serve the API (docs at /api/docs) and the dashboard (at /) until Ctrl+C."""
    from ruralmig.api.server import serve as run

    location = workspace or STATE.workspace
    console.print(f"serving {location} on http://{host}:{port}/ (API docs: /api/docs); Ctrl+C stops")
    with fail_on_errors():
        run(location, host=host, port=port, database_url=STATE.database_url, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.command()(serve)
