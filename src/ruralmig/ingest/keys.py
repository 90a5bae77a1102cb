"""Key checks: duplicate keys inside a file, and keys that already exist in the workspace."""

from __future__ import annotations

import duckdb

from ruralmig.errors import Issue
from ruralmig.ingest.frame import FRAME
from ruralmig.ingest.source import quote
from ruralmig.ingest.validate import write_expression
from ruralmig.model import Table

__all__ = ["conflict_issues", "duplicate_issues"]


def _key_list(table: Table, decimal: str) -> str:
    return ", ".join(f"{write_expression(table.column(k), decimal)} AS {quote(k)}" for k in table.key)


def duplicate_issues(
    duck: duckdb.DuckDBPyConnection, table: Table, file: str, decimal: str = ".", limit: int = 1000
) -> tuple[list[Issue], int]:
    """Rows whose key repeats an earlier row's key. A cheap hash count runs first; listing only if needed."""
    if not table.key:
        return [], 0
    keys = _key_list(table, decimal)
    names = ", ".join(quote(k) for k in table.key)
    repeated = duck.execute(
        f"SELECT count(*) - count(DISTINCT hash({names})) FROM (SELECT {keys} FROM {FRAME})"
    ).fetchall()[0]
    if not repeated or repeated[0] == 0:
        return [], 0
    rows = duck.execute(
        f"""SELECT _row, first_row FROM (
              SELECT _row, min(_row) OVER (PARTITION BY {names}) AS first_row FROM (SELECT _row, {keys} FROM {FRAME})
            ) WHERE _row > first_row ORDER BY _row"""
    ).fetchall()
    key_text = ", ".join(table.key)
    issues = [Issue(file, f"repeats the key ({key_text}) of row {first}", row=int(row)) for row, first in rows[:limit]]
    return issues, len(rows)


def conflict_issues(
    duck: duckdb.DuckDBPyConnection, table: Table, target: str, file: str, decimal: str = ".", limit: int = 1000
) -> tuple[list[Issue], int]:
    """Rows whose key is already stored in `target` (append mode refuses to duplicate them)."""
    if not table.key:
        return [], 0
    stored = duck.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)").fetchall()[0]
    if not stored or stored[0] == 0:
        return [], 0
    keys = _key_list(table, decimal)
    match = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM f.{quote(k)}" for k in table.key)
    rows = duck.execute(
        f"SELECT f._row FROM (SELECT _row, {keys} FROM {FRAME}) AS f WHERE EXISTS "
        f"(SELECT 1 FROM {target} AS t WHERE {match}) ORDER BY f._row"
    ).fetchall()
    reason = (
        f"has the same key ({', '.join(table.key)}) as a row already in the workspace; "
        "use --mode upsert to replace those rows"
    )
    return [Issue(file, reason, row=int(r[0])) for r in rows[:limit]], len(rows)
