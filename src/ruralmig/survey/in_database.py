"""Taylor-linearised means, totals, ratios and proportions computed inside DuckDB, for microdata larger than memory.

The records never leave the database. One aggregate query sums, per stratum x PSU x domain, the weights and the
weighted values (and the unweighted counts); that small table comes back and the linearised scores of each PSU
are formed from it: for a mean z_hid = (sum w y - mean_d * sum w) / N_d, for a ratio (sum w y - R_d sum w x) / X_d,
for a total sum w y. The variance is then the same stratified formula as the in-memory path
(:meth:`SurveyDesign.taylor_variance_by_domain` applied to one row per PSU x domain), so both paths give the same
numbers and the same lonely-PSU and fpc rules. Domains keep every PSU (PSUs with no domain member score zero).

The engine takes a :class:`duckdb.DuckDBPyConnection` and the name of a table or view; it never opens a workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import FloatArray
from ruralmig.survey.design import LONELY_PSU_OPTIONS, LonelyPsu, SurveyDesign
from ruralmig.survey.taylor import SurveyEstimate

__all__ = [
    "DatabaseDesign",
    "database_mean",
    "database_proportion",
    "database_ratio",
    "database_total",
]

Interval = Literal["normal", "t"]
_COLUMNS = ["statistic", "domain", "term", "estimate", "se", "ci_low", "ci_high", "deff", "df", "n"]


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _quote_relation(name: str) -> str:
    return ".".join(quote_identifier(part) for part in name.split("."))


@dataclass(frozen=True)
class DatabaseDesign:
    """A stratified cluster design over a DuckDB table or view (R ``svydesign`` on a database-backed table).

    ``psu=None`` makes every record its own PSU (numbered in the query; slower on very large tables);
    ``strata=None`` means one stratum; ``fpc`` as in :meth:`SurveyDesign.from_frame` (population count of PSUs in
    the stratum, or a sampling fraction). Second stages and calibration are only in the in-memory path.
    """

    connection: duckdb.DuckDBPyConnection
    table: str
    weights: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: LonelyPsu = "fail"

    def __post_init__(self) -> None:
        if self.lonely_psu not in LONELY_PSU_OPTIONS:
            raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU_OPTIONS)}; got {self.lonely_psu!r}")
        if not isinstance(self.connection, duckdb.DuckDBPyConnection):
            raise TypeError(f"connection must be a duckdb.DuckDBPyConnection; got {type(self.connection).__name__}")

    @property
    def source(self) -> str:
        """The table name, as errors report it."""
        return self.table

    def columns(self) -> list[str]:
        """Column names of the table."""
        try:
            described = self.connection.execute(f"DESCRIBE SELECT * FROM {_quote_relation(self.table)}").fetchall()
        except duckdb.Error as error:
            raise InputError(Issue(file=self.table, reason=f"is not a readable table or view: {error}")) from None
        return [str(row[0]) for row in described]

    def require(self, names: Sequence[str], role: str) -> None:
        """InputError for the first name that is not a column of the table."""
        present = set(self.columns())
        for name in names:
            if name not in present:
                raise InputError(Issue(file=self.table, column=name, reason=f"the {role} column is not in the table"))

    def relation_sql(self) -> str:
        """The FROM clause: the table, with a generated PSU number when every record is its own PSU."""
        relation = _quote_relation(self.table)
        if self.psu is None:
            return f"(SELECT *, row_number() OVER () AS __psu FROM {relation}) AS records"
        return f"{relation} AS records"

    def validate(self, by: str | None) -> None:
        """Check the design columns in one scan: weights finite and >= 0, no missing strata, PSUs or domains."""
        design_columns = [self.weights] + [c for c in (self.strata, self.psu, self.fpc) if c is not None]
        self.require(design_columns, "design")
        if by is not None:
            self.require([by], "domain")
        weight = quote_identifier(self.weights)
        checks: list[tuple[str, str, str]] = [
            (self.weights, f"{weight} IS NULL OR NOT isfinite(CAST({weight} AS DOUBLE))", "is not a finite weight"),
            (self.weights, f"CAST({weight} AS DOUBLE) < 0", "is negative; weights must be >= 0"),
        ]
        for column, role in ((self.strata, "stratum"), (self.psu, "PSU"), (by, "domain")):
            if column is not None:
                checks.append(
                    (column, f"{quote_identifier(column)} IS NULL", f"is missing; every record needs a {role}")
                )
        counts = ", ".join(f"count(*) FILTER (WHERE {condition})" for _, condition, _ in checks)
        row = self.connection.execute(f"SELECT {counts} FROM {_quote_relation(self.table)}").fetchall()[0]
        for (column, _, reason), count in zip(checks, row, strict=True):
            if count:
                raise InputError(
                    Issue(file=self.table, column=column, reason=f"{reason} ({count} records)"), total=count
                )


def _numeric(design: DatabaseDesign, column: str) -> str:
    """SQL for a numeric variable; a text column is an InputError naming it."""
    types = dict(
        (str(row[0]), str(row[1]))
        for row in design.connection.execute(
            f"DESCRIBE SELECT {quote_identifier(column)} FROM {_quote_relation(design.table)}"
        ).fetchall()
    )
    kind = types.get(column, "")
    if not any(token in kind for token in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "BOOLEAN", "NUMERIC")):
        raise InputError(Issue(file=design.table, column=column, value=kind, reason="is not a numeric column"))
    return f"CAST({quote_identifier(column)} AS DOUBLE)"


@dataclass(frozen=True)
class _PsuTable:
    """Per PSU x domain sums fetched from the database, with the design rebuilt over them."""

    design: SurveyDesign
    domain_codes: np.ndarray[Any, np.dtype[np.intp]]
    labels: list[str]
    counts: FloatArray  # unweighted complete records per domain
    weight_sums: FloatArray  # per row: sum of weights over complete records
    value_sums: FloatArray  # per row x expression: sum of w * value over complete records

    def by_domain(self, values: FloatArray) -> FloatArray:
        """Sums of per-row values (rows x k) by domain (domains x k)."""
        result = np.zeros((len(self.labels), values.shape[1]))
        for column in range(values.shape[1]):
            result[:, column] = np.bincount(self.domain_codes, weights=values[:, column], minlength=len(self.labels))
        return result


def _psu_table(
    design: DatabaseDesign,
    expressions: Sequence[str],
    complete: str,
    by: str | None,
    parameters: Sequence[object] = (),
) -> _PsuTable:
    """Run the aggregate query and rebuild the design over its rows (one per PSU x domain)."""
    weight = f"CAST({quote_identifier(design.weights)} AS DOUBLE)"
    keys = [
        f"{quote_identifier(design.strata)} AS __stratum" if design.strata else "0 AS __stratum",
        f"{quote_identifier(design.psu)} AS __psu" if design.psu else "__psu",
        f"{quote_identifier(by)} AS __domain" if by else "0 AS __domain",
    ]
    fpc = "NULL AS __fpc, NULL AS __fpc_max"
    if design.fpc:
        fpc_value = f"CAST({quote_identifier(design.fpc)} AS DOUBLE)"
        fpc = f"min({fpc_value}) AS __fpc, max({fpc_value}) AS __fpc_max"
    sums = [
        f"sum({weight} * ({expression})) FILTER (WHERE {complete}) AS s{i}" for i, expression in enumerate(expressions)
    ]
    query = (
        f"SELECT {', '.join(keys)}, {fpc}, count(*) FILTER (WHERE {complete}) AS __n, "
        f"sum({weight}) FILTER (WHERE {complete}) AS __w, {', '.join(sums)} "
        f"FROM {design.relation_sql()} GROUP BY ALL"
    )
    try:
        frame = design.connection.execute(query, list(parameters) or None).df()
    except duckdb.Error as error:
        raise InputError(Issue(file=design.table, reason=f"the aggregate query failed: {error}")) from None
    if design.fpc is not None:
        # The fpc must be constant within a stratum: within each PSU here, across PSUs by the design below.
        frame["__fpc"] = frame["__fpc"].astype(float)
        varying = frame["__fpc"].ne(frame["__fpc_max"].astype(float)) & frame["__fpc_max"].notna()
        if varying.any():
            raise InputError(
                Issue(
                    file=design.table, column=design.fpc, reason="varies within a PSU; the fpc must be constant there"
                )
            )
    frame["__one"] = 1.0
    source = f"{design.table} (per-PSU totals)"
    rebuilt = SurveyDesign.from_frame(
        frame,
        weights="__one",
        strata="__stratum" if design.strata else None,
        psu="__psu",
        fpc="__fpc" if design.fpc else None,
        lonely_psu=design.lonely_psu,
        source=source,
    )
    codes, uniques = pd.factorize(frame["__domain"], sort=True)
    labels = [str(label) for label in uniques]
    domain_codes = codes.astype(np.intp)
    counts: FloatArray = np.bincount(
        domain_codes, weights=frame["__n"].to_numpy(np.float64), minlength=len(labels)
    ).astype(np.float64)
    weight_sums = frame["__w"].fillna(0.0).to_numpy(np.float64)
    value_sums = frame[[f"s{i}" for i in range(len(expressions))]].fillna(0.0).to_numpy(np.float64)
    return _PsuTable(rebuilt, domain_codes, labels, counts, weight_sums, value_sums)


def _critical(level: float, interval: Interval, degrees_of_freedom: int) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
    if interval not in ("normal", "t"):
        raise ValueError(f"interval must be 'normal' or 't'; got {interval!r}")
    tail = 1.0 - (1.0 - level) / 2.0
    return float(stats.norm.ppf(tail) if interval == "normal" else stats.t.ppf(tail, degrees_of_freedom))


def _estimate(
    table: _PsuTable,
    statistic: Literal["mean", "total", "ratio", "proportion"],
    by: str | None,
    terms: list[str],
    estimate: FloatArray,
    scores: FloatArray,
    srs_variance: FloatArray | None,
    level: float,
    interval: Interval,
) -> SurveyEstimate:
    design = table.design
    clean = np.where(np.isfinite(scores), scores, 0.0)
    variance = design.taylor_variance_by_domain(clean, table.domain_codes, len(table.labels))
    se = np.sqrt(variance)
    deff = np.full_like(variance, np.nan)
    if srs_variance is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            deff = variance / srs_variance
    critical = _critical(level, interval, design.degrees_of_freedom)
    term_count = len(terms)
    frame = pd.DataFrame(
        {
            "statistic": statistic,
            "domain": np.repeat(np.array(table.labels, dtype=object), term_count) if by else None,
            "term": np.tile(np.array(terms, dtype=object), len(table.labels)),
            "estimate": estimate.ravel(),
            "se": se.ravel(),
            "ci_low": (estimate - critical * se).ravel(),
            "ci_high": (estimate + critical * se).ravel(),
            "deff": deff.ravel(),
            "df": design.degrees_of_freedom,
            "n": np.repeat(table.counts, term_count).astype(np.int64),
        },
        columns=_COLUMNS,
    )
    return SurveyEstimate(
        statistic=statistic,
        table=frame,
        level=level,
        interval=interval,
        degrees_of_freedom=design.degrees_of_freedom,
        by=by,
    )


def _complete(design: DatabaseDesign, columns: Sequence[str], na_rm: bool) -> str:
    """SQL condition for complete records; missing values fail unless ``na_rm`` (as the in-memory path)."""
    condition = " AND ".join(f"{quote_identifier(column)} IS NOT NULL" for column in columns) or "TRUE"
    if not na_rm:
        missing = design.connection.execute(
            f"SELECT count(*) FROM {_quote_relation(design.table)} WHERE NOT ({condition})"
        ).fetchall()[0][0]
        if missing:
            raise InputError(
                Issue(
                    file=design.table,
                    column=", ".join(columns),
                    reason=f"has {missing} missing values; pass na_rm=True to treat them as outside the domain",
                ),
                total=int(missing),
            )
    return condition


def _as_list(variables: str | Sequence[str]) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)


def _mean_parts(
    design: DatabaseDesign, expressions: list[str], complete: str, by: str | None, parameters: Sequence[object] = ()
) -> tuple[_PsuTable, FloatArray, FloatArray, FloatArray | None]:
    """Domain means, PSU-row scores and (whole sample, every record complete) R's SRS variances of the means."""
    table = _psu_table(design, expressions, complete, by, parameters)
    population = table.by_domain(table.weight_sums[:, None])[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = table.by_domain(table.value_sums) / population[:, None]
        rows = table.domain_codes
        scores = (table.value_sums - estimate[rows] * table.weight_sums[:, None]) / population[rows][:, None]
    srs = None
    records = design.connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {complete}) FROM {_quote_relation(design.table)}"
    ).fetchall()[0]
    if by is None and records[0] == records[1]:
        srs = _srs_variance(design, expressions, estimate[0], parameters)[None, :]
    return table, estimate, scores, srs


