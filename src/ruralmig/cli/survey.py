"""`ruralmig survey design|estimate|indicators`: design-based estimates from the workspace's household surveys.

Microdata stay in the workspace: only disclosure-checked aggregates are printed, written or stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer

from ruralmig.cli.common import STATE, console, fail_on_errors
from ruralmig.errors import InputError, Issue

if TYPE_CHECKING:
    from ruralmig.survey.design import SurveyDesign
    from ruralmig.workspace import Workspace

app = typer.Typer(help="Household surveys: designs, design-based estimates and the migration indicator catalogue.")

STATISTICS = ("mean", "total", "ratio", "proportion", "quantile")
REPLICATE_KINDS = ("JK1", "JKn", "BRR", "Fay", "bootstrap")
DESIGN_FIELDS = ("weight_column", "strata_column", "psu_column", "fpc_column", "lonely_psu")


def _open() -> Workspace:
    from ruralmig.workspace import Workspace

    return Workspace.open(STATE.workspace, database_url=STATE.database_url)


def _design_row(ws: Workspace, survey_id: str) -> dict[str, Any]:
    """The stored design of a survey, or the defaults of the households table (weight, stratum, psu)."""
    designs = ws.read("survey_designs")
    chosen = designs[designs["survey_id"] == survey_id]
    if len(chosen):
        row = chosen.iloc[0].to_dict()
        return {str(key): (None if pd.isna(value) else value) for key, value in row.items()}
    return {
        "survey_id": survey_id,
        "weight_column": "weight",
        "strata_column": "stratum",
        "psu_column": "psu",
        "fpc_column": None,
        "lonely_psu": "fail",
    }


def _unpack(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical columns plus one column per attribute of the JSON column ``attributes``."""
    if "attributes" not in frame.columns or frame.empty:
        return frame
    parsed = [json.loads(value) if isinstance(value, str) else (value or {}) for value in frame["attributes"]]
    attributes = pd.DataFrame.from_records(parsed, index=frame.index)
    fresh = [column for column in attributes.columns if column not in frame.columns]
    return pd.concat([frame.drop(columns="attributes"), attributes[fresh]], axis=1)


def _records(ws: Workspace, table: str, survey_id: str) -> pd.DataFrame:
    frame = ws.read(table, allow_sensitive=True)
    chosen = frame[frame["survey_id"] == survey_id].reset_index(drop=True)
    return _unpack(chosen)


def _memory_design(ws: Workspace, survey_id: str, table: str = "households") -> SurveyDesign:
    from ruralmig.survey.design import SurveyDesign

    records = _records(ws, table, survey_id)
    if records.empty:
        raise InputError(
            Issue(file=table, column="survey_id", value=survey_id, reason="has no records in the workspace")
        )
    row = _design_row(ws, survey_id)
    return SurveyDesign.from_frame(
        records,
        weights=row["weight_column"] or "weight",
        strata=_present(records, row["strata_column"]),
        psu=_present(records, row["psu_column"]),
        fpc=row["fpc_column"],
        lonely_psu=row["lonely_psu"] or "fail",
        source=f"{table} ({survey_id})",
    )


def _present(records: pd.DataFrame, column: str | None) -> str | None:
    """A design column, or None when it is not declared or holds no value at all (e.g. no strata)."""
    if column is None or (column in records.columns and records[column].isna().all()):
        return None
    return column


@app.command()
def design(
    survey: Annotated[str, typer.Argument(help="Survey identifier (survey_id of the households table).")],
    weights: Annotated[str | None, typer.Option(help="Weight column.")] = None,
    strata: Annotated[str | None, typer.Option(help="Strata column.")] = None,
    psu: Annotated[str | None, typer.Option(help="PSU (cluster) column.")] = None,
    fpc: Annotated[str | None, typer.Option(help="Finite population correction column.")] = None,
    lonely_psu: Annotated[
        str | None, typer.Option("--lonely-psu", help="fail, remove, certainty or adjust (strata with one PSU).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Survey title.")] = None,
) -> None:
    """Declare a survey's design (with options) or show it (without)."""
    from ruralmig.model import get_table
    from ruralmig.survey.design import LONELY_PSU_OPTIONS

    with fail_on_errors(), _open() as ws:
        current = _design_row(ws, survey)
        changes = {
            "weight_column": weights,
            "strata_column": strata,
            "psu_column": psu,
            "fpc_column": fpc,
            "lonely_psu": lonely_psu,
            "title": title,
        }
        if any(value is not None for value in changes.values()):
            if lonely_psu is not None and lonely_psu not in LONELY_PSU_OPTIONS:
                raise InputError(
                    Issue(
                        file="--lonely-psu", value=lonely_psu, reason=f"is not one of {', '.join(LONELY_PSU_OPTIONS)}"
                    )
                )
            current.update({key: value for key, value in changes.items() if value is not None})
            _memory_design_check(ws, survey, current)
            import pyarrow as pa

            spec = get_table("survey_designs")
            row = {column.name: current.get(column.name) for column in spec.columns}
            ws.store.delete_matching(spec, "survey_id", survey)
            ws.store.append_rows([(spec, pa.Table.from_pylist([row]))])
            console.print(f"[green]✓[/] design of {survey} stored")
        for key in ("survey_id", "title", *DESIGN_FIELDS):
            console.print(f"{key:>14}: {current.get(key) if current.get(key) is not None else '-'}")


