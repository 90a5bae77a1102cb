"""Validation of a mapped frame: types, required values, ranges, code lists, formulas and keys.

All checks are SQL over the staged data. Checks that depend on the value alone and are costly (code
lists, allowed values, period and date formats) run over the distinct values of a column; the others
are counted in one pass over the rows. Only the checks that fail are then listed row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ruralmig.errors import Issue
from ruralmig.ingest.frame import FRAME, literal
from ruralmig.ingest.source import quote
from ruralmig.model import CodeList, Column, DataType, Table

__all__ = ["Check", "build_checks", "run_checks", "typed_select", "write_expression"]

MAX_TEXT_BYTES = 4096
MAX_JSON_BYTES = 1 << 20
_ONE_PERIOD = r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-Q[1-4])?"
PERIOD_PATTERN = rf"^{_ONE_PERIOD}(/{_ONE_PERIOD})?$"
AREA_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TYPE_REASONS = {
    DataType.INTEGER: "is not a whole number",
    DataType.FLOAT: "is not a number",
    DataType.BOOLEAN: "is not true/false (or yes/no, 1/0)",
    DataType.DATE: "is not an ISO 8601 date (YYYY-MM-DD)",
    DataType.TIMESTAMP: "is not an ISO 8601 date and time",
    DataType.PERIOD: "is not an ISO 8601 period (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn or start/end)",
    DataType.JSON: "is not valid JSON",
}
_BY_VALUE_TYPES = (DataType.PERIOD, DataType.DATE)


@dataclass(frozen=True)
class Check:
    """Rows of FRAME where `condition` holds have a problem in `column`.

    A check `by_value` holds or not for a value whatever its row: it is run on the column's distinct values.
    """

    column: str | None
    condition: str
    reason: str
    value: str | None
    by_value: bool = False


def _number(name: str, decimal: str) -> str:
    text = f"replace({name}, ',', '.')" if decimal == "," else name
    return f"TRY_CAST({text} AS DOUBLE)"


def write_expression(column: Column, decimal: str = ".", name: str | None = None) -> str:
    """SQL that converts the clean text of `column` to its type, for values that passed validation."""
    ref = name or quote(column.name)
    dtype = column.dtype
    if dtype is DataType.FLOAT:
        return _number(ref, decimal)
    if dtype is DataType.INTEGER:
        return f"CAST({_number(ref, decimal)} AS BIGINT)"
    if dtype is DataType.BOOLEAN:  # DuckDB reads true/false, t/f, yes/no, y/n, 1/0 in any case
        return f"TRY_CAST({ref} AS BOOLEAN)"
    if dtype is DataType.DATE:
        return f"COALESCE(TRY_CAST({ref} AS DATE), CAST(TRY_CAST({ref} AS TIMESTAMP) AS DATE))"
    if dtype is DataType.TIMESTAMP:
        return f"TRY_CAST({ref} AS TIMESTAMP)"
    if dtype is DataType.JSON:
        return f"CAST({ref} AS JSON)"
    return ref


def _invalid(column: Column, decimal: str, name: str) -> str:
    """SQL true where the (non-null) clean text `name` does not parse as the column's type."""
    dtype = column.dtype
    if dtype is DataType.FLOAT:
        return f"NOT coalesce(isfinite({_number(name, decimal)}), false)"
    if dtype is DataType.INTEGER:
        number = _number(name, decimal)
        return f"NOT coalesce({number} = trunc({number}) AND abs({number}) < 9e15, false)"
    if dtype is DataType.PERIOD:  # the pattern, and days that the calendar has (no 2021-02-30)
        days = f"string_split({name}, '/'), lambda p: strlen(p) <> 10 OR TRY_CAST(p AS DATE) IS NOT NULL"
        return (
            f"(NOT regexp_full_match({name}, {literal(PERIOD_PATTERN)}) OR NOT list_bool_and(list_transform({days})))"
        )
    if dtype is DataType.JSON:
        return f"NOT json_valid({name})"
    return f"({write_expression(column, decimal, name)}) IS NULL"


def _formula(name: str) -> str:
    """Text a spreadsheet would run: starting with =, @, tab, CR, or + or - not followed by a number."""
    return (
        f"CASE WHEN ascii({name}) IN (43, 45) THEN TRY_CAST({name} AS DOUBLE) IS NULL "
        f"ELSE ascii({name}) IN (61, 64, 9, 13) END"
    )


def typed_select(table: Table, decimal: str = ".", relation: str = FRAME) -> str:
    """The SELECT that turns FRAME into rows of `table`, typed as the table wants, after the source `_row`."""
    columns = ", ".join(f"{write_expression(c, decimal)} AS {quote(c.name)}" for c in table.columns)
    return f"SELECT _row, {columns} FROM {relation}"


