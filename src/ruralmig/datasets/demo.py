"""Build the demo workspace from the bundled open data, through the same ingest path users take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ruralmig.datasets import bundled_file
from ruralmig.ingest import IngestResult
from ruralmig.storage import WriteMode, workspace_file
from ruralmig.workspace import Workspace

__all__ = ["DEMO_STEPS", "DemoStep", "DemoSummary", "build_demo", "run_demo"]


@dataclass(frozen=True)
class DemoStep:
    """One bundled file and how it is ingested."""

    title: str
    table: str
    file: Callable[[], Path]
    mode: WriteMode = "append"
    column_map: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    skip: tuple[str, ...] = ()

    def ingest_into(self, workspace: Workspace) -> IngestResult:
        """Load the file into `workspace` the way the demo does."""
        return workspace.ingest(
            self.table,
            self.file(),
            mode=self.mode,
            column_map=self.column_map,
            constants=self.constants,
            skip=self.skip,
        )


DEMO_STEPS = (
    DemoStep("countries (Natural Earth admin-0)", "areas", lambda: bundled_file("ne_admin0.parquet")),
    DemoStep(
        "OCHA p-codes, admin 1 and 2 (HXL-tagged)",
        "areas",
        lambda: bundled_file("ocha_pcodes_adm1_2_hxl.csv"),
        mode="upsert",
        constants={"source": "OCHA Global P-codes"},
    ),
    DemoStep("admin-1 boundaries (Natural Earth)", "areas", lambda: bundled_file("ne_admin1.parquet"), mode="upsert"),
    DemoStep("IPC food insecurity, phase 3+", "indicators", lambda: bundled_file("ipc_phase3plus_admin1.csv")),
    DemoStep(
        "CHIRPS rainfall, Mozambique (wide table)",
        "indicators",
        lambda: bundled_file("moz_rainfall_adm1.csv"),
        column_map={"PCODE": "area_id", "date": "period"},
        constants={"source": "WFP CHIRPS", "unit": "mm"},
        skip=("adm_level", "adm_id", "n_pixels", "version"),
    ),
)


def build_demo(
    folder: Path | str, *, fresh: bool = True, on_step: Callable[[DemoStep, IngestResult], None] | None = None
) -> Workspace:
    """Create the demo workspace in `folder` (replacing an old one when `fresh`) and return it open."""
    path = workspace_file(folder)
    if fresh:
        for old in (path, path.with_name(path.name + ".wal")):
            old.unlink(missing_ok=True)
    workspace = Workspace.init(folder)
    try:
        for step in DEMO_STEPS:
            result = step.ingest_into(workspace)
            if on_step is not None:
                on_step(step, result)
    except BaseException:
        workspace.close()
        raise
    return workspace


@dataclass(frozen=True)
class DemoDisplacement:
    """What the demo's displacement run produced."""

    network_id: str
    days: int
    ard: float
    ard_rescaled: float
    camps_last_day: dict[str, tuple[int, int]]  # camp -> (simulated, observed)
    files: tuple[Path, ...]
    run_id: str = ""
    replica_run_ids: tuple[str, ...] = ()
    ensemble_run_id: str | None = None  # the median and 5-95 % band of the run and its replicas


