"""Browser tests: the real API server over a demo workspace, driven by headless Debian Chromium via Playwright.

The demo workspace is built once per session with the demo's own functions (the `ruralmig demo --no-serve`
path). Any request that leaves 127.0.0.1 is aborted and recorded, and fails the test. Screenshots go to
`test-artifacts/browser/` (gitignored); set RURALMIG_UPDATE_SCREENSHOTS=1 to also copy them to docs/screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.session import CHROMIUM, DemoServer, Session, free_port, in_ci, new_session

from ruralmig.reports.pdf import CHROMIUM_ARGS


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        message = f"headless Chromium is not at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[DemoServer]:
    from ruralmig.api.auth import create_key
    from ruralmig.api.server import ServerThread
    from ruralmig.datasets.demo import run_demo
    from ruralmig.workspace import Workspace

    folder = tmp_path_factory.mktemp("browser") / "demo"
    run_demo(folder, replicas=2)
    with Workspace.open(folder) as workspace:
        viewer = create_key(workspace.store, name="browser viewer", role="viewer").key
        analyst = create_key(workspace.store, name="browser analyst", role="analyst").key
    server = ServerThread(folder, port=free_port()).start()
    try:
        yield DemoServer(server.url, folder, viewer, analyst)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def analyst_session(browser: Any, demo_server: DemoServer) -> Iterator[Session]:
    session = new_session(browser, demo_server, key=demo_server.analyst_key, viewport={"width": 1280, "height": 800})
    yield session
    session.context.close()
    assert session.external == [], f"requests left 127.0.0.1: {session.external}"
