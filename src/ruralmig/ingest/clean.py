"""Clean values only where a file needs it: trim spaces and turn missing-value tokens into NULL.

Text columns are profiled through their distinct values (few, in most files), which the validation
then reuses; number columns are scanned for missing-value tokens only, since numbers parse with spaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ruralmig.ingest.source import NULL_TOKENS, StagedSource, quote

__all__ = ["CleanPlan", "plan_cleaning"]

_TOKENS = ", ".join("'" + token.replace("'", "''") + "'" for token in NULL_TOKENS)
_SPACE_CODES = "32, 9, 10, 13, 160"
_SPACES = "' ' || chr(9) || chr(10) || chr(13)"


def _is_token(name: str) -> str:
    return f"CASE WHEN strlen({name}) <= 4 THEN {name} IN ({_TOKENS}) ELSE false END"


def _needs_cleaning(name: str) -> str:
    return f"{_is_token(name)} OR ascii({name}) IN ({_SPACE_CODES}) OR ascii(right({name}, 1)) IN ({_SPACE_CODES})"


def _cleaned(name: str) -> str:
    trimmed = f"trim(replace({name}, chr(160), ' '), {_SPACES})"
    return f"CASE WHEN {trimmed} IN ({_TOKENS}) THEN NULL ELSE {trimmed} END"


@dataclass
class CleanPlan:
    """Per source column: SQL for its clean value, and the temp table of its distinct raw values."""

    expressions: dict[str, str] = field(default_factory=dict)
    distinct: dict[str, str] = field(default_factory=dict)
    temp_tables: list[str] = field(default_factory=list)


def plan_cleaning(
    duck: duckdb.DuckDBPyConnection, staged: StagedSource, text: list[str], numbers: list[str]
) -> CleanPlan:
    """Find which of the staged columns need cleaning; keep the distinct values of the text columns."""
    plan = CleanPlan(expressions={c: quote(c) for c in staged.columns})
    for index, column in enumerate(dict.fromkeys(text)):
        if column == staged.geometry_column or column in numbers:
            continue
        values = f"_values_{index}"
        duck.execute(f"CREATE OR REPLACE TEMP TABLE {values} AS SELECT DISTINCT {quote(column)} FROM {staged.relation}")
        plan.temp_tables.append(values)
        plan.distinct[column] = values
        dirty = duck.execute(f"SELECT count_if({_needs_cleaning(quote(column))}) FROM {values}").fetchall()[0][0]
        if dirty:
            plan.expressions[column] = _cleaned(quote(column))
    numeric = [c for c in dict.fromkeys(numbers) if c != staged.geometry_column]
    if numeric:
        counts = ", ".join(f"count_if({_is_token(quote(c))})" for c in numeric)
        row = duck.execute(f"SELECT {counts} FROM {staged.relation}").fetchall()[0]
        for column, dirty in zip(numeric, row, strict=True):
            if dirty:
                plan.expressions[column] = _cleaned(quote(column))
    return plan