def _srs_variance(
    design: DatabaseDesign, expressions: list[str], means: FloatArray, parameters: Sequence[object]
) -> FloatArray:
    """R's V_srswor of a mean: (1 - n/N) s2_w / n, s2_w = sum w (y - mean)^2 / N * n / (n - 1), n = records with w > 0.

    A second scan with the means known, so that the squares are centred exactly as in the in-memory path.
    """
    weight = f"CAST({quote_identifier(design.weights)} AS DOUBLE)"
    squares = [f"sum({weight} * pow(({expression}) - ?, 2))" for expression in expressions]
    per_term = len(parameters) // max(len(expressions), 1)
    arguments: list[object] = []
    for index, mean in enumerate(means):
        arguments.extend(parameters[index * per_term : (index + 1) * per_term])
        arguments.append(float(mean))
    row = design.connection.execute(
        f"SELECT count(*) FILTER (WHERE {weight} > 0), sum({weight}), {', '.join(squares)} "
        f"FROM {_quote_relation(design.table)}",
        arguments,
    ).fetchall()[0]
    sample, population = float(row[0]), float(row[1])
    squares_sum = np.array(row[2:], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        srs: FloatArray = (1.0 - sample / population) * squares_sum / population * sample / (sample - 1.0) / sample
    return srs


def _numeric_inputs(design: DatabaseDesign, columns: list[str], by: str | None, na_rm: bool) -> tuple[list[str], str]:
    """Check the domain and the variables, and return their numeric SQL expressions and the complete-case filter."""
    design.validate(by)
    design.require(columns, "variable")
    return [_numeric(design, column) for column in columns], _complete(design, columns, na_rm)


def database_mean(
    design: DatabaseDesign,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Weighted means by domain with Taylor SEs, computed in the database (same numbers as ``survey_mean``)."""
    columns = _as_list(variables)
    expressions, complete = _numeric_inputs(design, columns, by, na_rm)
    table, estimate, scores, srs = _mean_parts(design, expressions, complete, by)
    return _estimate(table, "mean", by, columns, estimate, scores, srs, level, interval)


def database_total(
    design: DatabaseDesign,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Weighted totals by domain with Taylor SEs, computed in the database (same numbers as ``survey_total``)."""
    columns = _as_list(variables)
    expressions, complete = _numeric_inputs(design, columns, by, na_rm)
    table, _, _, srs_mean = _mean_parts(design, expressions, complete, by)
    estimate = table.by_domain(table.value_sums)
    population = table.by_domain(table.weight_sums[:, None])
    srs = None if srs_mean is None else srs_mean * population**2
    return _estimate(table, "total", by, columns, estimate, table.value_sums, srs, level, interval)


def database_ratio(
    design: DatabaseDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Ratios of totals by domain with Taylor SEs, computed in the database (same numbers as ``survey_ratio``)."""
    tops, bottoms = _as_list(numerator), _as_list(denominator)
    if len(tops) != len(bottoms):
        raise ValueError(f"numerator and denominator must list as many variables; got {len(tops)} and {len(bottoms)}")
    expressions, complete = _numeric_inputs(design, tops + bottoms, by, na_rm)
    table = _psu_table(design, expressions, complete, by)
    count = len(tops)
    top, bottom = table.value_sums[:, :count], table.value_sums[:, count:]
    with np.errstate(divide="ignore", invalid="ignore"):
        bottom_total = table.by_domain(bottom)
        estimate = table.by_domain(top) / bottom_total
        rows = table.domain_codes
        scores = (top - estimate[rows] * bottom) / bottom_total[rows]
    terms = [f"{a}/{b}" for a, b in zip(tops, bottoms, strict=True)]
    return _estimate(table, "ratio", by, terms, estimate, scores, None, level, interval)


def database_proportion(
    design: DatabaseDesign,
    variable: str,
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Proportions of each level of a variable by domain, computed in the database (as ``survey_proportion``)."""
    design.validate(by)
    design.require([variable], "variable")
    column = quote_identifier(variable)
    levels = [
        row[0]
        for row in design.connection.execute(
            f"SELECT DISTINCT {column} FROM {_quote_relation(design.table)} WHERE {column} IS NOT NULL"
        ).fetchall()
    ]
    if not levels:
        raise InputError(Issue(file=design.table, column=variable, reason="has no non-missing values"))
    _, uniques = pd.factorize(pd.Series(levels), sort=True)
    ordered = list(uniques)
    complete = _complete(design, [variable], na_rm)
    expressions = [f"CASE WHEN {column} = ? THEN 1.0 ELSE 0.0 END" for _ in ordered]
    table, estimate, scores, srs = _mean_parts(design, expressions, complete, by, ordered)
    terms = [f"{variable}{level}" for level in ordered]
    return _estimate(table, "proportion", by, terms, estimate, scores, srs, level, interval)
