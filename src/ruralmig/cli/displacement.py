"""`ruralmig displacement run|validate|ensemble|calibrate|forecast`: parse, call the engine, print."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ruralmig.cli.common import console, fail_on_errors

if TYPE_CHECKING:
    from ruralmig.displacement import DisplacementCase
    from ruralmig.displacement.calibrate import Calibration

app = typer.Typer(help="Forced displacement: Flee-compatible simulation, validation, ensembles and forecasts.")

CaseDir = Annotated[Path, typer.Argument(help="A Flee case folder (input_csv/ and source_data/).")]
SettingsOption = Annotated[Path | None, typer.Option("--settings", help="simsetting.yml (default: the case's own).")]


class Spawning(StrEnum):
    DATA = "data"
    CONFLICT = "conflict"


@contextmanager
def _bar(description: str) -> Iterator[Callable[[int, int], None]]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _read(case_dir: Path, settings: Path | None) -> DisplacementCase:
    from ruralmig.ingest.flee import read_case

    return read_case(case_dir, settings=settings)


@app.command(name="import")
def import_case(
    case_dir: CaseDir,
    network: Annotated[str | None, typer.Option(help="Name of the network in the workspace (default: folder).")] = None,
) -> None:
    """Load a Flee case into the workspace's network tables (validated, with provenance)."""
    from ruralmig.cli.common import STATE
    from ruralmig.workspace import Workspace

    with fail_on_errors(), Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        written = ws.import_flee_case(case_dir, network_id=network)
    console.print("[green]✓[/] " + ", ".join(f"{table} {rows:,}" for table, rows in written.items()))


def _case(case_dir: Path | None, network: str | None, settings: Path | None) -> DisplacementCase:
    if network is None:
        if case_dir is None:
            raise typer.BadParameter("give a case folder, or --network to read one from the workspace")
        return _read(case_dir, settings)
    from ruralmig.cli.common import STATE
    from ruralmig.displacement import SimSettings
    from ruralmig.workspace import Workspace

    chosen = SimSettings.from_mapping(yaml.safe_load(settings.read_text()), source=settings.name) if settings else None
    with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        case: DisplacementCase = ws.displacement_case(network, settings=chosen)
    return case


