"""`ruralmig keys create|list|revoke`: API keys of the REST API (only their hashes are stored)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ruralmig.cli.common import STATE, console, error_console, fail_on_errors
from ruralmig.workspace import Workspace

__all__ = ["register"]

app = typer.Typer(help="API keys of the REST API: create (shown once), list, revoke.", no_args_is_help=True)


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "cli",
    role: Annotated[Role, typer.Option(help="viewer reads; analyst also uploads and runs jobs; admin also keys.")] = (
        Role.VIEWER
    ),
    grant: Annotated[
        list[str] | None, typer.Option(help="Survey id the key may read (repeat; default: all surveys).")
    ] = None,
) -> None:
    """Create a key and print it; it cannot be shown again."""
    from ruralmig.api.auth import create_key

    with fail_on_errors(), Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        created = create_key(ws.store, name=name, role=role.value, grants=list(grant) if grant else None)
    error_console.print(f"key {created.key_id} ({created.role}) created; store it now, it is not shown again:")
    typer.echo(created.key)


@app.command("list")
def list_command() -> None:
    """Every key (id, name, role, grants, dates), never the secret."""
    from ruralmig.api.auth import list_keys

    with fail_on_errors(), Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        keys = list_keys(ws.store)
    table = RichTable(title=f"{len(keys)} API key(s)")
    for header in ("key id", "name", "role", "grants", "created", "revoked"):
        table.add_column(header)
    for key in keys:
        grants = "all surveys" if key["grants"] is None else ", ".join(key["grants"])
        table.add_row(
            key["key_id"], key["name"], key["role"], grants, key["created_at"][:19], (key["revoked_at"] or "")[:19]
        )
    console.print(table)


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after rmk_).")]) -> None:
    """Revoke a key; a running server refuses it at once only after a restart or through DELETE /api/keys."""
    from ruralmig.api.auth import revoke_key

    with fail_on_errors(), Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        revoked = revoke_key(ws.store, key_id)
    if not revoked:
        error_console.print(f"[bold red]error:[/] no active key {key_id!r}")
        raise typer.Exit(code=1)
    console.print(f"key {key_id} revoked")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="keys")
