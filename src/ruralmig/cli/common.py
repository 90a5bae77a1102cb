"""Shared CLI pieces: the console, the workspace option and error printing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table as RichTable

from ruralmig.errors import InputError, RuralmigError

__all__ = ["STATE", "console", "error_console", "fail_on_errors", "print_issues"]

console = Console()
error_console = Console(stderr=True)
T = TypeVar("T")


class State:
    workspace: Path | None = None
    database_url: str | None = None


STATE = State()


def print_issues(error: InputError) -> None:
    table = RichTable(title=f"{error.total:,} problem(s) found — nothing was written", title_style="bold red")
    for header in ("file", "row", "column", "value", "reason"):
        table.add_column(header, overflow="fold")
    for issue in error.issues[:200]:
        table.add_row(
            issue.file,
            "" if issue.row is None else str(issue.row),
            issue.column or "",
            "" if issue.value is None else repr(issue.value)[:60],
            issue.reason,
        )
    error_console.print(table)
    if error.total > 200:
        error_console.print(f"... and {error.total - 200:,} more; use --report FILE to save them all")


@contextmanager
def fail_on_errors() -> Iterator[None]:
    """Print ruralmig errors in the user's language and exit non-zero, without a traceback."""
    try:
        yield
    except InputError as error:
        print_issues(error)
        raise typer.Exit(code=2) from None
    except RuralmigError as error:
        error_console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=1) from None


def run(action: Callable[[], T]) -> T:
    with fail_on_errors():
        return action()