def _memory_design_check(ws: Workspace, survey_id: str, row: dict[str, Any]) -> None:
    """Build the design once so that a bad declaration is refused before it is stored."""
    from ruralmig.survey.design import SurveyDesign

    records = _records(ws, "households", survey_id)
    if records.empty:
        return
    SurveyDesign.from_frame(
        records,
        weights=row["weight_column"] or "weight",
        strata=_present(records, row.get("strata_column")),
        psu=_present(records, row.get("psu_column")),
        fpc=row.get("fpc_column"),
        lonely_psu=row.get("lonely_psu") or "fail",
        source=f"households ({survey_id})",
    )


def _database_estimate(
    ws: Workspace, survey_id: str, statistic: str, variable: str, denominator: str | None, by: str | None
) -> pd.DataFrame:
    """The estimate computed inside DuckDB on a view that flattens the attributes the estimate needs."""
    from ruralmig.survey import in_database as db

    if ws.backend != "duckdb":
        raise InputError(Issue(file="--in-database", reason="needs a DuckDB workspace"))
    row = _design_row(ws, survey_id)
    connection = ws.store.staging_connection()
    canonical = {"weight", "stratum", "psu", "fpc", "rural", "area_id", "household_id", "survey_id"}
    needed = [name for name in (variable, denominator, by) if name is not None and name not in canonical]
    extracted = ", ".join(
        f"json_extract_string(attributes, '$.' || {_sql_text(name)}) AS {db.quote_identifier(name)}" for name in needed
    )
    typed = ", ".join(
        f"TRY_CAST({db.quote_identifier(name)} AS DOUBLE) AS {db.quote_identifier(name)}"
        if name != by
        else db.quote_identifier(name)
        for name in needed
    )
    inner = (
        f"SELECT *{', ' + extracted if extracted else ''} FROM main.households WHERE survey_id = {_sql_text(survey_id)}"
    )
    outer = f"SELECT * EXCLUDE ({', '.join(db.quote_identifier(n) for n in needed)}), {typed}" if needed else "SELECT *"
    connection.execute(f"CREATE OR REPLACE TEMP VIEW _survey_records AS {outer} FROM ({inner})")
    declared = db.DatabaseDesign(
        connection,
        "_survey_records",
        weights=row["weight_column"] or "weight",
        strata=row["strata_column"],
        psu=row["psu_column"],
        fpc=row["fpc_column"],
        lonely_psu=row["lonely_psu"] or "fail",
    )
    if statistic == "ratio":
        return db.database_ratio(declared, variable, str(denominator), by=by, na_rm=True).to_frame()
    estimator = {"mean": db.database_mean, "total": db.database_total, "proportion": db.database_proportion}[statistic]
    return estimator(declared, variable, by=by, na_rm=True).to_frame()


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _memory_estimate(
    design: Any, statistic: str, variable: str, denominator: str | None, by: str | None, quantiles: list[float] | None
) -> pd.DataFrame:
    from ruralmig.survey import taylor
    from ruralmig.survey.quantiles import survey_quantile

    if statistic == "ratio":
        return taylor.survey_ratio(design, variable, str(denominator), by=by, na_rm=True).to_frame()
    if statistic == "quantile":
        return survey_quantile(design, variable, tuple(quantiles or (0.5,)), by=by, na_rm=True).to_frame()
    estimator = {"mean": taylor.survey_mean, "total": taylor.survey_total, "proportion": taylor.survey_proportion}
    return estimator[statistic](design, variable, by=by, na_rm=True).to_frame()


