"""The dashboard in headless Chromium: pages, map, a job launched from the page, phone width, keyboard only."""

from __future__ import annotations

import io
import os
import shutil
from typing import Any

import pytest
from tests.browser.session import SCREENSHOTS, DemoServer, Session, new_session

pytestmark = pytest.mark.browser

PAGES = ("overview", "displacement", "households", "data")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# What each page shows once its data are in (a CSS selector that must match at least once).
EXPECTED = {
    "overview": "#overview-table tbody tr",
    "displacement": "#displacement-chart .main-svg",
    "households": "#households-table tbody tr, main p.notice",
    "data": "main table tbody tr",
}


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def sized_session(request: pytest.FixtureRequest, browser: Any, demo_server: DemoServer) -> Any:
    session = new_session(browser, demo_server, key=demo_server.viewer_key, viewport=VIEWPORTS[request.param])
    yield request.param, session
    session.context.close()
    assert session.external == [], f"requests left 127.0.0.1: {session.external}"


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_console_errors(sized_session: tuple[str, Session], name: str) -> None:
    size, session = sized_session
    page = session.open(name)
    page.wait_for_selector(EXPECTED[name], state="attached", timeout=60_000)
    if name == "overview":
        page.wait_for_selector("main[data-map-idle='true']", timeout=60_000)
    assert session.errors == []
    assert page.locator("main .error").count() == 0, page.inner_text("main")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the {name} page scrolls sideways by {overflow} px at {size} width"
    shot = session.screenshot(f"{name}-{size}")
    if size == "desktop" and os.environ.get("RURALMIG_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")


def _distinct_colours(png: bytes) -> tuple[int, float]:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    flat = pixels.reshape(-1, 3)
    return len(np.unique(flat, axis=0)), float(flat.std(axis=0).max())


def test_overview_map_canvas_is_drawn_and_drills_down(analyst_session: Session) -> None:
    page = analyst_session.open("overview")
    page.wait_for_selector("main[data-map-idle='true']", timeout=60_000)
    canvas = page.locator("#overview-map canvas")
    colours, spread = _distinct_colours(canvas.screenshot())
    assert colours > 4, f"the map canvas looks blank ({colours} colours)"
    assert spread > 10, f"the map canvas looks uniform (colour spread {spread:.1f})"
    first_country = page.locator("#overview-country option").nth(1).get_attribute("value")
    page.select_option("#overview-country", first_country)
    page.wait_for_function("document.getElementById('overview-status').textContent.includes('admin-1')", timeout=30_000)
    rows = page.locator("#overview-table tbody tr")
    assert rows.count() >= 1
    assert first_country in rows.first.inner_text()
    assert "–" in rows.first.inner_text() or any(ch.isdigit() for ch in rows.first.inner_text())
    assert analyst_session.errors == []


def test_displacement_job_from_the_page_shows_progress_then_result(analyst_session: Session) -> None:
    page = analyst_session.open("displacement")
    page.wait_for_selector("#displacement-chart .main-svg", timeout=60_000)
    runs_before = page.locator("#displacement-run option").count()
    page.evaluate(
        """() => {
          window.__jobTexts = [];
          const node = document.getElementById('displacement-job-status');
          new MutationObserver(() => window.__jobTexts.push(node.textContent))
            .observe(node, {childList: true, characterData: true, subtree: true});
        }"""
    )
    page.fill("#displacement-seed", "7")
    page.click("#displacement-launch")
    page.wait_for_selector("main[data-job-done]", timeout=180_000)
    texts: list[str] = page.evaluate("window.__jobTexts")
    done_at = next(i for i, text in enumerate(texts) if "done: run" in text)
    assert any("%" in text for text in texts[:done_at]), f"no progress shown before the result: {texts}"
    run_id = page.locator("main").get_attribute("data-job-done")
    assert page.locator("#displacement-run").input_value() == run_id
    assert page.locator("#displacement-run option").count() == runs_before + 1
    assert run_id in page.inner_text("#displacement-summary")
    analyst_session.screenshot("displacement-after-job")
    assert analyst_session.errors == []