def build_checks(table: Table, decimal: str = ".") -> list[Check]:
    """Every check of `table`, in the order they are reported."""
    checks: list[Check] = []
    for column in table.columns:
        if column.dtype is DataType.GEOMETRY:
            continue
        name = quote(column.name)
        text = column.dtype in (DataType.TEXT, DataType.PERIOD, DataType.DATE)
        if column.dtype is DataType.TEXT:  # typed columns reject formulas as values of the wrong type
            checks.append(Check(column.name, _formula(name), "looks like a spreadsheet formula; remove the "
                                "leading =, +, -, @ or quote the text", name, by_value=True))  # fmt: skip
        limit = MAX_JSON_BYTES if column.dtype is DataType.JSON else MAX_TEXT_BYTES
        checks.append(Check(column.name, f"strlen({name}) > {limit}", f"is longer than {limit:,} bytes",
                            f"left({name}, 80)", by_value=text))  # fmt: skip
        if column.required:
            checks.append(Check(column.name, f"{name} IS NULL", "is missing; the column is required", None))
        if column.dtype in TYPE_REASONS:
            by_value = column.dtype in _BY_VALUE_TYPES
            condition = f"{name} IS NOT NULL AND {_invalid(column, decimal, name)}"
            checks.append(Check(column.name, condition, TYPE_REASONS[column.dtype], name, by_value))
        typed = write_expression(column, decimal)
        if column.minimum is not None:
            checks.append(Check(column.name, f"({typed}) < {column.minimum}",
                                f"is below the minimum of {column.minimum:g}", name))  # fmt: skip
        if column.maximum is not None:
            checks.append(Check(column.name, f"({typed}) > {column.maximum}",
                                f"is above the maximum of {column.maximum:g}", name))  # fmt: skip
        if column.allowed:
            allowed = ", ".join(literal(a) for a in column.allowed)
            checks.append(Check(column.name, f"{name} NOT IN ({allowed})",
                                f"is not one of: {', '.join(column.allowed)}", name, by_value=True))  # fmt: skip
        checks += _code_list_checks(table, column, name)
    return checks


def _code_list_checks(table: Table, column: Column, name: str) -> list[Check]:
    if column.code_list is CodeList.ISO3:
        return [Check(column.name, f"{name} NOT IN (SELECT iso3 FROM _iso3)",
                      "is not an ISO 3166-1 alpha-3 country code", name, by_value=True)]  # fmt: skip
    if column.code_list is CodeList.AREA:
        reason = ("is not a known area: not an ISO3 code, an OCHA p-code, nor an area_id in the workspace's "
                  "areas table (load the areas first)")  # fmt: skip
        return [Check(column.name, f"{name} NOT IN (SELECT area_id FROM _known_areas)", reason, name, by_value=True)]
    if column.code_list is CodeList.NEW_AREA:
        checks = [Check(column.name, f"NOT regexp_full_match({name}, {literal(AREA_CODE_PATTERN)})",
                        "is not a valid area code (letters, digits, '.', '_' or '-', at most 64)", name,
                        by_value=True)]  # fmt: skip
        if "admin_level" in table.column_index:
            level = write_expression(table.column("admin_level"))
            checks.append(Check(column.name, f"({level}) = 0 AND {name} NOT IN (SELECT iso3 FROM _iso3)",
                                "is not an ISO3 code, which a country (admin_level 0) needs", name))  # fmt: skip
        return checks
    return []


def run_checks(
    duck: duckdb.DuckDBPyConnection,
    checks: list[Check],
    file: str,
    *,
    values: dict[str, str] | None = None,
    limit: int = 1000,
) -> tuple[list[Issue], int]:
    """Count every check (by rows, or by distinct values), then list up to `limit` rows of each that failed.

    `values` gives, per column, a relation of its distinct values when the caller already has one.
    """
    values = values or {}
    failed = _row_counts(duck, [c for c in checks if not c.by_value])
    failed += [(check, _value_count(duck, check, values.get(check.column or ""))) for check in checks if check.by_value]
    issues: list[Issue] = []
    total = 0
    for check, count in failed:
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


def _row_counts(duck: duckdb.DuckDBPyConnection, checks: list[Check]) -> list[tuple[Check, int]]:
    if not checks:
        return []
    counts = duck.execute(f"SELECT {', '.join(f'count_if({c.condition})' for c in checks)} FROM {FRAME}").fetchall()
    return list(zip(checks, counts[0], strict=True))


def _value_count(duck: duckdb.DuckDBPyConnection, check: Check, values: str | None) -> int:
    """Rows failing a by-value check: test the distinct values first; count rows only if one fails."""
    relation = values or f"SELECT DISTINCT {quote(check.column or '')} FROM {FRAME}"
    bad = duck.execute(f"SELECT count(*) FROM ({relation}) AS {FRAME} WHERE {check.condition}").fetchall()[0][0]
    if not bad:
        return 0
    return int(duck.execute(f"SELECT count(*) FROM {FRAME} WHERE {check.condition}").fetchall()[0][0])
