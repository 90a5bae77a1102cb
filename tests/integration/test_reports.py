"""Country reports from a small demo workspace: self-contained HTML, PDF through headless Chromium, clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruralmig.cli.main import app
from ruralmig.datasets.demo import build_demo, run_demo_displacement, run_demo_index
from ruralmig.datasets.demo_survey import run_demo_survey
from ruralmig.errors import RuralmigError
from ruralmig.reports import build_report, collect_report
from ruralmig.workspace import Workspace

CHROMIUM = Path(os.environ.get("RURALMIG_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "demo"
    with build_demo(folder) as workspace:
        run_demo_displacement(workspace, folder / "displacement")
        run_demo_index(workspace, folder / "index", replications=50)
        run_demo_survey(workspace)
    return folder


@pytest.fixture
def demo(demo_folder: Path) -> Iterator[Workspace]:
    with Workspace.open(demo_folder) as workspace:
        yield workspace


def test_burundi_report_is_self_contained_with_map_chart_and_camps(demo: Workspace, tmp_path: Path) -> None:
    out = build_report(demo, "BDI", tmp_path / "bdi.html")
    html = out.read_text(encoding="utf-8")
    assert "<h1>Burundi (BDI)</h1>" in html
    assert re.search(r"<svg[^>]*aria-label=\"Adverse-drivers classes by area, Burundi\"", html)
    assert html.count('<path d="M') >= 10  # Burundi's admin-1 areas drawn from the stored boundaries
    assert "Displacement: Burundi 2015" in html
    assert "Plotly.newPlot" in html
    for camp in ("Mahama", "Nduta", "Nyarugusu", "Nakivale", "Lusenda"):
        assert f"<td>{camp}</td>" in html
    assert "Suleimenova" in html  # the Flee case is cited when displacement is shown
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", html), "the report fetches something"


def test_report_tables_carry_scores_classes_and_rank_intervals(demo: Workspace) -> None:
    data = collect_report(demo, "Ethiopia")
    assert data.country_iso3 == "ETH"
    assert data.displacement_run is None  # Ethiopia is not in the Burundi case
    by_unit = {row["unit"]: row for row in data.index_rows}
    tigray = by_unit["ET01"]  # IPC phase 3+ share 0.6 or more in Tigray, May 2021: the top of the goalposts
    assert tigray["score"] == pytest.approx(10.0)
    assert tigray["risk_class"] == "Very high"
    assert tigray["score_rank"] == 1
    assert tigray["rank_low"] <= tigray["score_rank"] <= tigray["rank_high"]
    assert [row["score"] for row in data.index_rows] == sorted((row["score"] for row in data.index_rows), reverse=True)
    assert any("IPC" in source for source in data.sources)
    assert not any("Suleimenova" in source for source in data.sources)


def test_household_estimates_appear_in_their_country_only_with_suppressed_cells_marked(
    demo: Workspace, tmp_path: Path
) -> None:
    ghana = collect_report(demo, "GHA")
    assert len(ghana.survey_sections) == 1
    estimates = ghana.survey_sections[0]["estimates"]
    suppressed = [row for row in estimates if row["flag"] == "suppressed"]
    assert suppressed, "the demo survey has suppressed cells"
    assert all(row["estimate"] is None for row in suppressed)
    assert any("ISSER" in source for source in ghana.sources)
    html = build_report(demo, "GHA", tmp_path / "gha.html").read_text(encoding="utf-8")
    assert html.count("⊘ suppressed") == len(suppressed)
    assert collect_report(demo, "BDI").survey_sections == []


def test_sub_national_area_reports_on_its_country(demo: Workspace) -> None:
    data = collect_report(demo, "ET01")
    assert data.country_iso3 == "ETH"
    assert data.area["name"] == "Tigray"


def test_unknown_area_is_a_clear_error(demo: Workspace, tmp_path: Path) -> None:
    with pytest.raises(RuralmigError, match="'Atlantis' is not an area of the workspace"):
        build_report(demo, "Atlantis", tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_cli_report_and_its_errors(demo_folder: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "moz.html"
    result = runner.invoke(app, ["report", "MOZ", "--workspace", str(demo_folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    unknown = runner.invoke(app, ["report", "NOPE", "--workspace", str(demo_folder), "--out", str(tmp_path / "n")])
    assert unknown.exit_code == 1
    wrong = runner.invoke(app, ["report", "MOZ", "-w", str(demo_folder), "--format", "docx"])
    assert wrong.exit_code == 1


def test_pdf_without_chromium_says_so(demo: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RURALMIG_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(RuralmigError, match="headless Chromium"):
        build_report(demo, "BDI", tmp_path / "bdi.pdf", format="pdf")


@pytest.mark.browser
def test_pdf_is_printed_by_headless_chromium(demo: Workspace, tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"headless Chromium is not at {CHROMIUM}")
        pytest.skip(f"headless Chromium is not at {CHROMIUM}")
    out = build_report(demo, "BDI", tmp_path / "bdi.pdf", format="pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2  # several A4 pages


@pytest.mark.browser
def test_html_report_makes_no_request_when_opened(demo: Workspace, tmp_path: Path) -> None:
    if not CHROMIUM.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"headless Chromium is not at {CHROMIUM}")
        pytest.skip(f"headless Chromium is not at {CHROMIUM}")
    out = build_report(demo, "BDI", tmp_path / "bdi.html")
    # Playwright's sync API needs a thread without a running event loop (the browser tests hold one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        requested, errors, drawn = pool.submit(_open_in_chromium, out).result()
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
    assert errors == []
    assert drawn >= 1


def _open_in_chromium(page_file: Path) -> tuple[list[str], list[str], int]:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    errors: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_file.as_uri())
        page.wait_for_function("document.body.dataset.chartsReady === 'true'")
        drawn = page.locator("#displacement-chart .main-svg").count()
        browser.close()
    return requested, errors, drawn


@pytest.mark.postgres
def test_the_same_report_comes_from_a_postgresql_workspace(demo: Workspace, postgres_url: str, tmp_path: Path) -> None:
    import uuid

    from ruralmig.datasets.demo import DEMO_STEPS
    from ruralmig.storage import open_store

    schema = f"test_report_{uuid.uuid4().hex[:10]}"
    server = Workspace(open_store(database_url=postgres_url, create=True, schema=schema))
    try:
        for step in DEMO_STEPS[:4]:  # boundaries, p-codes, admin-1 boundaries, IPC
            step.ingest_into(server)
        run_demo_index(server, tmp_path / "index", replications=50)
        from_server = collect_report(server, "ETH")
        html = build_report(server, "ETH", tmp_path / "eth.html").read_text(encoding="utf-8")
    finally:
        server.store.con.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[attr-defined]
        server.close()
    from_file = collect_report(demo, "ETH")
    assert [(r["unit"], r["score"], r["risk_class"]) for r in from_server.index_rows] == [
        (r["unit"], r["score"], r["risk_class"]) for r in from_file.index_rows
    ]
    assert "<h1>Ethiopia (ETH)</h1>" in html
    assert html.count('<path d="M') >= 10