@app.command()
def estimate(
    survey: Annotated[str, typer.Option(help="Survey identifier.")],
    variable: Annotated[str, typer.Option(help="Variable to estimate (numerator of a ratio).")],
    statistic: Annotated[str, typer.Option(help="mean, total, ratio, proportion or quantile.")] = "mean",
    denominator: Annotated[str | None, typer.Option(help="Denominator of a ratio of totals.")] = None,
    by: Annotated[str | None, typer.Option(help="Domain variable (e.g. rural, region).")] = None,
    quantile: Annotated[
        list[float] | None, typer.Option(help="Quantiles for --statistic quantile (repeatable; default 0.5).")
    ] = None,
    replicates: Annotated[
        str | None,
        typer.Option(
            help="Variance from generated replicate weights: JK1, JKn, BRR, Fay or bootstrap (default: Taylor)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of bootstrap replicates (recorded in the output).")] = 1,
    in_database: Annotated[
        bool, typer.Option(help="Aggregate inside DuckDB (for surveys larger than memory).")
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of the released estimates.")] = Path(
        "survey_estimate.csv"
    ),
) -> None:
    """Estimate, SE, CI, deff, n, CV and disclosure flag per domain; failing cells are suppressed or flagged."""
    from ruralmig.survey.disclosure import DisclosurePolicy, release

    with fail_on_errors():
        if statistic not in STATISTICS:
            raise InputError(
                Issue(file="--statistic", value=statistic, reason=f"is not one of {', '.join(STATISTICS)}")
            )
        if statistic == "ratio" and denominator is None:
            raise InputError(Issue(file="--denominator", reason="is required for a ratio"))
        if replicates is not None and replicates not in REPLICATE_KINDS:
            raise InputError(
                Issue(file="--replicates", value=replicates, reason=f"is not one of {', '.join(REPLICATE_KINDS)}")
            )
        if in_database and (statistic == "quantile" or replicates is not None):
            raise InputError(
                Issue(file="--in-database", reason="supports Taylor means, totals, ratios and proportions only")
            )
        with _open() as ws:
            if in_database:
                frame = _database_estimate(ws, survey, statistic, variable, denominator, by)
            else:
                declared: Any = _memory_design(ws, survey)
                if replicates is not None:
                    declared = declared.to_replicate(replicates, seed=seed)
                frame = _memory_estimate(declared, statistic, variable, denominator, by, quantile)
        policy = DisclosurePolicy.from_settings()
        released = release(frame.assign(survey_id=survey), policy)
        released.to_csv(out, index=False)
    shown = released.drop(columns=["survey_id"]).round(6)
    console.print(
        f"survey {survey}: {statistic} of {variable}" + (f" by {by}" if by else "") + f" ({policy.describe()})"
    )
    console.print(shown.to_string(index=False))
    console.print(f"[green]✓[/] {len(released)} row(s) written to {out}")


@app.command()
def indicators(
    survey: Annotated[str, typer.Option(help="Survey identifier.")],
    catalogue: Annotated[Path | None, typer.Option(help="Catalogue YAML (default: the bundled catalogue).")] = None,
    breakdown: Annotated[
        list[str] | None, typer.Option(help="Breakdowns to use (repeatable; default: all of the catalogue).")
    ] = None,
    save: Annotated[bool, typer.Option(help="Store the indicators in the workspace as a survey run.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of the indicator table.")] = Path(
        "survey_indicators.csv"
    ),
) -> None:
    """Compute the indicator catalogue on a survey (households, and persons if loaded), disclosure applied."""
    from ruralmig.survey.catalogue import compute_catalogue, load_catalogue
    from ruralmig.survey.disclosure import DisclosurePolicy

    with fail_on_errors(), _open() as ws:
        households = _memory_design(ws, survey)
        persons = None
        if not _records(ws, "persons", survey).empty:
            persons = _memory_design(ws, survey, "persons")
        policy = DisclosurePolicy.from_settings()
        frame = compute_catalogue(
            households, load_catalogue(catalogue), breakdown or None, policy, survey_id=survey, person_design=persons
        )
        frame.to_csv(out, index=False)
        if save:
            parameters = {
                "survey_id": survey,
                "catalogue": str(catalogue) if catalogue else "bundled",
                "design": _design_row(ws, survey),
                "disclosure": policy.describe(),
            }
            run_id = ws.save_survey_run(frame, parameters)
            console.print(f"stored in the workspace as run {run_id}")
    national = frame[frame["domain"] == "all"][["indicator", "estimate", "se", "n", "flag"]]
    console.print(national.round(4).to_string(index=False))
    console.print(f"[green]✓[/] {len(frame)} indicator cells written to {out}")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="survey")