def run_demo_displacement(
    workspace: Workspace,
    out: Path,
    *,
    seed: int = 1,
    replicas: int = 0,
    on_replica: Callable[[int, int], None] | None = None,
) -> DemoDisplacement:
    """Load the bundled Burundi 2015 case into the workspace, simulate it from there, store it and write outputs.

    With `replicas` > 0, that many more runs (seeds from ``replica_seeds(seed, replicas)``) are stored too, and the
    ensemble of all of them as one more run (median with its 5-95 % band), which the dashboard draws.
    `on_replica(done, total)` is called after each replica.
    """
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.displacement import simulate
    from ruralmig.displacement.ensemble import EnsembleResult, replica_seeds
    from ruralmig.displacement.plots import write_arrivals_html
    from ruralmig.displacement.pressure import area_pressure
    from ruralmig.ingest.flee import read_case
    from ruralmig.scenarios.tasks import save_ensemble_run

    folder = burundi_case_folder()
    settings = read_case(folder).settings
    workspace.import_flee_case(folder)
    case = workspace.displacement_case("burundi2015", settings=settings)
    result = simulate(case, seed=seed)
    run_id = workspace.save_displacement_run(result, case)
    replica_runs: list[str] = []
    members = [result]
    for done, replica_seed in enumerate(replica_seeds(seed, replicas), start=1):
        members.append(simulate(case, seed=replica_seed))
        replica_runs.append(workspace.save_displacement_run(members[-1], case))
        if on_replica is not None:
            on_replica(done, replicas)
    ensemble_run = None
    if replicas > 0:
        seeds = [seed, *replica_seeds(seed, replicas)]
        ensemble = EnsembleResult.from_replicas(seed, seeds, members)
        ensemble_run = save_ensemble_run(workspace.store, ensemble, case)
    out.mkdir(parents=True, exist_ok=True)
    files = (out / "out.csv", out / "agents.csv", out / "pressure_areas.csv", out / "arrivals.html")
    result.flee_out_frame().to_csv(files[0], index=False)
    result.to_frame(run_id=f"burundi2015-seed{seed}").to_csv(files[1], index=False)
    area_pressure(result, case).to_csv(files[2], index=False)
    write_arrivals_html(result, files[3])
    last_sim, last_obs = result.camp_frame().iloc[-1], result.observed_frame().iloc[-1]
    camps = {camp: (int(last_sim[camp]), int(last_obs[camp])) for camp in result.camps}
    return DemoDisplacement(
        "burundi2015",
        result.days,
        result.ard(),
        result.ard(rescaled=True),
        camps,
        files,
        run_id,
        tuple(replica_runs),
        ensemble_run,
    )


def run_demo_index(workspace: Workspace, out: Path, *, replications: int = 300, seed: int = 1) -> pd.DataFrame:
    """The bundled adverse-drivers index on the demo indicators, stored as an index run; absent ones count as missing.

    Every period is ranked on its own. The rank interval of each unit comes from a Monte Carlo uncertainty
    analysis (`ruralmig.index.uncertainty`) over the indicators that the period holds. Returns the root node's
    rows with class, rank, reliability and interval, and stores the full tree with ``Workspace.save_index_run``.
    """
    import warnings

    from ruralmig.errors import DataQualityWarning
    from ruralmig.index import CompositeIndex
    from ruralmig.index.bundled import bundled_definition
    from ruralmig.index.classes import classify

    definition_file = bundled_definition("adverse_drivers")
    values = workspace.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the demo holds few of the 11 indicators; reported below
        model = CompositeIndex(definition=definition_file, unit_column="area_id", absent="missing").fit(values)
    frame = model.to_frame()
    root = "adverse_drivers"
    classes = classify(frame, node=root)
    intervals = _rank_intervals(values, definition_file, replications=replications, seed=seed)
    classes = classes.merge(intervals, on=["unit", "period"], how="left")
    stored = frame.merge(
        classes[
            ["unit", "period", "rank", "risk_class", "reliability", "rank_low", "rank_high", "score_low", "score_high"]
        ].assign(node=root),
        on=["unit", "period", "node"],
        how="left",
    ).rename(columns={"rank": "score_rank"})
    stored["risk_class"] = stored["risk_class"].astype(object).where(stored["risk_class"].notna(), None)
    stored["reliability"] = stored["reliability"].where(stored["node"] != root, 1.0 - stored["missing_share"])
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "adverse_drivers_scores.csv", index=False)
    workspace.save_index_run(stored, definition_file.read_text(encoding="utf-8"), values)
    return classes.sort_values(["period", "rank"])


