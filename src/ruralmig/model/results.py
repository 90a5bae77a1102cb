"""Tables ruralmig writes itself: engine runs and the provenance of each ingest."""

from __future__ import annotations

from ruralmig.model.schema import DataType, Table, integer, number, text, typed

RESULTS = Table(
    name="results",
    family="results",
    description="One row per engine run, with everything needed to reproduce it.",
    key=("run_id",),
    system=True,
    columns=(
        text("run_id", "Run identifier.", required=True),
        text("engine", "Engine that produced the result.", required=True),
        typed("parameters", DataType.JSON, "Parameters of the run."),
        integer("seed", "Random seed."),
        text("inputs_hash", "SHA-256 over the inputs."),
        text("code_version", "ruralmig version."),
        typed("created_at", DataType.TIMESTAMP, "When the run finished (UTC).", required=True),
    ),
)

INGEST_LOG = Table(
    name="ingest_log",
    family="results",
    description="Provenance of every ingest: file, hash, rows, time and code version.",
    key=("ingest_id",),
    system=True,
    columns=(
        text("ingest_id", "Ingest identifier.", required=True),
        text("table_name", "Canonical table written.", required=True),
        text("file_name", "Name of the source file.", required=True),
        text("sha256", "SHA-256 of the source file.", required=True),
        integer("rows", "Rows written.", required=True),
        text("mode", "append, upsert or replace.", required=True),
        typed("options", DataType.JSON, "Column mapping, sheet and reader options used."),
        text("code_version", "ruralmig version.", required=True),
        typed("started_at", DataType.TIMESTAMP, "Start (UTC).", required=True),
        typed("finished_at", DataType.TIMESTAMP, "End (UTC).", required=True),
    ),
)

DISPLACEMENT_RESULTS = Table(
    name="displacement_results",
    family="results",
    description="Agents per location and day of a stored displacement run, beside the observed counts.",
    key=("run_id", "location", "day"),
    system=True,
    since_version=2,
    columns=(
        text("run_id", "Run identifier (see results).", required=True),
        text("location", "Location name in the network.", required=True),
        integer("day", "Simulation day from 0.", required=True, minimum=0),
        typed("date", DataType.DATE, "Date of the day.", required=True),
        integer("agents", "Agents at the location at the end of the day.", required=True, minimum=0),
        number("observed", "Observed count (camps with data only)."),
    ),
)

INDEX_RESULTS = Table(
    name="index_results",
    family="results",
    description="Scores of every node and indicator of a stored composite-index run.",
    key=("run_id", "unit", "period", "node"),
    system=True,
    since_version=3,
    columns=(
        text("run_id", "Run identifier (see results).", required=True),
        text("unit", "Area or country scored.", required=True),
        text("period", "Period scored.", required=True),
        text("node", "Node or indicator of the index tree.", required=True),
        text("kind", "node or indicator.", required=True),
        number("score", "Score on the node's scale."),
        number("missing_share", "Share of the indicators below the node with no value."),
        number("imputed_share", "Share of the indicators below the node that were imputed."),
    ),
)
