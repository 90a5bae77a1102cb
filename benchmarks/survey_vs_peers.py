"""Benchmark: design-based means and SEs of 3 variables over 10 domains, ruralmig against svy and R `survey`.

Default run: 1,000,000 synthetic records, 200 strata, 4,000 PSUs (a stratified cluster design), the weighted mean
and Taylor SE of 3 variables in each of 10 domains, through
  - ruralmig in memory (``SurveyDesign.from_frame`` + ``survey_mean(by=...)``),
  - ruralmig in the database (``DatabaseDesign`` + ``database_mean`` on a DuckDB table: aggregate SQL),
  - svy 0.35 (``svy.Sample`` + ``estimation.mean(by=...)``),
  - R ``survey`` (``svydesign`` + ``svyby(svymean)``) when ``Rscript`` is installed (skipped with a note otherwise),
in the same run, each timed twice (best kept), with the largest relative difference of estimates and SEs between
tools, the time ratios and the process's peak memory (VmHWM) after each tool.

``--rows 50000000``: writes the records into a DuckDB file (generated in SQL, never in Python memory) and estimates
from it in a fresh child process limited to DuckDB's 2 GB memory, reporting its time and peak RSS
(``resource.getrusage``). The targets of issue 5: >= 2x faster than svy, >= 10x faster than R, < 4 GB at 50 M rows.

Usage:
    python benchmarks/survey_vs_peers.py [--rows 1000000] [--strata 200] [--psus 4000] [--seed 0]
    python benchmarks/survey_vs_peers.py --rows 50000000 [--folder DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

VARIABLES = ["y1", "y2", "y3"]
DOMAINS = 10
IN_MEMORY_LIMIT = 5_000_000


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(rows: int, strata: int, psus: int, seed: int) -> pd.DataFrame:
    """Stratified cluster sample: PSU effects, stratum effects, unequal weights, 10 domains."""
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, psus, rows)
    stratum = psu % strata
    psu_effect = rng.normal(0, 1, psus)[psu]
    return pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "w": rng.uniform(10, 200, rows),
            "dom": rng.integers(0, DOMAINS, rows),
            "y1": 50 + stratum * 0.05 + 3 * psu_effect + rng.normal(0, 10, rows),
            "y2": rng.gamma(2.0, 100.0, rows) * (1 + 0.2 * psu_effect.clip(-2, 2)),
            "y3": (rng.random(rows) < 0.3 + 0.05 * psu_effect.clip(-2, 2)).astype(np.float64),
        }
    )


def timed(action: Callable[[], Any], repeats: int = 2) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def tidy(frame: pd.DataFrame, domain: str, term: str, estimate: str, se: str) -> pd.DataFrame:
    out = frame[[domain, term, estimate, se]].copy()
    out.columns = ["domain", "term", "estimate", "se"]
    out["domain"] = out["domain"].astype(str)
    return out.sort_values(["term", "domain"], key=lambda s: s.astype(str)).reset_index(drop=True)


def run_ruralmig_memory(frame: pd.DataFrame) -> pd.DataFrame:
    from ruralmig.survey import SurveyDesign, survey_mean

    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    return tidy(survey_mean(design, VARIABLES, by="dom").to_frame(), "domain", "term", "estimate", "se")


def run_ruralmig_database(connection: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    from ruralmig.survey.in_database import DatabaseDesign, database_mean

    design = DatabaseDesign(connection, table, weights="w", strata="stratum", psu="psu")
    return tidy(database_mean(design, VARIABLES, by="dom").to_frame(), "domain", "term", "estimate", "se")


def run_svy(frame: pd.DataFrame) -> pd.DataFrame:
    import polars as pl
    import svy

    sample = svy.Sample(pl.from_pandas(frame), svy.Design(stratum="stratum", psu="psu", wgt="w"))
    parts = []
    for variable, estimate in zip(VARIABLES, sample.estimation.mean(VARIABLES, by="dom"), strict=True):
        result = estimate.to_polars().to_pandas()
        parts.append(result.assign(term=variable))
    return tidy(pd.concat(parts), "dom", "term", "est", "se")


def run_r(frame: pd.DataFrame, folder: Path) -> tuple[float, float, pd.DataFrame] | None:
    """R survey through Rscript on a CSV of the same records: (design time, svyby time, results)."""
    if shutil.which("Rscript") is None:
        return None
    data, out = folder / "records.csv", folder / "r_results.csv"
    frame.to_csv(data, index=False)
    script = f"""
