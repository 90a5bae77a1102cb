"""Benchmark: ruralmig's displacement engine against Flee 3.1 on Flee's validation cases (Burundi 2015, Mali 2012).

For every case and seed, each engine runs in a fresh child process on the same input folder and the same
``simsetting.yml`` (FabFlee's per-case settings, written to a work folder):

- Flee: PyPI ``flee==3.1`` in its own virtual environment ``.bench-venvs/flee`` (created here with
  ``python3 -m venv`` + ``pip install flee==3.1`` when missing), driven by ``benchmarks/flee_peer.py`` through its API;
- ours: ``ruralmig.ingest.flee.read_case`` + ``ruralmig.displacement.simulate`` (skipped, and said so, while that API
  cannot be imported).

Measured per run: wall time of reading the case + simulating (imports excluded), peak memory of the child process
(``VmHWM``, whole process), and the averaged relative difference (ARD, reference spec section 12) of the daily camp
counts against the UNHCR camp data, normal and rescaled. Flee's ARD is computed by ``flee_peer.py`` from Flee's own
columns; ours by ``ruralmig.displacement.metrics.averaged_relative_difference`` (which is also run on Flee's columns,
as a cross-check of the metric). Reported per case: mean wall time, peak memory, ARD mean ± sd over seeds, the speed
ratio Flee/ours and |ARD ours − ARD Flee| against the target ±0.03, plus Flee HEAD's ARD from the data README.

Usage: ``python benchmarks/displacement_vs_flee.py [--cases burundi mali] [--seeds 3] [--hasten H] [--quick]``.
Sequential by design: one simulation at a time (the reference machine has 2 cores).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from process_memory import status_kib

ROOT = Path(__file__).resolve().parents[1]
PEER = Path(__file__).resolve().with_name("flee_peer.py")
FLEE_VENV = ROOT / ".bench-venvs" / "flee"
FLEE_SPEC = "flee==3.1"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "displacement"
TARGET = 0.03  # |ARD ours − ARD Flee| must stay within this
# ruralmig's displacement API (module, name), imported lazily: it may not exist yet.
OUR_API = (
    ("ruralmig.ingest.flee", "read_case"),
    ("ruralmig.displacement", "simulate"),
    ("ruralmig.displacement.metrics", "averaged_relative_difference"),
)

# FabFlee's per-case settings (djgroen/FabFlee config_files/{burundi,mali2012}/simsetting.yml, per the data README).
COMMON_MOVE_RULES: dict[str, Any] = {
    "max_move_speed": 200,
    "conflict_weight": 0.25,
    "default_movechance": 0.3,
    "awareness_level": 1,
}
CASE_SETTINGS: dict[str, dict[str, Any]] = {
    "burundi": {"move_rules": {"camp_weight": 1}, "hasten": 1},
    "mali": {"move_rules": {"camp_weight": 5, "capacity_buffer": 0.75}, "hasten": 10},
}
DECAY = [1.0, 1.0, 1.0, 0.5, 0.1]
# Flee HEAD's ARD (normal, rescaled) with FabFlee's settings, from the data README, keyed by (case, hasten).
README_FLEE_HEAD: dict[tuple[str, int], tuple[float, float]] = {
    ("mali", 1): (0.352, 0.305),
    ("mali", 10): (0.357, 0.307),
    ("burundi", 1): (0.586, 0.538),
}


def log(message: str) -> None:
    print(message, flush=True)


def write_settings(path: Path, case: str, hasten: int) -> None:
    """Write FabFlee's simsetting.yml for ``case`` (with ``hasten`` overriding the case's value)."""
    import yaml

    spec = CASE_SETTINGS[case]
    doc = {
        "log_levels": {"agent": 0, "link": 0, "camp": 0, "init": 0},
        "spawn_rules": {"take_from_population": False, "conflict_spawn_decay": DECAY},
        "move_rules": {**COMMON_MOVE_RULES, **spec["move_rules"]},
        "optimisations": {"hasten": hasten},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def flee_python() -> Path:
    return FLEE_VENV / "bin" / "python"


def ensure_flee_venv() -> str:
    """Create .bench-venvs/flee with flee 3.1 when it is missing; return the installed Flee version."""
    probe = [str(flee_python()), "-c", "from importlib.metadata import version; import flee; print(version('flee'))"]
    if flee_python().exists():
        done = subprocess.run(probe, capture_output=True, text=True, cwd=tempfile.gettempdir(), check=False)
        if done.returncode == 0:
            return done.stdout.strip()
    log(f"Creating {FLEE_VENV.relative_to(ROOT)} and installing {FLEE_SPEC} into it (once) ...")
    base = shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(FLEE_VENV)], check=True)
    pip = [str(flee_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", FLEE_SPEC]
    subprocess.run(pip, check=True)
    done = subprocess.run(probe, capture_output=True, text=True, cwd=tempfile.gettempdir(), check=True)
    return done.stdout.strip()


def probe_ours(api: tuple[tuple[str, str], ...] = OUR_API) -> str | None:
    """None when these parts of ruralmig's displacement API import, else the reason they do not."""
    try:
        for module, name in api:
            getattr(importlib.import_module(module), name)
    except Exception as exc:  # ImportError, or any error raised while the modules are being written
        return f"{type(exc).__name__}: {exc}"
    return None