@app.command()
def run(
    case_dir: Annotated[Path | None, typer.Argument(help="A Flee case folder (or use --network).")] = None,
    network: Annotated[str | None, typer.Option(help="Run a network stored in the workspace instead.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    out: Annotated[Path, typer.Option(help="Folder for out.csv, agents.csv and run.json.")] = Path("displacement-out"),
    settings: SettingsOption = None,
    days: Annotated[int | None, typer.Option(help="Days to simulate (default: the case's period).")] = None,
    spawning: Annotated[Spawning, typer.Option(help="data: follow observed totals (Flee); conflict: forecast.")] = (
        Spawning.DATA
    ),
    save: Annotated[bool, typer.Option(help="Also store the run in the workspace (results tables).")] = False,
) -> None:
    """Simulate a case; write Flee's out.csv, agents per location and day, and host-area pressure."""
    from ruralmig.displacement import simulate
    from ruralmig.displacement.pressure import area_pressure, location_pressure

    with fail_on_errors():
        case = _case(case_dir, network, settings)
        with _bar(f"simulating {case.name}") as progress:
            result = simulate(case, seed=seed, days=days, spawning=spawning.value, progress=progress)
        out.mkdir(parents=True, exist_ok=True)
        result.flee_out_frame().to_csv(out / "out.csv", index=False)
        result.to_frame(run_id=f"{case.name}-seed{seed}").to_csv(out / "agents.csv", index=False)
        location_pressure(result, case).to_csv(out / "pressure_locations.csv", index=False)
        area_pressure(result, case).to_csv(out / "pressure_areas.csv", index=False)
        record = {
            "case": case.name,
            "seed": seed,
            "spawning": spawning.value,
            "days": result.days,
            "settings": case.settings.to_flee_mapping(),
        }
        (out / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
        if save:
            from ruralmig.cli.common import STATE
            from ruralmig.workspace import Workspace

            with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
                run_id = ws.save_displacement_run(result, case)
            console.print(f"stored in the workspace as run {run_id}")
    console.print(
        f"[green]✓[/] {case.name}: {result.days} days, seed {seed}; ARD {result.ard():.3f} "
        f"(rescaled {result.ard(rescaled=True):.3f}); wrote {out}/out.csv and agents.csv"
    )


@app.command()
def validate(
    case_dirs: Annotated[list[Path], typer.Argument(help="One or more Flee case folders.")],
    seeds: Annotated[int, typer.Option(help="Seeds to average over.")] = 3,
    out: Annotated[Path, typer.Option(help="Folder for the arrival plots.")] = Path("displacement-validation"),
    settings: SettingsOption = None,
    forecast: Annotated[bool, typer.Option(help="Also calibrate on the first part and forecast the rest.")] = True,
    train_fraction: Annotated[float, typer.Option(help="Share of the period used to calibrate.")] = 0.5,
    trials: Annotated[int, typer.Option(help="Calibration trials.")] = 24,
) -> None:
    """ARD (normal and rescaled), per-camp errors, MASE against naive forecasts, and a plot per case."""
    from ruralmig.displacement import simulate
    from ruralmig.displacement.calibrate import calibrate
    from ruralmig.displacement.calibrate import forecast as run_forecast
    from ruralmig.displacement.metrics import camp_errors, mase
    from ruralmig.displacement.plots import write_arrivals_html

    summary = RichTable(title="validation against observed camp arrivals")
    for header in ("case", "mode", "ARD", "ARD rescaled", "MASE flat@30", "MASE sloped@30", "plot"):
        summary.add_column(header)
    out.mkdir(parents=True, exist_ok=True)
    with fail_on_errors():
        for case_dir in case_dirs:
            case = _read(case_dir, settings)
            with _bar(f"{case.name}: {seeds} seeds") as progress:
                runs = []
                for seed in range(seeds):
                    runs.append(simulate(case, seed=seed))
                    progress(seed + 1, seeds)
            normal = np.array([r.ard() for r in runs])
            rescaled = np.array([r.ard(rescaled=True) for r in runs])
            first = runs[0]
            plot = write_arrivals_html(first, out / f"{case.name}-arrivals.html")
            summary.add_row(
                case.name,
                "data-driven (Flee)",
                f"{normal.mean():.3f} ± {normal.std():.3f}",
                f"{rescaled.mean():.3f} ± {rescaled.std():.3f}",
                f"{mase(first.camp_frame(), first.observed_frame(), origin=30):.2f}",
                f"{mase(first.camp_frame(), first.observed_frame(), origin=30, naive='sloped'):.2f}",
                str(plot),
            )
            console.print(f"[bold]{case.name}[/]: per-camp errors (seed 0)")
            console.print(camp_errors(first.camp_frame(), first.observed_frame()).round(3).to_string(index=False))
            if forecast:
                train_days = max(7, int(case.length * train_fraction))
                with _bar(f"{case.name}: calibrating on {train_days} days") as progress:
                    calibration = calibrate(case, train_days=train_days, trials=trials, progress=progress)
                result = run_forecast(case, calibration)
                plot = write_arrivals_html(
                    result.result,
                    out / f"{case.name}-forecast.html",
                    split_day=train_days,
                    title=f"{case.name}: forecast after day {train_days}",
                )
                summary.add_row(
                    case.name,
                    f"forecast, out of sample (after day {train_days})",
                    f"{result.ard_out_of_sample:.3f}",
                    f"{result.ard_rescaled_out_of_sample:.3f}",
                    f"{result.mase_flat:.2f}",
                    f"{result.mase_sloped:.2f}",
                    str(plot),
                )
    console.print(summary)


@app.command()
def ensemble(
    case_dir: CaseDir,
    replicas: Annotated[int, typer.Option(help="Number of replicas.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the ensemble; replica seeds are drawn from it.")] = 0,
    workers: Annotated[int | None, typer.Option(help="Local worker processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the bands and per-replica results.")] = Path(
        "displacement-ensemble"
    ),
    settings: SettingsOption = None,
) -> None:
    """Replicas with percentile bands, in parallel locally or on Dask (RURALMIG_DASK_ADDRESS)."""
    from ruralmig.config import get_settings
    from ruralmig.displacement.ensemble import run_ensemble

    with fail_on_errors():
        case = _read(case_dir, settings)
        address = get_settings().dask_address
        with _bar(f"{case.name}: {replicas} replicas" + (f" on Dask {address}" if address else "")) as progress:
            result = run_ensemble(
                case, replicas=replicas, seed=seed, workers=workers, dask_address=address, progress=progress
            )
        out.mkdir(parents=True, exist_ok=True)
        result.camp_bands().to_csv(out / "camp_bands.csv", index=False)
        result.percentiles().to_csv(out / "bands.csv", index=False)
        (out / "seeds.json").write_text(json.dumps({"seed": seed, "replica_seeds": result.seeds}) + "\n")
    scores = result.ard()
    console.print(f"[green]✓[/] {replicas} replicas; ARD {scores['mean']:.3f} ± {scores['sd']:.3f}; bands in {out}")


@app.command()
def calibrate(
    case_dir: CaseDir,
    train_days: Annotated[int, typer.Option(help="Days of observations to calibrate on.")],
    trials: Annotated[int, typer.Option(help="Parameter sets to try.")] = 32,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Where to write the calibrated simsetting.yml.")] = Path("calibrated.yml"),
    settings: SettingsOption = None,
) -> None:
    """Fit spawn rate, move chance and weights to the observations before --train-days."""
    with fail_on_errors():
        _, calibration = _calibrated(case_dir, settings, train_days, trials, seed)
        out.write_text(_settings_yaml(calibration))
    console.print(f"[green]✓[/] best training ARD {calibration.loss:.3f} over {trials} trials; settings in {out}")
    console.print(calibration.trials.sort_values("loss").head(5).round(4).to_string(index=False))


@app.command()
def forecast(
    case_dir: CaseDir,
    train_days: Annotated[int, typer.Option(help="Days of observations to calibrate on.")],
    trials: Annotated[int, typer.Option(help="Parameter sets to try.")] = 32,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Folder for the forecast files.")] = Path("displacement-forecast"),
    settings: SettingsOption = None,
) -> None:
    """Calibrate on the first --train-days, forecast the rest, and score it on days calibration never saw."""
    from ruralmig.displacement.calibrate import forecast as run_forecast
    from ruralmig.displacement.plots import write_arrivals_html

    with fail_on_errors():
        case, calibration = _calibrated(case_dir, settings, train_days, trials, seed)
        result = run_forecast(case, calibration)
        out.mkdir(parents=True, exist_ok=True)
        result.result.flee_out_frame().to_csv(out / "out.csv", index=False)
        result.result.to_frame(run_id=f"{case.name}-forecast").to_csv(out / "agents.csv", index=False)
        (out / "simsetting.yml").write_text(_settings_yaml(calibration))
        write_arrivals_html(result.result, out / "forecast.html", split_day=train_days)
    console.print(
        f"[green]✓[/] {case.name}: out-of-sample ARD {result.ard_out_of_sample:.3f} "
        f"(rescaled {result.ard_rescaled_out_of_sample:.3f}), MASE flat {result.mase_flat:.2f}, "
        f"sloped {result.mase_sloped:.2f}; files in {out}"
    )


def _calibrated(
    case_dir: Path, settings: Path | None, train_days: int, trials: int, seed: int
) -> tuple[DisplacementCase, Calibration]:
    """Read a case and calibrate it on its first `train_days`, with a progress bar."""
    from ruralmig.displacement.calibrate import calibrate as run_calibration

    case = _read(case_dir, settings)
    with _bar(f"calibrating {case.name}") as progress:
        calibration = run_calibration(case, train_days=train_days, trials=trials, seed=seed, progress=progress)
    return case, calibration


def _settings_yaml(calibration: Calibration) -> str:
    return yaml.safe_dump(calibration.settings.to_flee_mapping(), sort_keys=False)


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="displacement")
