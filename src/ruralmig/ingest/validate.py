"""Validation of a mapped frame: types, required values, ranges, code lists, formulas and keys.

All checks are SQL over the staged data: one pass counts every kind of problem, and only the
kinds that occur are listed row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ruralmig.errors import Issue
from ruralmig.ingest.frame import FRAME, literal, quote
from ruralmig.model import CodeList, Column, DataType, Table

__all__ = ["Check", "build_checks", "run_checks", "typed_expression", "typed_select"]

MAX_TEXT = 4096
MAX_JSON = 1 << 20
_ONE_PERIOD = r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-Q[1-4])?"
PERIOD_PATTERN = rf"^{_ONE_PERIOD}(/{_ONE_PERIOD})?$"
AREA_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
TYPE_REASONS = {
    DataType.INTEGER: "is not a whole number",
    DataType.FLOAT: "is not a number",
    DataType.BOOLEAN: "is not true/false (or yes/no, 1/0)",
    DataType.DATE: "is not an ISO 8601 date (YYYY-MM-DD)",
    DataType.TIMESTAMP: "is not an ISO 8601 date and time",
    DataType.PERIOD: "is not an ISO 8601 period (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn or start/end)",
    DataType.JSON: "is not valid JSON",
}


@dataclass(frozen=True)
class Check:
    """Rows of FRAME where `condition` holds have a problem in `column`."""

    column: str | None
    condition: str
    reason: str
    value: str | None


def _clean(column: Column) -> str:
    return f"_clean({quote(column.name)})"


def _number(raw: str, decimal: str) -> str:
    text = f"replace({raw}, ',', '.')" if decimal == "," else raw
    return f"TRY_CAST({text} AS DOUBLE)"


def typed_expression(column: Column, decimal: str = ".") -> str:
    """SQL giving the typed value of `column` from its raw text in FRAME (NULL where it does not parse)."""
    raw = _clean(column)
    dtype = column.dtype
    if dtype is DataType.GEOMETRY:
        return quote(column.name)
    if dtype is DataType.FLOAT:
        number = _number(raw, decimal)
        return f"CASE WHEN isfinite({number}) THEN {number} END"
    if dtype is DataType.INTEGER:
        number = _number(raw, decimal)
        return f"CASE WHEN {number} = trunc({number}) AND abs({number}) < 9e15 THEN CAST({number} AS BIGINT) END"
    if dtype is DataType.BOOLEAN:
        true = ", ".join(literal(w) for w in TRUE_WORDS)
        false = ", ".join(literal(w) for w in FALSE_WORDS)
        return f"CASE WHEN lower({raw}) IN ({true}) THEN true WHEN lower({raw}) IN ({false}) THEN false END"
    if dtype is DataType.DATE:
        return f"COALESCE(TRY_CAST({raw} AS DATE), CAST(TRY_CAST({raw} AS TIMESTAMP) AS DATE))"
    if dtype is DataType.TIMESTAMP:
        return f"TRY_CAST({raw} AS TIMESTAMP)"
    if dtype is DataType.PERIOD:
        return f"CASE WHEN regexp_full_match({raw}, {literal(PERIOD_PATTERN)}) THEN {raw} END"
    if dtype is DataType.JSON:
        return f"CASE WHEN json_valid({raw}) THEN CAST({raw} AS JSON) END"
    return raw


def typed_select(table: Table, decimal: str = ".", relation: str = FRAME) -> str:
    """The SELECT that turns FRAME into rows of `table`, typed as the table wants, after the source `_row`."""
    columns = ", ".join(f"{typed_expression(c, decimal)} AS {quote(c.name)}" for c in table.columns)
    return f"SELECT _row, {columns} FROM {relation}"


def build_checks(table: Table, decimal: str = ".") -> list[Check]:
    """Every check of `table`, in the order they are reported."""
    checks: list[Check] = []
    for column in table.columns:
        if column.dtype is DataType.GEOMETRY:
            continue
        name = quote(column.name)
        raw = _clean(column)
        typed = typed_expression(column, decimal)
        formula = (
            f"(regexp_matches({name}, '^[=@\\t\\r]') OR (regexp_matches({name}, '^[+-]') "
            f"AND TRY_CAST({name} AS DOUBLE) IS NULL))"
        )
        checks.append(
            Check(
                column.name,
                formula,
                "looks like a spreadsheet formula; remove the leading =, +, -, @ or quote the text",
                name,
            )
        )
        limit = MAX_JSON if column.dtype is DataType.JSON else MAX_TEXT
        checks.append(
            Check(column.name, f"length({name}) > {limit}", f"is longer than {limit:,} characters", f"left({name}, 80)")
        )
        if column.required:
            checks.append(Check(column.name, f"{raw} IS NULL", "is missing; the column is required", None))
        if column.dtype in TYPE_REASONS:
            checks.append(
                Check(
                    column.name,
                    f"{raw} IS NOT NULL AND ({typed}) IS NULL AND NOT {formula}",
                    TYPE_REASONS[column.dtype],
                    raw,
                )
            )
        if column.minimum is not None:
            checks.append(
                Check(column.name, f"({typed}) < {column.minimum}", f"is below the minimum of {column.minimum:g}", raw)
            )
        if column.maximum is not None:
            checks.append(
                Check(column.name, f"({typed}) > {column.maximum}", f"is above the maximum of {column.maximum:g}", raw)
            )
        if column.allowed:
            allowed = ", ".join(literal(a) for a in column.allowed)
            checks.append(
                Check(column.name, f"{raw} NOT IN ({allowed})", f"is not one of: {', '.join(column.allowed)}", raw)
            )
        checks += _code_list_checks(table, column, raw)
    return checks


def _code_list_checks(table: Table, column: Column, raw: str) -> list[Check]:
    if column.code_list is CodeList.ISO3:
        return [
            Check(
                column.name, f"{raw} NOT IN (SELECT iso3 FROM _iso3)", "is not an ISO 3166-1 alpha-3 country code", raw
            )
        ]
    if column.code_list is CodeList.AREA:
        return [
            Check(
                column.name,
                f"{raw} NOT IN (SELECT area_id FROM _known_areas)",
                "is not a known area: not an ISO3 code, an OCHA p-code, nor an area_id in the "
                "workspace's areas table (load the areas first)",
                raw,
            )
        ]
    if column.code_list is CodeList.NEW_AREA:
        checks = [
            Check(
                column.name,
                f"NOT regexp_full_match({raw}, {literal(AREA_CODE_PATTERN)})",
                "is not a valid area code (letters, digits, '.', '_' or '-', at most 64)",
                raw,
            )
        ]
        if "admin_level" in table.column_index:
            level = typed_expression(table.column("admin_level"))
            checks.append(
                Check(
                    column.name,
                    f"({level}) = 0 AND {raw} NOT IN (SELECT iso3 FROM _iso3)",
                    "is not an ISO3 code, which a country (admin_level 0) needs",
                    raw,
                )
            )
        return checks
    return []


def run_checks(
    duck: duckdb.DuckDBPyConnection, checks: list[Check], file: str, *, limit: int = 1000
) -> tuple[list[Issue], int]:
    """Count every check in one pass, then list up to `limit` rows of each check that failed."""
    if not checks:
        return [], 0
    counts_sql = ", ".join(f"count_if({c.condition})" for c in checks)
    counts = duck.execute(f"SELECT {counts_sql} FROM {FRAME}").fetchall()[0]
    issues: list[Issue] = []
    total = 0
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        total += int(count)
        value = check.value or "NULL"
        rows = duck.execute(
            f"SELECT _row, CAST({value} AS VARCHAR) FROM {FRAME} WHERE {check.condition} ORDER BY _row LIMIT {limit}"
        ).fetchall()
        issues += [Issue(file, check.reason, row=int(r), column=check.column, value=v) for r, v in rows]
    issues.sort(key=lambda issue: (issue.row or 0, issue.column or ""))
    return issues, total
