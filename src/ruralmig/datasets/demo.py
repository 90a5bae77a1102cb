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

__all__ = ["DEMO_STEPS", "DemoStep", "build_demo"]


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
            result = workspace.ingest(
                step.table,
                step.file(),
                mode=step.mode,
                column_map=step.column_map,
                constants=step.constants,
                skip=step.skip,
            )
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


def run_demo_displacement(workspace: Workspace, out: Path, *, seed: int = 1) -> DemoDisplacement:
    """Load the bundled Burundi 2015 case into the workspace, simulate it from there, and write the outputs."""
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.displacement import simulate
    from ruralmig.displacement.plots import write_arrivals_html
    from ruralmig.displacement.pressure import area_pressure
    from ruralmig.ingest.flee import read_case

    folder = burundi_case_folder()
    settings = read_case(folder).settings
    workspace.import_flee_case(folder)
    case = workspace.displacement_case("burundi2015", settings=settings)
    result = simulate(case, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    files = (out / "out.csv", out / "agents.csv", out / "pressure_areas.csv", out / "arrivals.html")
    result.flee_out_frame().to_csv(files[0], index=False)
    result.to_frame(run_id=f"burundi2015-seed{seed}").to_csv(files[1], index=False)
    area_pressure(result, case).to_csv(files[2], index=False)
    write_arrivals_html(result, files[3])
    last_sim, last_obs = result.camp_frame().iloc[-1], result.observed_frame().iloc[-1]
    camps = {camp: (int(last_sim[camp]), int(last_obs[camp])) for camp in result.camps}
    return DemoDisplacement("burundi2015", result.days, result.ard(), result.ard(rescaled=True), camps, files)


def run_demo_index(workspace: Workspace, out: Path) -> pd.DataFrame:
    """The bundled adverse-drivers index on the demo indicators; absent indicators count as missing."""
    import warnings

    from ruralmig.errors import DataQualityWarning
    from ruralmig.index import CompositeIndex
    from ruralmig.index.bundled import bundled_definition
    from ruralmig.index.classes import classify

    values = workspace.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the demo holds 2 of the 11 indicators; reported below
        model = CompositeIndex(
            definition=bundled_definition("adverse_drivers"), unit_column="area_id", absent="missing"
        ).fit(values)
    frame = model.to_frame()
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "adverse_drivers_scores.csv", index=False)
    classes = classify(frame, node="adverse_drivers")
    return classes.sort_values(["period", "rank"])
