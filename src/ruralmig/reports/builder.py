"""Gather a country's stored results from a workspace and render them as one self-contained HTML file.

Everything is inline: CSS, the map (SVG paths drawn from the workspace's boundaries), Plotly charts (with
plotly.min.js from the plotly package) and tables. Nothing is fetched when the file is opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import shapely

from ruralmig.errors import RuralmigError
from ruralmig.reports.svgmap import MapShape, svg_map
from ruralmig.scenarios import queries
from ruralmig.scenarios.sql import rows
from ruralmig.storage import Store
from ruralmig.workspace import Workspace

__all__ = ["BURUNDI_CASE_COUNTRIES", "ReportData", "build_report", "collect_report", "render_html"]

# Burundi 2015 case: Burundi and the countries hosting its camps (Rwanda, Tanzania, Uganda, DR Congo).
BURUNDI_CASE_COUNTRIES = ("BDI", "RWA", "TZA", "UGA", "COD")
CLASS_COLOURS = {
    "Very low": "#fff5c2",
    "Low": "#fecb6e",
    "Medium": "#f98b3b",
    "High": "#d9412b",
    "Very high": "#8c0d25",
}
NO_DATA_COLOUR = "#d4d9df"
KNOWN_SOURCES = {
    "ne_admin": "Natural Earth admin-0 and admin-1 boundaries (public domain), naturalearthdata.com.",
    "ocha_pcodes": "OCHA Global Administrative Boundaries p-codes (CC BY-IGO), via HDX.",
    "ipc_": "IPC / Cadre Harmonisé acute food insecurity analyses, population in phase 3+ (IPC, via HDX).",
    "rainfall": "WFP CHIRPS sub-national rainfall indicators (CC BY-IGO), via HDX; CHIRPS: Funk et al. (2015), "
    "doi:10.1038/sdata.2015.66.",
    "burundi2015": "Flee Burundi 2015 case (Suleimenova, Bell & Groen 2017, doi:10.1038/s41598-017-13828-9); "
    "observed camp counts from UNHCR.",
}
METHOD_NOTES = [
    "Adverse-drivers index: ruralmig's bundled definition (eight drivers, each 0-10, arithmetic means with equal "
    "weights); absent indicators count as missing and lower the reliability (1 - share missing). Classes use "
    "INFORM's cut-offs (Very low <= 1.9 < Low <= 3.4 < Medium <= 4.9 < High <= 6.4 < Very high; Marin-Ferrer, "
    "Vernaccini & Poljansek 2017, doi:10.2760/094023). Ranks are within each period; the rank interval is the "
    "5-95 % range over a Monte Carlo of normalisation, aggregation and weight choices.",
    "Drought indicators: SPI and SPEI fitted per area and calendar month (McKee et al. 1993; Vicente-Serrano et "
    "al. 2010, doi:10.1175/2009JCLI2909.1); negative values are drier than usual.",
    "Displacement: ruralmig's vectorised re-implementation of the Flee 3 agent-based model (Groen 2016; "
    "Suleimenova et al. 2017), seeded; ARD is Flee's averaged relative difference against the observed camp counts.",
    "Household indicators: design-based estimates (weights, strata, clusters; Taylor linearisation); cells below "
    "the disclosure thresholds are suppressed and shown without a value.",
]


@dataclass
class ReportData:
    """What a country report shows; each section is empty when the workspace holds nothing for it."""

    area: dict[str, Any]
    country_iso3: str
    country_name: str
    workspace: str
    generated_at: str
    version: str
    index_run: dict[str, Any] | None = None
    index_rows: list[dict[str, Any]] = field(default_factory=list)
    driver_columns: list[str] = field(default_factory=list)
    map_svg: str = ""
    drought_rows: list[dict[str, Any]] = field(default_factory=list)
    drought_figure: Any = None
    displacement_run: dict[str, Any] | None = None
    camp_rows: list[dict[str, Any]] = field(default_factory=list)
    displacement_figure: Any = None
    pressure_rows: list[dict[str, Any]] = field(default_factory=list)
    survey_sections: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _resolve_area(store: Store, area: str) -> dict[str, Any]:
    table = store.qualified("areas")
    text = area.strip()
    found = rows(
        store,
        f"SELECT area_id, name, admin_level, parent_id, country_iso3 FROM {table} "
        "WHERE upper(area_id) = upper(?) OR (admin_level = 0 AND (upper(country_iso3) = upper(?) OR lower(name) = "
        "lower(?))) ORDER BY admin_level, area_id LIMIT 1",
        [text, text, text],
    )
    if not found:
        examples = rows(store, f"SELECT area_id FROM {table} WHERE admin_level = 0 ORDER BY area_id LIMIT 5")
        hint = ", ".join(r["area_id"] for r in examples) or "none: ingest areas first"
        raise RuralmigError(
            f"AREA {area!r} is not an area of the workspace (give an area_id, an ISO 3166-1 alpha-3 code or a "
            f"country name; e.g. {hint})"
        )
    return found[0]


def _country_name(store: Store, iso3: str) -> str:
    found = rows(
        store, f"SELECT name FROM {store.qualified('areas')} WHERE admin_level = 0 AND country_iso3 = ?", [iso3]
    )
    return str(found[0]["name"]) if found and found[0]["name"] else iso3


def collect_report(workspace: Workspace, area: str) -> ReportData:
    """Read everything the report shows for `area` (an area id, ISO3 code or country name) from the workspace."""
    from ruralmig import __version__

    store = workspace.store
    resolved = _resolve_area(store, area)
    iso3 = str(resolved["country_iso3"])
    data = ReportData(
        area=resolved,
        country_iso3=iso3,
        country_name=_country_name(store, iso3),
        workspace=workspace.location,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        notes=list(METHOD_NOTES),
    )
    names = {a["area_id"]: a["name"] for a in queries.areas(store, country=iso3, limit=100_000)}
    _collect_index(store, data, names)
    _collect_map(store, data)
    _collect_drought(store, data, names)
    if iso3 in BURUNDI_CASE_COUNTRIES:
        _collect_displacement(store, data)
    _collect_survey(store, data)
    _collect_sources(store, data)
    return data


def _collect_index(store: Store, data: ReportData, names: dict[str, Any]) -> None:
    runs = queries.index_runs(store)
    if not runs:
        return
    run = runs[0]
    root = queries.index_root(store, run["run_id"]) or "adverse_drivers"
    scores = [r for r in queries.index_scores(store, run["run_id"], node=root) if r["unit"] in names]
    if not scores:
        return
    latest: dict[str, dict[str, Any]] = {}
    for row in scores:
        if row["score"] is not None and (row["unit"] not in latest or row["period"] > latest[row["unit"]]["period"]):
            latest[row["unit"]] = row
    sql = (
        f"SELECT unit, period, node, score FROM {store.qualified('index_results')} "
        "WHERE run_id = ? AND kind = 'node' AND node <> ?"
    )
    drivers: dict[tuple[str, str], dict[str, float | None]] = {}
    for row in rows(store, sql, [run["run_id"], root]):
        drivers.setdefault((row["unit"], row["period"]), {})[row["node"]] = row["score"]
    shown = sorted(latest.values(), key=lambda r: -(r["score"] or 0.0))
    columns = sorted(
        {node for r in shown for node, v in drivers.get((r["unit"], r["period"]), {}).items() if v is not None}
    )
    data.index_run = run
    data.driver_columns = columns
    data.index_rows = [
        {**r, "name": names.get(r["unit"], r["unit"]), "drivers": drivers.get((r["unit"], r["period"]), {})}
        for r in shown
    ]


def _collect_map(store: Store, data: ReportData) -> None:
    classes = {r["unit"]: r for r in data.index_rows}
    shapes: list[MapShape] = []
    for level in (1, 0):
        features = queries.area_geojson(store, admin_level=level, country=data.country_iso3)["features"]
        for feature in features:
            props = feature["properties"]
            row = classes.get(props["area_id"])
            fill = CLASS_COLOURS.get(str(row["risk_class"]), NO_DATA_COLOUR) if row else NO_DATA_COLOUR
            score = f": score {row['score']:.1f} ({row['risk_class']})" if row and row["score"] is not None else ""
            shapes.append(MapShape(shapely.geometry.shape(feature["geometry"]), fill, f"{props['name']}{score}"))
        if shapes:
            break
    data.map_svg = svg_map(shapes, label=f"Adverse-drivers classes by area, {data.country_name}")


def _collect_drought(store: Store, data: ReportData, names: dict[str, Any]) -> None:
    catalogue = queries.indicator_catalogue(store, drought_only=True)
    if not catalogue:
        return
    import plotly.graph_objects as go

    series: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for entry in catalogue:
        values = queries.indicator_values(store, indicator=entry["indicator"], country=data.country_iso3, limit=100_000)
        for row in values:
            if row["value"] is not None:
                series.setdefault((row["indicator"], row["area_id"]), []).append((row["period"], row["value"]))
    if not series:
        return
    for (indicator, area_id), points in sorted(series.items()):
        period, value = max(points)
        driest = min(value for _, value in points)
        data.drought_rows.append(
            {
                "indicator": indicator,
                "area_id": area_id,
                "name": names.get(area_id, area_id),
                "period": period,
                "value": value,
                "minimum": driest,
                "periods": len(points),
            }
        )
    figure = go.Figure()
    chosen = sorted({indicator for indicator, _ in series})[0]
    for (indicator, area_id), points in sorted(series.items()):
        if indicator == chosen:
            points.sort()
            figure.add_scatter(
                x=[p for p, _ in points], y=[v for _, v in points], mode="lines", name=str(names.get(area_id, area_id))
            )
    figure.update_layout(
        title=f"{chosen} by area", height=360, margin={"l": 50, "r": 10, "t": 40, "b": 40}, yaxis_title=chosen
    )
    data.drought_figure = figure


def _collect_displacement(store: Store, data: ReportData) -> None:
    runs = [r for r in queries.displacement_runs(store) if r.get("network_id") == "burundi2015"]
    if not runs:
        return
    import plotly.graph_objects as go

    run = sorted(runs, key=lambda r: str(r["created_at"]))[0]  # the first stored run: the demo's seed
    arrivals = queries.displacement_arrivals(store, run["run_id"])
    camps = sorted({r["location"] for r in arrivals if r["observed"] is not None})
    last_day = max(r["day"] for r in arrivals)
    figure = go.Figure()
    for camp in camps:
        points = [r for r in arrivals if r["location"] == camp]
        figure.add_scatter(
            x=[r["date"] for r in points], y=[r["agents"] for r in points], mode="lines", name=f"{camp} simulated"
        )
        observed = [r for r in points if r["observed"] is not None]
        figure.add_scatter(
            x=[r["date"] for r in observed],
            y=[r["observed"] for r in observed],
            mode="lines",
            line={"dash": "dot"},
            name=f"{camp} observed",
        )
        final = next(r for r in points if r["day"] == last_day)
        data.camp_rows.append({"camp": camp, "simulated": final["agents"], "observed": final["observed"]})
    figure.update_layout(
        title="Burundi 2015: people in camps, simulated and observed (UNHCR)",
        height=420,
        margin={"l": 60, "r": 10, "t": 40, "b": 40},
        yaxis_title="people",
    )
    pressure = [r for r in queries.displacement_pressure(store, run["run_id"]) if r["day"] == last_day]
    data.displacement_run = {**run, "last_day": last_day, "last_date": arrivals[0]["date"] if arrivals else None}
    data.displacement_run["last_date"] = next((r["date"] for r in arrivals if r["day"] == last_day), None)
    data.displacement_figure = figure
    data.pressure_rows = sorted(pressure, key=lambda r: -(r["arrivals"] or 0.0))[:15]


def _collect_survey(store: Store, data: ReportData) -> None:
    """Survey runs whose stored parameters (survey id, citation, source) name the country."""
    for run in queries.survey_runs(store):
        record = queries.run_record(store, run["run_id"]) or {}
        described = json.dumps(record.get("parameters", {}), default=str).lower()
        if data.country_name.lower() not in described and data.country_iso3.lower() not in described:
            continue
        estimates = queries.survey_estimates(store, run["run_id"])
        if estimates:
            citation = record.get("parameters", {}).get("citation")
            data.survey_sections.append({"run": run, "estimates": estimates[:300], "citation": citation})
        if len(data.survey_sections) == 3:
            break


def _collect_sources(store: Store, data: ReportData) -> None:
    files = [str(r["file"]) for r in queries.provenance(store, limit=1000)]
    cited: list[str] = []
    for key, citation in KNOWN_SOURCES.items():
        if key == "burundi2015":
            if data.displacement_run:
                cited.append(citation)
        elif any(key in name.lower() for name in files):
            cited.append(citation)
    for section in data.survey_sections:
        survey = str(section["run"].get("survey_id", ""))
        cited.append(section["citation"] or f"Household survey {survey} (see the workspace's provenance).")
    cited.append("INFORM Risk Index methodology: Marin-Ferrer, Vernaccini & Poljansek (2017), EUR 28655 EN.")
    data.sources = list(dict.fromkeys(cited))
    data.sources += [f"Workspace provenance, ingested file: {name}" for name in dict.fromkeys(files)]


def _figure_html(figure: Any, div_id: str) -> str:
    if figure is None:
        return ""
    html: str = figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False, "responsive": True}
    )
    return html


def _plotly_script() -> str:
    from importlib import resources

    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML document."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("ruralmig.reports", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    environment.filters["num"] = _number
    template = environment.get_template("country_report.html.j2")
    charts = any(f is not None for f in (data.drought_figure, data.displacement_figure))
    return template.render(
        data=data,
        plotly_js=_plotly_script().replace("</script", "<\\/script") if charts else "",
        drought_chart=_figure_html(data.drought_figure, "drought-chart"),
        displacement_chart=_figure_html(data.displacement_figure, "displacement-chart"),
        class_colours=CLASS_COLOURS,
        area_json=json.dumps(data.area, default=str),
    )


def _number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if digits == 0 else f"{value:,.{digits}f}"
    return str(value)


def build_report(workspace: Workspace, area: str, out: Path, *, format: Literal["html", "pdf"] = "html") -> Path:
    """Write the report of `area` to `out` as HTML or PDF (PDF printed by headless Chromium)."""
    if format not in ("html", "pdf"):
        raise RuralmigError(f"format must be html or pdf; got {format!r}")
    if format == "pdf":
        from ruralmig.reports.pdf import chromium_executable

        chromium_executable()  # fail before the work when Chromium is missing
    data = collect_report(workspace, area)
    html = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "html":
        out.write_text(html, encoding="utf-8")
        return out
    import tempfile

    from ruralmig.reports.pdf import html_to_pdf

    with tempfile.TemporaryDirectory(prefix="ruralmig-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        return html_to_pdf(page, out)
