"""Helpers of the browser tests: the demo server record, a browser session that guards the network, constants."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruralmig.reports.pdf import CHROMIUM_PATH

CHROMIUM = Path(os.environ.get("RURALMIG_CHROMIUM", CHROMIUM_PATH))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Software WebGL reports slow pixel reads as console warnings; they are not page errors.
IGNORED_CONSOLE = ("GPU stall due to ReadPixels",)


@dataclass
class DemoServer:
    url: str
    folder: Path
    viewer_key: str
    analyst_key: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass
class Session:
    """One browser context on the demo server, with what it tried to fetch elsewhere and the console errors."""

    context: Any
    page: Any
    server: DemoServer
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, page_name: str, *, timeout: float = 60_000) -> Any:
        self.page.goto(f"{self.server.url}/#/{page_name}")
        self.wait_ready(page_name, timeout=timeout)
        return self.page

    def wait_ready(self, page_name: str, *, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            f"document.body.dataset.ready === 'true' && document.body.dataset.page === {json.dumps(page_name)}",
            timeout=timeout,
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


def new_session(browser: Any, server: DemoServer, *, key: str | None, viewport: dict[str, int]) -> Session:
    context = browser.new_context(viewport=viewport)
    session = Session(context=context, page=None, server=server)
    local = f"{server.url}/"

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(local) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            session.external.append(url)
            route.abort()

    context.route("**/*", guard)
    if key is not None:  # as if the key had been entered in this browser session
        context.add_init_script(f"sessionStorage.setItem('ruralmig.apiKey', {json.dumps(key)})")
    page = context.new_page()

    def on_console(message: Any) -> None:
        if message.type == "error" and not any(text in message.text for text in IGNORED_CONSOLE):
            session.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: session.errors.append(f"page error: {error}"))
    session.page = page
    return session
