"""Flee peer for the displacement benchmark: one seeded run of the Flee agent-based simulator (PyPI ``flee==3.1``).

Run by the Python of Flee's own virtual environment (``.bench-venvs/flee``), not by ruralmig's::

    python flee_peer.py CASE_DIR --settings simsetting.yml --seed N [--days L] --out camps.csv

``CASE_DIR`` holds ``input_csv/`` and ``source_data/`` in Flee's input format. Flee 3.1 ships no ``runscripts/run.py``,
so this script drives Flee's own API through the day loop of ``runscripts/run.py`` (reference spec, section 1):
read the settings, locations, routes, closures and conflicts; build the refugee-data table (scaled down by ``hasten``,
with registration corrections); place the day-0 camp counts as agents; then for every day add/remove conflict zones,
spawn the day's new agents from the data, refresh spawn weights, enact closures and evolve. Python's ``random`` and
``numpy.random`` are both seeded with ``N`` (Flee itself never seeds).

What is measured and written:

- ``--out``: one row per day: for every camp the simulated count (``<camp> sim``) and the data count (``<camp> data``,
  Flee's ``DataTable.get_field``: linear interpolation, registration corrections, divided by ``hasten``), the camp
  totals, the agent total, Flee's raw data count and refugee debt.
- stdout: one JSON line with wall time and CPU time of the run (reading the inputs + the day loop; imports are timed
  apart), peak memory (``VmHWM`` from ``/proc/self/status``), and the averaged relative difference (ARD) computed
  from those columns exactly as in spec section 12, both "normal" and "rescaled" (rescaled counts truncated to
  integers, as Flee HEAD does), plus Flee 3.1's own ``plot_errors`` variant of rescaled (float, no truncation).

Spawning count: Flee HEAD sums the daily data difference over the camps (``sum_from_camps: True``, spec section 3),
which is what ruralmig implements; Flee 3.1's ``spawn_daily_displaced`` defaults to the ``refugees.csv`` total
instead (and 3.1's ``ReadFromYML`` has no ``sum_from_camps`` key). ``--total-from camps`` (default) follows HEAD;
``--total-from refugees`` runs 3.1 exactly as its own run script would. Flee's progress chatter goes to stderr; lines
of this script's own progress there start with ``[flee_peer]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from process_memory import status_kib

PREFIX = "[flee_peer]"


def averaged_relative_difference(sim: list[list[int]], data: list[list[int]]) -> dict[str, float]:
    """ARD over days (spec section 12); rows are days, columns camps.

    E(t) = Σ_c |sim_c − data_c| / max(Σ_c data_c, 1); rescaled: sim_c → int(sim_c · Σ data / Σ sim) (0 if Σ sim = 0).
    ``rescaled_float`` is Flee 3.1's ``plot_errors`` variant (float rescale, each |difference| rounded to 4 places).
    """
    normal: list[float] = []
    rescaled: list[float] = []
    rescaled_float: list[float] = []
    for s_row, d_row in zip(sim, data, strict=True):
        d_tot = sum(d_row)
        s_tot = sum(s_row)
        denom = max(d_tot, 1)
        normal.append(sum(abs(s - d) for s, d in zip(s_row, d_row, strict=True)) / denom)
        if s_tot > 0:
            r_int = [int(s * d_tot / s_tot) for s in s_row]
            r_flt = [s * d_tot / s_tot for s in s_row]
        else:
            r_int = [0] * len(s_row)
            r_flt = [0.0] * len(s_row)
        rescaled.append(sum(abs(s - d) for s, d in zip(r_int, d_row, strict=True)) / denom)
        rescaled_float.append(sum(round(abs(s - d), 4) for s, d in zip(r_flt, d_row, strict=True)) / denom)
    return {
        "ard_normal": statistics.fmean(normal),
        "ard_rescaled": statistics.fmean(rescaled),
        "ard_rescaled_float": statistics.fmean(rescaled_float),
    }


def run(case_dir: Path, settings: Path, seed: int, days: int, out: Path, total_from: str) -> dict[str, Any]:
    """Run one seeded Flee simulation of ``case_dir`` and write the per-day camp table to ``out``."""
    t_import = time.perf_counter()
    from importlib.metadata import version

    from flee import InputGeography, flee, spawning
    from flee.datamanager import handle_refugee_data, read_period

    import_s = time.perf_counter() - t_import

    random.seed(seed)
    np.random.seed(seed)

    input_csv = case_dir / "input_csv"
    source_data = case_dir / "source_data"
    wall0 = time.perf_counter()
    cpu0 = time.process_time()

    start_date, length = read_period.read_conflict_period(str(input_csv / "sim_period.csv"))
    if days > 0:
        length = days

    settings_cls = flee.SimulationSettings
    settings_cls.ReadFromYML(str(settings))
    hasten = int(settings_cls.optimisations["PopulationScaleDownFactor"])
    # run.py sets the conflict file after reading the settings; 3.1 needs ReadConflictInputCSV called explicitly.
    settings_cls.ConflictInputFile = str(input_csv / "conflicts.csv")

    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    ig.ReadConflictInputCSV(settings_cls.ConflictInputFile)
    ig.ReadLocationsFromCSV(str(input_csv / "locations.csv"))
    ig.ReadLinksFromCSV(str(input_csv / "routes.csv"))
    ig.ReadClosuresFromCSV(str(input_csv / "closures.csv"))
    e, lm = ig.StoreInputGeographyInEcosystem(e)

    d = handle_refugee_data.RefugeeTable(
        csvformat="generic",
        data_directory=str(source_data),
        start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=hasten,
    )
    d.ReadL1Corrections(str(input_csv / "registration_corrections.csv"))

    camp_names: list[str] = e.get_camp_names()
    for name in camp_names:
        spawning.add_initial_refugees(e, d, lm[name])
    setup_s = time.perf_counter() - wall0

    sum_from_camps = total_from == "camps"
    header = ["day", "date"]
    for name in camp_names:
        header += [f"{name} sim", f"{name} data"]
    header += [
        "refugees in camps (UNHCR)",
        "refugees in camps (simulation)",
        "total refugees (simulation)",
        "raw UNHCR refugee count",
        "refugee_debt",
        "new_agents",
    ]
    sim_rows: list[list[int]] = []
    data_rows: list[list[int]] = []
    start = date.fromisoformat(start_date)
    step = max(1, length // 10)
    agent_days = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for t in range(length):
            ig.AddNewConflictZones(e, t)
            new_refs, refugees_raw, refugee_debt = spawning.spawn_daily_displaced(e, t, d, SumFromCamps=sum_from_camps)
            spawning.refresh_spawn_weights(e)
            e.enact_border_closures(t)
            e.evolve()

            sim = [int(lm[name].numAgents) for name in camp_names]
            data = [int(d.get_field(name, t)) for name in camp_names]
            sim_rows.append(sim)
            agent_days += len(e.agents)
            data_rows.append(data)
            row: list[Any] = [t, (start + timedelta(days=t)).isoformat()]
            for s, v in zip(sim, data, strict=True):
                row += [s, v]
            row += [sum(data), sum(sim), len(e.agents), refugees_raw, refugee_debt, new_refs]
            writer.writerow(row)
            if (t + 1) % step == 0 or t + 1 == length:
                print(
                    f"{PREFIX} {case_dir.name} seed {seed}: day {t + 1}/{length}, {len(e.agents)} agents, "
                    f"{time.perf_counter() - wall0:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )

    wall_s = time.perf_counter() - wall0
    cpu_s = time.process_time() - cpu0
    result: dict[str, Any] = {
        "engine": "flee",
        "flee_version": version("flee"),
        "case": case_dir.name,
        "seed": seed,
        "days": length,
        "hasten": hasten,
        "total_from": total_from,
        "camps": camp_names,
        "agents_final": len(e.agents),
        "agent_days": agent_days,
        "import_s": round(import_s, 3),
        "setup_s": round(setup_s, 3),
        "wall_s": round(wall_s, 3),
        "cpu_s": round(cpu_s, 3),
        "vm_hwm_kib": status_kib(),
        "out": str(out),
    }
    result.update(averaged_relative_difference(sim_rows, data_rows))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case_dir", type=Path, help="case folder with input_csv/ and source_data/")
    parser.add_argument("--settings", type=Path, required=True, help="Flee simsetting.yml")
    parser.add_argument("--seed", type=int, default=0, help="seed of Python's random and numpy.random")
    parser.add_argument("--days", type=int, default=0, help="days to simulate (0 = Length in sim_period.csv)")
    parser.add_argument("--out", type=Path, required=True, help="per-day camp table (CSV) to write")
    parser.add_argument(
        "--total-from",
        choices=["camps", "refugees"],
        default="camps",
        help="daily new agents from the camp sum (Flee HEAD, default) or refugees.csv (Flee 3.1's own default)",
    )
    args = parser.parse_args(argv)
    case_dir = args.case_dir.resolve()
    settings = args.settings.resolve()
    out = args.out.resolve()
    if Path("input_csv").is_dir() and Path.cwd() != case_dir:
        # Flee reads demographics_*.csv from ./input_csv (relative to the working directory).
        print(
            f"{PREFIX} warning: ./input_csv exists in {os.getcwd()}; Flee may read demographics from it",
            file=sys.stderr,
        )
    with contextlib.redirect_stdout(sys.stderr):  # Flee prints diagnostics to stdout in places
        result = run(case_dir, settings, args.seed, args.days, out, args.total_from)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
