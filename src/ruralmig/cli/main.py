"""The `ruralmig` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralmig.cli import climate, data, demo, displacement, index, survey
from ruralmig.cli import keys as keys_cli
from ruralmig.cli import report as report_cli
from ruralmig.cli import serve as serve_cli
from ruralmig.cli.common import STATE
from ruralmig.config import get_settings

app = typer.Typer(
    name="ruralmig",
    help="ruralmig: the rural side of migration — workspace, data and engines.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from ruralmig import __version__

        typer.echo(f"ruralmig {__version__}")
        raise typer.Exit


@app.callback()
def main(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder or .duckdb file [env RURALMIG_WORKSPACE_DIR]."),
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Set the workspace for the command that follows."""
    settings = get_settings()
    STATE.workspace = workspace or settings.workspace_dir
    STATE.database_url = settings.database_url


data.register(app)
demo.register(app)
displacement.register(app)
climate.register(app)
index.register(app)
survey.register(app)
keys_cli.register(app)
serve_cli.register(app)
report_cli.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