def run_child(cmd: list[str], log_path: Path, cwd: Path) -> dict[str, Any]:
    """Run a benchmark child; stream its stderr to ``log_path`` (echoing progress lines); parse its JSON stdout."""
    with log_path.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        assert proc.stdout is not None
        for line in proc.stderr:
            log_file.write(line)
            if line.startswith(("[flee_peer]", "[ours]")):
                log("      " + line.rstrip())
        out = proc.stdout.read()
        code = proc.wait()
    if code != 0:
        tail = log_path.read_text(encoding="utf-8").splitlines()[-15:]
        raise RuntimeError(f"{cmd[1]} exited with {code}; last lines of {log_path}:\n" + "\n".join(tail))
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{cmd[1]} printed no JSON result (see {log_path})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def flee_frames(csv_path: Path) -> tuple[Any, Any]:
    """Flee's per-day table as (sim, data) DataFrames indexed by day with one column per camp."""
    import pandas as pd

    table = pd.read_csv(csv_path).set_index("day")
    camps = [c[: -len(" sim")] for c in table.columns if c.endswith(" sim")]
    sim = table[[f"{c} sim" for c in camps]].set_axis(camps, axis=1)
    data = table[[f"{c} data" for c in camps]].set_axis(camps, axis=1)
    return sim, data


