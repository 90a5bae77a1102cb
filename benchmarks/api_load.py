"""Benchmark: the REST API under 200 concurrent viewers for 30 seconds (locust, headless).

Builds the demo workspace (bundled open data) in a temporary folder unless --workspace is given, creates a viewer
key, starts `ruralmig serve` (one uvicorn process) on a free 127.0.0.1 port, and runs
`locust --headless -u 200 -r 50 -t 30s --reset-stats` with benchmarks/locustfile.py against indicator and area
queries. Statistics are reset once all users have been spawned (the 4 s ramp-up is not measured;
--include-ramp-up measures it too). Prints p50 and
p99 latency, throughput and the error count, and the machine's load average before the run (the load generator
runs on the same machine). Target: p99 under 100 ms and no errors.

Usage:
    python benchmarks/api_load.py [--workspace DIR] [--users 200] [--spawn-rate 50] [--duration 30s]
                                  [--include-ramp-up]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGET_P99_MS = 100.0
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(folder: Path, build: bool) -> dict[str, str]:
    """Build the demo workspace if asked; create a viewer key; pick real areas, indicators and countries."""
    from ruralmig import Workspace
    from ruralmig.api.auth import create_key
    from ruralmig.datasets.demo import build_demo

    workspace = build_demo(folder) if build else Workspace.open(folder)
    with workspace:
        key = create_key(workspace.store, name="load benchmark", role="viewer").key
        held = workspace.store.query_arrow(
            "SELECT i.indicator, i.area_id, a.country_iso3 FROM indicators i JOIN areas a USING (area_id) "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2"
        ).to_pylist()
    if not held:
        raise SystemExit("the workspace holds no indicators for known areas; nothing to query")
    return {
        "RURALMIG_BENCH_KEY": key,
        "RURALMIG_BENCH_AREAS": ",".join(sorted({row["area_id"] for row in held})),
        "RURALMIG_BENCH_INDICATORS": ",".join(sorted({row["indicator"] for row in held})),
        "RURALMIG_BENCH_COUNTRIES": ",".join(sorted({row["country_iso3"] for row in held if row["country_iso3"]})),
    }


def wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        with contextlib.suppress(httpx.TransportError):  # not listening yet
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer on {url} within {timeout:.0f} s")


def aggregated(stats_csv: Path) -> dict[str, str]:
    with stats_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    raise SystemExit(f"no aggregated row in {stats_csv}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="An existing workspace (default: build the demo in a temp dir)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=int, default=50)
    parser.add_argument("--duration", default="30s")
    parser.add_argument(
        "--include-ramp-up", action="store_true", help="Measure from the first user on (cold caches, users spawning)"
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="ruralmig-load-") as scratch:
        folder = args.workspace or Path(scratch) / "demo"
        print(f"preparing the workspace {folder} ...", flush=True)
        environment = {**os.environ, **prepare(folder, build=args.workspace is None)}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        serve = [str(bin_dir / "ruralmig"), "serve", "--workspace", str(folder), "--port", str(port)]
        with (Path(scratch) / "server.log").open("wb") as server_log:
            server = subprocess.Popen([*serve, "--log-level", "warning"], stdout=server_log, stderr=subprocess.STDOUT)
        try:
            wait_for(url, server)
            print(
                f"load average before the run: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs"
            )
            print(f"server on {url}; locust: {args.users} users, spawn rate {args.spawn_rate}/s, {args.duration}")
            prefix = Path(scratch) / "locust"
            locust = [
                str(bin_dir / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                args.duration,
                "--host",
                url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ]
            if not args.include_ramp_up:
                locust.append("--reset-stats")
            subprocess.run(locust, env=environment, check=False, stdout=subprocess.DEVNULL)
            row = aggregated(Path(f"{prefix}_stats.csv"))
        finally:
            server.terminate()
            server.wait(timeout=30)
    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    p50, p99 = float(row["50%"]), float(row["99%"])
    throughput = float(row["Requests/s"])
    print(f"requests {requests:,}  errors {failures:,}  throughput {throughput:,.0f} req/s")
    print(f"latency p50 {p50:.0f} ms  p99 {p99:.0f} ms  (target p99 < {TARGET_P99_MS:.0f} ms, no errors)")
    met = p99 < TARGET_P99_MS and failures == 0
    print("target met" if met else "target NOT met")


if __name__ == "__main__":
    main()