def test_viewer_cannot_launch_a_job(browser: Any, demo_server: DemoServer) -> None:
    session = new_session(browser, demo_server, key=demo_server.viewer_key, viewport=VIEWPORTS["desktop"])
    try:
        page = session.open("displacement")
        page.click("#displacement-launch")
        page.wait_for_function(
            "document.getElementById('displacement-job-status').textContent.includes('role')", timeout=30_000
        )
        assert page.locator("main[data-job-done]").count() == 0
        assert session.external == []
    finally:
        session.context.close()


def test_keyboard_only_navigation(browser: Any, demo_server: DemoServer) -> None:
    session = new_session(browser, demo_server, key=None, viewport=VIEWPORTS["desktop"])
    try:
        page = session.page
        page.goto(f"{demo_server.url}/")
        session.wait_ready("overview")
        assert "Enter an API key" in page.inner_text("main")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "the focused skip link has no visible focus"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        # From the top: skip link, then the four page links, then the key field.
        page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
        page.focus("body")
        order = []
        for _ in range(6):
            page.keyboard.press("Tab")
            order.append(page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id"))
        assert order == ["Skip to content", "Overview", "Displacement", "Households", "Data", "api-key"], order
        page.keyboard.type(demo_server.viewer_key)
        page.keyboard.press("Enter")
        page.wait_for_selector("#overview-table tbody tr", timeout=60_000)
        page.wait_for_function("document.activeElement.id === 'main'", timeout=60_000)  # focus follows the page
        for _ in range(4):
            page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.textContent") == "Data"
        page.keyboard.press("Enter")
        session.wait_ready("data")
        assert page.evaluate("document.activeElement.id") == "main"
        assert page.locator("main h1").inner_text() == "Data in the workspace"
        for selector in ("#upload-file", "#upload-table", "#upload-mode", "#api-key"):
            label = page.evaluate(f"document.querySelector('{selector}').labels[0]?.textContent || ''")
            assert label.strip(), f"{selector} has no label"
        assert session.errors == []
        assert session.external == []
    finally:
        session.context.close()


def test_upload_shows_the_validation_report_in_the_page(analyst_session: Session, tmp_path: Any) -> None:
    bad = tmp_path / "bad_indicators.csv"
    bad.write_text("area_id,period,indicator,value\nAO08,2021-06-01,ipc_phase3plus_share,not-a-number\n")
    page = analyst_session.open("data")
    page.set_input_files("#upload-file", str(bad))
    page.select_option("#upload-table", "indicators")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-report table", timeout=30_000)
    report = page.inner_text("#upload-report")
    assert "nothing was written" in report
    assert "value" in report
    assert "not-a-number" in report
    analyst_session.errors[:] = [e for e in analyst_session.errors if "422" not in e]  # the refusal itself
    assert analyst_session.errors == []


def test_households_mark_suppressed_cells_in_text(analyst_session: Session) -> None:
    page = analyst_session.open("households")
    page.wait_for_selector("#households-table tbody tr", timeout=60_000)
    options = page.locator("#households-indicator option")
    found = False
    for index in range(options.count()):
        page.select_option("#households-indicator", index=index)
        page.wait_for_function(
            "document.querySelector('#households-table caption')?.textContent.startsWith("
            "document.getElementById('households-indicator').value + ':')",
            timeout=30_000,
        )
        cells = page.locator("#households-table td .suppressed")
        if cells.count():
            assert cells.first.inner_text().strip().endswith("suppressed")
            caption = page.inner_text("#households-table caption")
            assert f"{cells.count()} suppressed" in caption
            found = True
            break
    assert found, "the demo survey run has no suppressed cell to show"
    assert analyst_session.errors == []


def test_an_ensemble_launched_from_the_page_is_shown_with_its_band(analyst_session: Session) -> None:
    page = analyst_session.open("displacement")
    page.wait_for_selector("#displacement-chart .main-svg", timeout=60_000)
    page.fill("#displacement-seed", "11")
    page.fill("#displacement-days", "40")
    page.fill("#displacement-replicas", "3")
    page.click("#displacement-launch")
    page.wait_for_selector("main[data-job-done]", timeout=180_000)
    run_id = page.locator("main").get_attribute("data-job-done")
    assert run_id is not None
    assert run_id.startswith("ensemble-")
    assert "ensemble median" in page.inner_text("#displacement-summary")
    page.wait_for_function(
        "document.querySelector('#displacement-chart').textContent.includes('5–95 % of the ensemble')", timeout=30_000
    )
    assert analyst_session.errors == []