def ours_worker(argv: list[str]) -> int:
    """Child process: one ruralmig run; writes sim/data CSVs and prints one JSON line (timings, VmHWM)."""
    parser = argparse.ArgumentParser(prog="displacement_vs_flee.py _ours_worker")
    parser.add_argument("case_dir", type=Path)
    parser.add_argument("--settings", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    read_case, simulate = (getattr(importlib.import_module(m), n) for m, n in OUR_API[:2])
    import_s = time.perf_counter() - t0
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    case = read_case(args.case_dir, settings=args.settings)
    result = simulate(case, seed=args.seed)
    wall_s = time.perf_counter() - wall0
    cpu_s = time.process_time() - cpu0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result.camp_frame().to_csv(args.out_dir / "sim.csv")
    result.observed_frame().to_csv(args.out_dir / "data.csv")
    hwm = status_kib()
    print(f"[ours] {args.case_dir.name} seed {args.seed}: {wall_s:.2f} s", file=sys.stderr, flush=True)
    payload = {"import_s": round(import_s, 3), "wall_s": round(wall_s, 3), "cpu_s": round(cpu_s, 3), "vm_hwm_kib": hwm}
    print(json.dumps(payload), flush=True)
    return 0


def ours_ard(sim: Any, data: Any) -> tuple[float, float]:
    averaged_relative_difference = getattr(importlib.import_module(OUR_API[2][0]), OUR_API[2][1])
    return (
        float(averaged_relative_difference(sim, data, rescaled=False)),
        float(averaged_relative_difference(sim, data, rescaled=True)),
    )


def mean_sd(values: list[float]) -> tuple[float, float]:
    if not values:
        return math.nan, math.nan
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else math.nan


def fmt_pm(values: list[float], digits: int = 3) -> str:
    mean, sd = mean_sd(values)
    if math.isnan(mean):
        return "-"
    return f"{mean:.{digits}f}" if math.isnan(sd) else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def report_case(
    case: str, hasten: int, days: int, runs: list[dict[str, Any]], flee_version: str, total_from: str
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    flee_runs = [r for r in runs if r["engine"] == "flee"]
    our_runs = [r for r in runs if r["engine"] == "ours"]
    full_days = days == 0
    title = f"{case}: hasten {hasten}, {flee_runs[0]['days']} days, {len(flee_runs)} seed(s)"
    if total_from != "camps":
        title += f"; Flee's daily new agents from {total_from}.csv (not like ours)"
    table = Table(title=title)
    for col in ("engine", "mean wall / run (s)", "peak memory (MiB)", "ARD normal", "ARD rescaled"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for name, group in ((f"Flee {flee_version}", flee_runs), ("ruralmig", our_runs)):
        if not group:
            continue
        table.add_row(
            name,
            fmt_pm([r["wall_s"] for r in group], 2),
            f"{max(r['vm_hwm_kib'] for r in group) / 1024:.0f}",
            fmt_pm([r["ard_normal"] for r in group]),
            fmt_pm([r["ard_rescaled"] for r in group]),
        )
    ref = README_FLEE_HEAD.get((case, hasten))
    if ref and full_days:
        table.add_row("Flee HEAD (data README)", "", "", f"{ref[0]:.3f}", f"{ref[1]:.3f}")
    console.print(table)

    seeds = Table(title=f"{case}: per seed")
    for col in ("seed", "engine", "wall (s)", "CPU (s)", "agent-days", "peak MiB", "ARD normal", "ARD rescaled"):
        seeds.add_column(col, justify="right")
    for r in runs:
        seeds.add_row(
            str(r["seed"]),
            r["engine"],
            f"{r['wall_s']:.2f}",
            f"{r['cpu_s']:.2f}",
            str(r.get("agent_days", "")),
            f"{r['vm_hwm_kib'] / 1024:.0f}",
            f"{r['ard_normal']:.4f}",
            f"{r['ard_rescaled']:.4f}",
        )
    console.print(seeds)

    f_norm, _ = mean_sd([r["ard_normal"] for r in flee_runs])
    f_resc, _ = mean_sd([r["ard_rescaled"] for r in flee_runs])
    if ref and full_days:
        log(
            f"  Flee {flee_version} vs Flee HEAD (README): ARD normal {f_norm:.3f} vs {ref[0]:.3f} "
            f"({f_norm - ref[0]:+.3f}), rescaled {f_resc:.3f} vs {ref[1]:.3f} ({f_resc - ref[1]:+.3f})"
        )
    checks = [r["ard_metric_check"] for r in flee_runs if "ard_metric_check" in r]
    if checks:
        worst = max(
            max(abs(r["ard_metric_check"][0] - r["ard_normal"]), abs(r["ard_metric_check"][1] - r["ard_rescaled"]))
            for r in flee_runs
            if "ard_metric_check" in r
        )
        log(
            f"  metric cross-check: ruralmig's ARD function on Flee's columns differs from flee_peer's by ≤ {worst:.2e}"
        )
    if not our_runs:
        log("  ruralmig: no figures for this case (see above); Flee's figures only.")
        return
    o_wall, _ = mean_sd([r["wall_s"] for r in our_runs])
    f_wall, _ = mean_sd([r["wall_s"] for r in flee_runs])
    o_norm, _ = mean_sd([r["ard_normal"] for r in our_runs])
    o_resc, _ = mean_sd([r["ard_rescaled"] for r in our_runs])
    log(f"  speed ratio Flee/ours (mean wall per run): {f_wall / o_wall:.1f}x" if o_wall > 0 else "  speed ratio: n/a")
    for label, ours, theirs in (("normal", o_norm, f_norm), ("rescaled", o_resc, f_resc)):
        gap = abs(ours - theirs)
        verdict = "within" if gap <= TARGET else "OUTSIDE"
        log(f"  |ARD ours − ARD Flee| {label}: {gap:.3f} ({verdict} the ±{TARGET} target)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_ours_worker":
        return ours_worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASE_SETTINGS), default=["burundi", "mali"])
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds per case and engine (default 3)")
    parser.add_argument("--first-seed", type=int, default=1, help="seeds are first-seed .. first-seed+seeds-1")
    parser.add_argument("--hasten", type=int, default=None, help="override each case's hasten (scale-down factor)")
    parser.add_argument("--days", type=int, default=0, help="days to simulate (0 = the case's full period)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 seed, hasten 10 for both cases")
    parser.add_argument(
        "--total-from",
        choices=["camps", "refugees"],
        default="camps",
        help="Flee's daily new agents from the camp sum (Flee HEAD, as ours; default) or refugees.csv (3.1 default)",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding the case folders")
    parser.add_argument("--workdir", type=Path, default=None, help="where settings, tables and logs go (temp)")
    parser.add_argument("--json-out", type=Path, default=None, help="also write every run's figures as JSON")
    parser.add_argument("--no-ours", action="store_true", help="run Flee only")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.hasten = 1, 10
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="displacement-vs-flee-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"Work folder: {work}")

    flee_version = ensure_flee_venv()
    log(f"Flee peer: flee {flee_version} in {FLEE_VENV}")
    if args.no_ours:
        ours_problem: str | None = "--no-ours given"
    else:
        ours_problem = probe_ours()
    if args.no_ours:
        log("ruralmig skipped (--no-ours): reporting Flee's figures alone.")
    elif args.days and not ours_problem:
        ours_problem = "--days given: ruralmig's simulate always runs the case's full period"
        log(f"ruralmig skipped ({ours_problem}): reporting Flee's figures alone.")
    elif ours_problem:
        log(f"ruralmig's displacement API is not available ({ours_problem}): reporting Flee's figures alone.")
    metric_ok = probe_ours(OUR_API[2:]) is None

    all_runs: list[dict[str, Any]] = []
    for case in args.cases:
        case_dir = (args.data / case).resolve()
        hasten = args.hasten if args.hasten is not None else int(CASE_SETTINGS[case]["hasten"])
        settings = work / case / "simsetting.yml"
        write_settings(settings, case, hasten)
        runs: list[dict[str, Any]] = []
        for k, seed in enumerate(seeds, start=1):
            log(f"[{case}] seed {seed} ({k}/{len(seeds)}), hasten {hasten}: Flee {flee_version} ...")
            out = work / case / f"flee-seed{seed}.csv"
            cmd = [str(flee_python()), str(PEER), str(case_dir), "--settings", str(settings)]
            cmd += ["--seed", str(seed), "--days", str(args.days), "--out", str(out), "--total-from", args.total_from]
            flee_run = run_child(cmd, work / case / f"flee-seed{seed}.log", cwd=work)
            if metric_ok:
                try:
                    flee_run["ard_metric_check"] = ours_ard(*flee_frames(out))
                except Exception as exc:
                    log(f"  (metric cross-check on Flee's columns failed: {type(exc).__name__}: {exc})")
            log(
                f"  Flee: {flee_run['wall_s']:.2f} s, {flee_run['vm_hwm_kib'] / 1024:.0f} MiB, "
                f"ARD {flee_run['ard_normal']:.4f} / {flee_run['ard_rescaled']:.4f}"
            )
            runs.append(flee_run)
            if ours_problem:
                continue
            log(f"[{case}] seed {seed} ({k}/{len(seeds)}), hasten {hasten}: ruralmig ...")
            out_dir = work / case / f"ours-seed{seed}"
            cmd = [sys.executable, str(Path(__file__).resolve()), "_ours_worker", str(case_dir)]
            cmd += ["--settings", str(settings), "--seed", str(seed), "--out-dir", str(out_dir)]
            try:
                our_run = run_child(cmd, work / case / f"ours-seed{seed}.log", cwd=work)
                import pandas as pd

                sim = pd.read_csv(out_dir / "sim.csv", index_col=0)
                data = pd.read_csv(out_dir / "data.csv", index_col=0)
                our_run["ard_normal"], our_run["ard_rescaled"] = ours_ard(sim, data)
            except Exception as exc:
                ours_problem = f"run failed: {type(exc).__name__}: {exc}"
                log(f"ruralmig {ours_problem}\nReporting Flee's figures alone from here on.")
                continue
            our_run.update({"engine": "ours", "case": case, "seed": seed, "hasten": hasten})
            log(
                f"  ours: {our_run['wall_s']:.2f} s, {our_run['vm_hwm_kib'] / 1024:.0f} MiB, "
                f"ARD {our_run['ard_normal']:.4f} / {our_run['ard_rescaled']:.4f}"
            )
            runs.append(our_run)
        report_case(case, hasten, args.days, runs, flee_version, args.total_from)
        all_runs += runs

    results = {"flee_version": flee_version, "total_from": args.total_from, "seeds": seeds, "runs": all_runs}
    (work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    log(f"All figures: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
