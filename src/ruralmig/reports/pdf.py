"""Print an HTML report to PDF with headless Chromium (Playwright driving the system browser)."""

from __future__ import annotations

import os
from pathlib import Path

from ruralmig.errors import RuralmigError

__all__ = ["CHROMIUM_ARGS", "CHROMIUM_PATH", "chromium_executable", "html_to_pdf"]

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # headless on a server: no sandbox user, no GPU, nothing fetched in the background
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_executable() -> str:
    """The Chromium to print with: $RURALMIG_CHROMIUM, else /usr/bin/chromium; a clear error when absent."""
    path = os.environ.get("RURALMIG_CHROMIUM", CHROMIUM_PATH)
    if not Path(path).is_file():
        raise RuralmigError(
            f"PDF reports are printed by headless Chromium, which is not at {path}: install it "
            "(Debian: apt-get install chromium) or set RURALMIG_CHROMIUM, or use --format html"
        )
    return path


def html_to_pdf(html_file: Path, pdf_file: Path, *, timeout_ms: int = 60_000) -> Path:
    """Open `html_file` in headless Chromium, wait for its charts, and print it to `pdf_file` (A4).

    Playwright's sync API refuses to run in a thread with a running event loop (Jupyter, an async server, another
    Playwright session), so the browser is driven from a worker thread of its own.
    """
    from concurrent.futures import ThreadPoolExecutor

    executable = chromium_executable()
    try:
        import playwright.sync_api  # noqa: F401
    except ModuleNotFoundError:
        raise RuralmigError("PDF reports need the playwright package (pip install playwright)") from None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ruralmig-pdf") as pool:
        pool.submit(_print, executable, html_file, pdf_file, timeout_ms).result()
    return pdf_file


def _print(executable: str, html_file: Path, pdf_file: Path, timeout_ms: int) -> None:
    from playwright.sync_api import Route, sync_playwright

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", local_only)
            page.goto(html_file.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
            page.wait_for_function("document.body.dataset.chartsReady === 'true'", timeout=timeout_ms)
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf_file),
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
