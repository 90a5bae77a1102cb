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
        number("agents_low", "Ensemble runs: 5th percentile over replicas (agents is the median).", since_version=5),
        number("agents_high", "Ensemble runs: 95th percentile over the replicas.", since_version=5),
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
        integer("score_rank", "Rank among the units of the period (1 = highest score).", since_version=4),
        text("risk_class", "Class of the score under the definition's thresholds.", since_version=4),
        number("reliability", "1 - the share of missing indicators below the node.", since_version=4),
        number("rank_low", "Lower end of the rank interval from the uncertainty analysis.", since_version=4),
        number("rank_high", "Upper end of the rank interval from the uncertainty analysis.", since_version=4),
        number("score_low", "Lower end of the score interval from the uncertainty analysis.", since_version=4),
        number("score_high", "Upper end of the score interval from the uncertainty analysis.", since_version=4),
    ),
)

SURVEY_RESULTS = Table(
    name="survey_results",
    family="results",
    description="Design-based survey estimates of a stored run, one row per indicator and domain cell, "
    "with their disclosure flags. Aggregates only: microdata stay in households and persons.",
    key=("run_id", "indicator", "domain", "domain_value"),
    system=True,
    since_version=4,
    columns=(
        text("run_id", "Run identifier (see results).", required=True),
        text("survey_id", "Survey estimated from.", required=True),
        text("indicator", "Indicator of the catalogue, or the estimated variable.", required=True),
        text("statistic", "mean, total, ratio, proportion or quantile.", required=True),
        text("domain", "Domain variable ('all' for the whole population).", required=True),
        text("domain_value", "Domain cell ('all' for the whole population).", required=True),
        number("estimate", "Point estimate (empty when suppressed)."),
        number("se", "Standard error (empty when suppressed)."),
        number("ci_low", "Lower bound of the confidence interval."),
        number("ci_high", "Upper bound of the confidence interval."),
        number("deff", "Design effect."),
        integer("n", "Unweighted number of sample units in the cell.", required=True, minimum=0),
        number("cv", "Coefficient of variation (se / estimate)."),
        text("unit", "Unit of the estimate."),
        text("flag", "ok, flagged (CV above threshold) or suppressed (n or CV rule).", required=True),
    ),
)

API_KEYS = Table(
    name="api_keys",
    family="access",
    description="API keys of the REST API: only a hash of each key is stored, never the key.",
    key=("key_id",),
    system=True,
    since_version=4,
    columns=(
        text("key_id", "Public identifier of the key (its prefix).", required=True),
        text("key_hash", "Salted hash of the secret part of the key.", required=True),
        text("name", "Who or what the key is for.", required=True),
        text("role", "viewer, analyst or admin.", required=True, allowed=("viewer", "analyst", "admin")),
        typed("grants", DataType.JSON, "Datasets (tables or survey ids) the key may read beyond its role's default."),
        typed("created_at", DataType.TIMESTAMP, "When the key was created (UTC).", required=True),
        typed("revoked_at", DataType.TIMESTAMP, "When the key was revoked (UTC), if it was."),
    ),
)

AUDIT_LOG = Table(
    name="audit_log",
    family="access",
    description="Every write and every job through the API: who, what, when and the outcome.",
    key=("event_id",),
    system=True,
    since_version=4,
    columns=(
        text("event_id", "Event identifier.", required=True),
        typed("at", DataType.TIMESTAMP, "When it happened (UTC).", required=True),
        text("key_id", "Key used (never the secret)."),
        text("role", "Role of the key."),
        text("action", "What was done, e.g. upload, job.submit, job.cancel, key.create.", required=True),
        text("target", "Table, job or key acted on."),
        integer("status", "HTTP status returned."),
        typed("detail", DataType.JSON, "Parameters and outcome."),
    ),
)

JOBS = Table(
    name="jobs",
    family="access",
    description="Long-running work submitted through the API or CLI, with its progress and outcome.",
    key=("job_id",),
    system=True,
    since_version=4,
    columns=(
        text("job_id", "Job identifier.", required=True),
        text("kind", "What runs, e.g. displacement, ensemble, uncertainty.", required=True),
        text(
            "status",
            "queued, running, done, failed or cancelled.",
            required=True,
            allowed=("queued", "running", "done", "failed", "cancelled"),
        ),
        typed("parameters", DataType.JSON, "Parameters of the job."),
        number("progress", "Share done, 0 to 1.", minimum=0, maximum=1),
        text("message", "Latest status line or error."),
        text("run_id", "Run stored by the job (see results)."),
        text("submitted_by", "Key id that submitted it."),
        typed("created_at", DataType.TIMESTAMP, "When it was submitted (UTC).", required=True),
        typed("updated_at", DataType.TIMESTAMP, "Last change (UTC).", required=True),
    ),
)