suppressMessages(library(survey))
d <- read.csv("{data}")
t0 <- Sys.time(); des <- svydesign(id=~psu, strata=~stratum, weights=~w, data=d); t1 <- Sys.time()
r <- svyby(~y1+y2+y3, ~dom, des, svymean); t2 <- Sys.time()
est <- coef(r); s <- SE(r)
res <- data.frame(name=names(est), estimate=as.numeric(est), se=as.numeric(unlist(s)))
write.csv(res, "{out}", row.names=FALSE)
cat(as.numeric(t1 - t0, units="secs"), as.numeric(t2 - t1, units="secs"), "\\n")
"""
    completed = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"Rscript failed: {completed.stderr[-2000:]}")
    design_time, by_time = (float(v) for v in completed.stdout.split()[:2])
    results = pd.read_csv(out)
    parts = results["name"].str.split(":", expand=True)
    results["domain"], results["term"] = parts[0], parts[1]
    return design_time, by_time, tidy(results, "domain", "term", "estimate", "se")


def largest_difference(left: pd.DataFrame, right: pd.DataFrame) -> float:
    merged = left.merge(right, on=["domain", "term"], suffixes=("_a", "_b"))
    if len(merged) != len(left):
        return float("nan")
    ratios = [
        np.abs(merged[f"{c}_a"] - merged[f"{c}_b"]) / np.abs(merged[f"{c}_b"]).clip(lower=1e-300)
        for c in ("estimate", "se")
    ]
    return float(max(r.max() for r in ratios))


def compare(rows: int, strata: int, psus: int, seed: int) -> None:
    print(
        f"{rows:,} records, {strata} strata, {psus:,} PSUs; "
        f"mean + SE of {len(VARIABLES)} variables over {DOMAINS} domains"
    )
    frame = synthetic(rows, strata, psus, seed)
    print(f"  data generated; peak memory {peak_memory_mib():,.0f} MiB")
    memory_time, memory_result = timed(lambda: run_ruralmig_memory(frame))
    print(
        f"  ruralmig in memory      {memory_time:7.2f} s   (design + survey_mean by domain); "
        f"peak {peak_memory_mib():,.0f} MiB"
    )
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar=false")
    connection.register("frame_view", frame)
    connection.execute("CREATE TABLE records AS SELECT * FROM frame_view")
    connection.unregister("frame_view")
    database_time, database_result = timed(lambda: run_ruralmig_database(connection, "records"))
    print(
        f"  ruralmig in DuckDB      {database_time:7.2f} s   (aggregate SQL + per-PSU numpy); "
        f"peak {peak_memory_mib():,.0f} MiB"
    )
    svy_time, svy_result = timed(lambda: run_svy(frame))
    print(
        f"  svy 0.35                {svy_time:7.2f} s   (Sample + estimation.mean by domain); "
        f"peak {peak_memory_mib():,.0f} MiB"
    )
    print(
        f"  same numbers: in-DuckDB vs in-memory max rel diff "
        f"{largest_difference(database_result, memory_result):.1e}; "
        f"svy vs ruralmig {largest_difference(svy_result, memory_result):.1e}"
    )
    print(
        f"  ratio svy / ruralmig in memory: {svy_time / memory_time:5.1f}x; svy / ruralmig in DuckDB: "
        f"{svy_time / database_time:5.1f}x (target >= 2x)"
    )
    with tempfile.TemporaryDirectory() as folder:
        r_run = run_r(frame, Path(folder))
    if r_run is None:
        print(
            "  R survey: Rscript is not installed here, skipped "
            "(apt-get install --no-install-recommends r-cran-survey to include it)"
        )
    else:
        r_design, r_by, r_result = r_run
        r_time = r_design + r_by
        print(f"  R survey                {r_time:7.2f} s   (svydesign {r_design:.2f} s + svyby {r_by:.2f} s)")
        print(
            f"  R vs ruralmig max rel diff {largest_difference(r_result, memory_result):.1e}; ratio R / ruralmig "
            f"in memory {r_time / memory_time:5.1f}x (target >= 10x)"
        )


def write_large(path: Path, rows: int, strata: int, psus: int) -> None:
    """Records generated inside DuckDB (hash-based pseudo-random values) and written to a DuckDB file."""
    connection = duckdb.connect(str(path), config={"memory_limit": "2GB"})
    connection.execute("SET enable_progress_bar=false")
    connection.execute(
        f"""
        CREATE TABLE records AS
        SELECT psu % {strata} AS stratum, psu, w, dom, y1, y2, y3 FROM (
            SELECT (hash(i) % {psus})::BIGINT AS psu,
                   10 + (hash(i + 1) % 19000) / 100.0 AS w,
                   (hash(i + 2) % {DOMAINS})::INTEGER AS dom,
                   50 + (hash(i + 3) % 2000) / 100.0 + (hash(i) % {psus}) / {psus}.0 AS y1,
                   (hash(i + 4) % 100000) / 100.0 AS y2,
                   ((hash(i + 5) % 10) < 3)::DOUBLE AS y3
            FROM range({rows}) AS t(i)
        )
        """
    )
    connection.close()


def estimate_from_file(path: Path) -> None:
    """Child process: estimate from the DuckDB file and report time and peak RSS."""
    start = time.perf_counter()
    connection = duckdb.connect(str(path), read_only=True, config={"memory_limit": "2GB"})
    connection.execute("SET enable_progress_bar=false")
    result = run_ruralmig_database(connection, "records")
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  ruralmig in DuckDB      {elapsed:7.2f} s   ({len(result)} estimates); peak RSS {peak:,.0f} MiB "
        f"(target < 4096 MiB)"
    )
    print(result.head(3).to_string(index=False))


def large(rows: int, strata: int, psus: int, folder: Path | None) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        path = Path(scratch) / "survey.duckdb"
        print(f"{rows:,} records, {strata} strata, {psus:,} PSUs, written to a DuckDB file")
        start = time.perf_counter()
        write_large(path, rows, strata, psus)
        print(f"  written in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 2**20:,.0f} MiB on disk)")
        subprocess.run([sys.executable, __file__, "--estimate-file", str(path)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--strata", type=int, default=200)
    parser.add_argument("--psus", type=int, default=None, help="default 4,000 (in memory) or 20,000 (large)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, default=None, help="where the large DuckDB file is written")
    parser.add_argument("--estimate-file", type=Path, default=None, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.estimate_file is not None:
        estimate_from_file(arguments.estimate_file)
    elif arguments.rows > IN_MEMORY_LIMIT:
        large(arguments.rows, arguments.strata, arguments.psus or 20_000, arguments.folder)
    else:
        compare(arguments.rows, arguments.strata, arguments.psus or 4_000, arguments.seed)


if __name__ == "__main__":
    main()
