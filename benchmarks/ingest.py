"""Benchmark: ingesting a generated N-row `indicators` CSV (default 10 million rows).

Measures wall time, rows per second and peak memory (RSS) of three ways to load the same file, each in a fresh
child process and a fresh database file:

- ours: ``Workspace.init(folder).ingest("indicators", csv)``, which validates every row and writes atomically;
- the floor: plain DuckDB ``CREATE TABLE t AS SELECT * FROM read_csv(csv)``;
- by hand: pandas ``read_csv`` + ``DataFrame.to_sql``, into SQLite (the standard library's driver) and into a DuckDB
  file through SQLAlchemy (duckdb-engine), as an analyst would without ruralmig. A way given fewer rows than N
  (``--pandas-rows``, ``--engine-rows``) is timed on the first rows and extrapolated linearly, and says so.

Timings include opening and closing the database. Peak memory is each child's own high-water RSS (VmHWM).
Usage: ``python benchmarks/ingest.py [--rows N] [--pandas-rows M] [--engine-rows K] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from process_memory import status_kib

HEADER = "area_id,period,indicator,value,unit,source,imputed"
AREAS = 400  # distinct p-codes
PERIODS = 20  # 2000..2019
WAYS = {
    "ours": "ruralmig Workspace.ingest",
    "floor": "DuckDB read_csv (floor)",
    "pandas": "pandas read_csv + to_sql (SQLite)",
    "pandas-duckdb": "pandas read_csv + to_sql (DuckDB via SQLAlchemy)",
}


def generate_csv(path: Path, rows: int) -> None:
    """Write `rows` rows with a unique (area_id, period, indicator, source) key, using DuckDB's COPY."""
    import duckdb

    from ruralmig.model.codelists import pcode_table

    pcodes = pcode_table().select(["pcode"]).slice(0, AREAS)
    con = duckdb.connect()
    con.register("pcodes_arrow", pcodes)
    con.execute("SELECT setseed(0.42)")
    con.execute(
        f"""
        COPY (
            WITH c AS (SELECT list(pcode) AS codes FROM pcodes_arrow)
            SELECT c.codes[(i % {AREAS}) + 1] AS area_id,
                   CAST(2000 + (i // {AREAS}) % {PERIODS} AS VARCHAR) AS period,
                   'ind_' || (i // {AREAS * PERIODS}) AS indicator,
                   round(random() * 100, 3) AS value,
                   'percent' AS unit, 'bench' AS source, 'false' AS imputed
            FROM range({rows}) AS r(i), c
            ORDER BY i
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    with path.open(encoding="utf-8") as handle:
        assert handle.readline().strip() == HEADER


def run_ours(csv: Path, work: Path, _limit: int) -> dict[str, Any]:
    import os

    from ruralmig import Workspace

    os.environ.pop("RURALMIG_DATABASE_URL", None)  # the benchmark measures the embedded DuckDB workspace
    start = time.perf_counter()
    ws = Workspace.init(work / "ours")
    ws.ingest("indicators", csv)
    seconds = time.perf_counter() - start
    rows = ws.count("indicators")  # not timed
    start = time.perf_counter()
    ws.close()
    return {"seconds": seconds + time.perf_counter() - start, "rows": rows}


def run_floor(csv: Path, work: Path, _limit: int) -> dict[str, Any]:
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(str(work / "floor.duckdb"))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv)])
    seconds = time.perf_counter() - start
    row = con.execute("SELECT count(*) FROM t").fetchone()  # not timed
    start = time.perf_counter()
    con.close()
    return {"seconds": seconds + time.perf_counter() - start, "rows": int(row[0]) if row else 0}


def run_pandas(csv: Path, work: Path, limit: int) -> dict[str, Any]:
    import sqlite3

    import pandas as pd

    start = time.perf_counter()
    con = sqlite3.connect(work / "pandas.sqlite")
    frame = pd.read_csv(csv, nrows=limit)
    frame.to_sql("indicators", con, index=False)
    con.commit()
    con.close()
    return {"seconds": time.perf_counter() - start, "rows": len(frame)}


def run_pandas_duckdb(csv: Path, work: Path, limit: int) -> dict[str, Any]:
    import warnings

    import pandas as pd
    import sqlalchemy

    warnings.simplefilter("ignore")  # duckdb-engine warns about unsupported SQLAlchemy features
    start = time.perf_counter()
    engine = sqlalchemy.create_engine(f"duckdb:///{work / 'pandas.duckdb'}")
    frame = pd.read_csv(csv, nrows=limit)
    frame.to_sql("indicators", engine, index=False)
    engine.dispose()
    return {"seconds": time.perf_counter() - start, "rows": len(frame)}


RUNNERS = {"ours": run_ours, "floor": run_floor, "pandas": run_pandas, "pandas-duckdb": run_pandas_duckdb}


def peak_kib() -> int:
    """This process's peak RSS in KiB (its own VmHWM; ru_maxrss where /proc is absent)."""
    peak = status_kib()
    return peak if peak >= 0 else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def child(way: str, csv: Path, work: Path, limit: int) -> None:
    """Run one way in this (fresh) process and print its result as JSON on the last line of stdout."""
    result = RUNNERS[way](csv, work, limit)
    result["peak_kib"] = peak_kib()
    print(json.dumps(result))


def spawn(way: str, csv: Path, work: Path, limit: int) -> dict[str, Any]:
    """Run this script with --only WAY in a child process, so that peak memory is per way."""
    for stale in ("ours", "floor.duckdb", "floor.duckdb.wal", "pandas.sqlite", "pandas.duckdb", "pandas.duckdb.wal"):
        if (work / stale).is_dir():
            shutil.rmtree(work / stale)
        else:
            (work / stale).unlink(missing_ok=True)
    command = [sys.executable, __file__, "--only", way, "--csv", str(csv), "--workdir", str(work)]
    done = subprocess.run([*command, "--pandas-rows", str(limit)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{way} failed (exit {done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def verdict(ok: bool) -> str:
    return "[green]PASS[/green]" if ok else "[red]MISS[/red]"


def benchmark(rows: int, limits: dict[str, int], work: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    csv = work / "indicators.csv"
    start = time.perf_counter()
    generate_csv(csv, rows)
    size = csv.stat().st_size / 1e6
    console.print(f"generated {rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s: {csv}")

    results: dict[str, dict[str, Any]] = {}
    for way in WAYS:
        limit = min(limits.get(way, rows), rows)
        console.print(f"running {way} on {limit:,} rows ...")
        results[way] = spawn(way, csv, work, limit)
        results[way]["timed_rows"] = limit
        results[way]["seconds_for_all"] = results[way]["seconds"] * rows / limit

    table = Table(title=f"Ingesting {rows:,} indicator rows from CSV")
    for name in ("way", "seconds", "rows/second", "peak memory MB", "timed on"):
        table.add_column(name, justify="left" if name == "way" else "right")
    for way, label in WAYS.items():
        result = results[way]
        seconds, peak, timed = result["seconds_for_all"], result["peak_kib"] / 1024, result["timed_rows"]
        note = f"{timed:,} rows, extrapolated" if timed < rows else "all rows"
        table.add_row(label, f"{seconds:,.1f}", f"{rows / seconds:,.0f}", f"{peak:,.0f}", note)
    console.print(table)

    ours = results["ours"]["seconds_for_all"]
    floor = results["floor"]["seconds_for_all"]
    ours_mb = results["ours"]["peak_kib"] / 1024
    console.print(f"ours / floor time:   {ours / floor:6.2f}x (target <= 2.0)  {verdict(ours / floor <= 2.0)}")
    for way in ("pandas", "pandas-duckdb"):
        ratio = results[way]["seconds_for_all"] / ours
        console.print(f"{way} / ours time: {ratio:8.2f}x (target >= 10)   {verdict(ratio >= 10)}")
    console.print(f"floor is {results['pandas']['seconds_for_all'] / floor:.2f}x faster than pandas + SQLite")
    console.print(f"ours peak memory:    {ours_mb:,.0f} MB (target < 2,000 MB) {verdict(ours_mb < 2000)}")
    loaded = results["ours"]["rows"]
    console.print(f"rows loaded by ours (ws.count): {loaded:,} of {rows:,} {verdict(loaded == rows)}")
    console.print(f"rows loaded by the floor: {results['floor']['rows']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to generate (default 10,000,000)")
    parser.add_argument("--pandas-rows", type=int, default=10_000_000, help="rows to time pandas + SQLite on")
    parser.add_argument("--engine-rows", type=int, default=200_000, help="rows to time pandas + DuckDB/SQLAlchemy on")
    parser.add_argument("--workdir", type=Path, help="folder for the CSV and databases (default: a temporary one)")
    parser.add_argument("--only", choices=list(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        child(args.only, args.csv, args.workdir, args.pandas_rows)
        return
    limits = {"pandas": args.pandas_rows, "pandas-duckdb": args.engine_rows}
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        benchmark(args.rows, limits, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="ruralmig-bench-") as folder:
            benchmark(args.rows, limits, Path(folder))


if __name__ == "__main__":
    main()
