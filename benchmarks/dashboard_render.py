"""Time to first render of the dashboard's Overview page in headless Chromium.

Measured in the page: from navigation start (performance.timeOrigin) to the MapLibre `idle` event after the
choropleth is drawn (the page sets the performance mark `overview-map-idle`). The server runs on 127.0.0.1 over
the demo workspace; every request leaving 127.0.0.1 is aborted and counted.

    python benchmarks/dashboard_render.py [--workspace DIR] [--runs 5]

Without --workspace the demo workspace is built in a temporary folder first (`ruralmig demo --no-serve`).
The first run has a cold browser cache (a new context); the rest reload the page in the same context.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path

from ruralmig.api.auth import create_key
from ruralmig.api.server import ServerThread
from ruralmig.datasets.demo import run_demo
from ruralmig.reports.pdf import CHROMIUM_ARGS, chromium_executable
from ruralmig.workspace import Workspace

MARK = "overview-map-idle"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def measure(folder: Path, runs: int) -> dict[str, object]:
    from playwright.sync_api import Route, sync_playwright

    with Workspace.open(folder) as workspace:
        key = create_key(workspace.store, name="render benchmark", role="viewer").key
    server = ServerThread(folder, port=_free_port()).start()
    external: list[str] = []
    times: list[float] = []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})

            def local_only(route: Route) -> None:
                if route.request.url.startswith(server.url + "/"):
                    route.continue_()
                else:
                    external.append(route.request.url)
                    route.abort()

            context.route("**/*", local_only)
            context.add_init_script(f"sessionStorage.setItem('ruralmig.apiKey', {json.dumps(key)})")
            page = context.new_page()
            for run in range(runs):
                if run == 0:
                    page.goto(f"{server.url}/#/overview")
                else:
                    page.reload()
                page.wait_for_function(f"performance.getEntriesByName('{MARK}').length > 0", timeout=120_000)
                times.append(page.evaluate(f"performance.getEntriesByName('{MARK}')[0].startTime"))
            browser.close()
    finally:
        server.stop()
    return {
        "runs": runs,
        "cold_ms": round(times[0], 1),
        "warm_median_ms": round(statistics.median(times[1:]), 1) if len(times) > 1 else None,
        "all_ms": [round(t, 1) for t in times],
        "external_requests": len(external),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="An existing demo workspace (default: build one).")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ruralmig-render-") as scratch:
        folder = options.workspace
        if folder is None:
            started = time.perf_counter()
            folder = Path(scratch) / "demo"
            run_demo(folder, replicas=2)
            print(f"built the demo workspace in {time.perf_counter() - started:.1f} s")
        result = measure(folder, options.runs)
    print(
        f"Overview first render (navigation start -> map idle) in Chromium: cold {result['cold_ms']} ms, "
        f"warm median {result['warm_median_ms']} ms over {options.runs - 1} reloads; "
        f"external requests {result['external_requests']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