def _rank_intervals(values: pd.DataFrame, definition_file: Path, *, replications: int, seed: int) -> pd.DataFrame:
    """5-95 % rank interval per unit and period; the definition is cut to the indicators the period holds."""
    import warnings

    import yaml

    from ruralmig.errors import DataQualityWarning
    from ruralmig.index.definition import IndexDefinition
    from ruralmig.index.uncertainty import UncertaintyAnalysis

    raw = yaml.safe_load(definition_file.read_text(encoding="utf-8"))
    parts: list[pd.DataFrame] = []
    for period, rows in values.dropna(subset=["value"]).groupby("period", sort=True):
        kept = _definition_with(raw, set(rows["indicator"]))
        if kept is None:
            continue
        units = rows["area_id"].unique()
        if len(units) == 1:  # one unit ranks first in every replication
            parts.append(pd.DataFrame({"unit": units, "period": [period], "rank_low": [1.0], "rank_high": [1.0]}))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            analysis = UncertaintyAnalysis(
                definition=IndexDefinition.from_mapping(kept),
                unit_column="area_id",
                period=period,
                n_replications=replications,
                seed=seed,
            ).fit(rows)
        result = analysis.result_
        parts.append(
            pd.DataFrame(
                {
                    "unit": result.units,
                    "period": period,
                    "rank_low": result.rank_low,
                    "rank_high": result.rank_high,
                    "score_low": result.score_low,
                    "score_high": result.score_high,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["unit", "period", "rank_low", "rank_high", "score_low", "score_high"])
    return pd.concat(parts, ignore_index=True)


def _child_name(child: object) -> str:
    if isinstance(child, dict):
        return str(child.get("name", next(iter(child))))
    return str(child)


def _definition_with(raw: dict[str, object], present: set[str]) -> dict[str, object] | None:
    """The definition mapping cut to the indicators in `present` (nodes left without children are dropped)."""
    indicators = {name: spec for name, spec in dict(raw["indicators"]).items() if name in present}  # type: ignore[call-overload]
    nodes: dict[str, dict[str, object]] = {name: dict(spec) for name, spec in dict(raw["nodes"]).items()}  # type: ignore[call-overload]
    changed = True
    while changed:
        changed = False
        for name in list(nodes):
            children = list(nodes[name]["children"])  # type: ignore[call-overload]
            kept = [c for c in children if _child_name(c) in nodes or _child_name(c) in indicators]
            if not kept:
                del nodes[name]
                changed = True
            elif len(kept) != len(children):
                nodes[name]["children"] = kept
                changed = True
    if raw["root"] not in nodes:
        return None
    return {**raw, "nodes": nodes, "indicators": indicators}


@dataclass
class DemoSummary:
    """Everything `ruralmig demo` built, for printing and for tests."""

    location: str
    ingested: list[tuple[DemoStep, IngestResult]]
    displacement: DemoDisplacement
    drivers: pd.DataFrame
    climate: object | None
    survey: object | None
    skipped: list[str]


def run_demo(
    folder: Path | str,
    *,
    replicas: int = 4,
    climate: bool = True,
    survey: bool = True,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Build the demo workspace and run every engine that exists on it; the folder is rebuilt if it exists.

    Steps: ingest the bundled data, displacement on Burundi 2015 (stored, plus `replicas` more seeds for a band),
    drought indices (``ruralmig.datasets.demo_climate``), the adverse-drivers index with rank intervals (stored),
    household-survey indicators (``ruralmig.datasets.demo_survey``). `climate` / `survey` False leave those steps
    out. `on_progress(message, done, total)`.
    """
    root = Path(folder)
    total = len(DEMO_STEPS) + 4 + replicas
    done = 0

    def report(message: str, steps: int = 1) -> None:
        nonlocal done
        done += steps
        if on_progress is not None:
            on_progress(message, done, total)

    ingested: list[tuple[DemoStep, IngestResult]] = []

    def loaded(step: DemoStep, result: IngestResult) -> None:
        ingested.append((step, result))
        report(f"loaded {step.title}")

    from ruralmig.datasets.demo_climate import run_demo_climate
    from ruralmig.datasets.demo_survey import run_demo_survey

    skipped = [name for name, wanted in (("drought indices", climate), ("household indicators", survey)) if not wanted]
    with build_demo(root, on_step=loaded) as workspace:
        displacement = run_demo_displacement(
            workspace,
            root / "displacement",
            replicas=replicas,
            on_replica=lambda number, count: report(f"displacement replica {number} of {count}"),
        )
        report("simulated displacement, Burundi 2015")
        climate_result = run_demo_climate(workspace, root / "climate") if climate else None
        report("drought indices")
        drivers = run_demo_index(workspace, root / "index")
        report("adverse-drivers index with rank intervals")
        survey_result = run_demo_survey(workspace) if survey else None
        report("household-survey indicators")
        location = workspace.location
    return DemoSummary(location, ingested, displacement, drivers, climate_result, survey_result, skipped)
