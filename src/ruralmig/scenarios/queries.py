"""Read-only queries over a workspace for the interfaces (REST API, dashboard, reports).

Every value reaches SQL as a bound parameter; filters are validated by the caller. Results are lists of plain
dicts (JSON-ready), newest runs first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np

from ruralmig.scenarios.sql import Readable, json_value, rows

__all__ = [
    "area_geojson",
    "areas",
    "displacement_arrivals",
    "displacement_pressure",
    "displacement_runs",
    "index_root",
    "index_runs",
    "index_scores",
    "indicator_catalogue",
    "indicator_values",
    "network",
    "networks",
    "provenance",
    "run_record",
    "survey_estimates",
    "survey_runs",
]

DROUGHT_PATTERNS = ("spi%", "spei%", "%drought%")


def _t(store: Readable, name: str) -> str:
    return store.qualified(name)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates as ISO text and NaN as None, so that the records serialise as JSON."""
    for record in records:
        for key, value in record.items():
            if isinstance(value, datetime | date):
                record[key] = value.isoformat()
            elif isinstance(value, float) and np.isnan(value):
                record[key] = None
    return records


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def areas(
    store: Readable,
    *,
    admin_level: int | None = None,
    country: str | None = None,
    parent: str | None = None,
    text: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (("admin_level", admin_level), ("country_iso3", country), ("parent_id", parent)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    if text:
        conditions.append("(name ILIKE ? OR area_id ILIKE ?)")
        params += [f"%{text}%", f"%{text}%"]
    sql = (
        f"SELECT area_id, name, admin_level, parent_id, country_iso3, population FROM {_t(store, 'areas')}"
        f"{_where(conditions)} ORDER BY area_id LIMIT ? OFFSET ?"
    )
    return _clean(rows(store, sql, [*params, limit, offset]))


def area_geojson(store: Readable, *, admin_level: int, country: str | None = None) -> dict[str, Any]:
    """A FeatureCollection of the areas of one level that have a boundary."""
    import json

    import shapely

    geometry = "ST_AsBinary(geometry)" if store.dialect == "postgres" else "geometry"
    conditions = ["admin_level = ?", "geometry IS NOT NULL"]
    params: list[Any] = [admin_level]
    if country is not None:
        conditions.append("country_iso3 = ?")
        params.append(country)
    sql = (
        f"SELECT area_id, name, admin_level, parent_id, country_iso3, {geometry} AS wkb FROM {_t(store, 'areas')}"
        f"{_where(conditions)} ORDER BY area_id"
    )
    table = store.query_arrow(sql, params)
    shapes = shapely.from_wkb(table.column("wkb").to_pylist())
    texts = shapely.to_geojson(shapes)
    properties = table.drop_columns(["wkb"]).to_pylist()
    features = [
        {"type": "Feature", "id": props["area_id"], "properties": props, "geometry": json.loads(text)}
        for props, text in zip(properties, texts, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def indicator_catalogue(store: Readable, *, drought_only: bool = False) -> list[dict[str, Any]]:
    condition = ""
    params: list[Any] = []
    if drought_only:
        condition = " WHERE " + " OR ".join("lower(indicator) LIKE ?" for _ in DROUGHT_PATTERNS)
        params = list(DROUGHT_PATTERNS)
    sql = (
        "SELECT indicator, min(unit) AS unit, min(source) AS source, count(DISTINCT area_id) AS areas, "
        "count(DISTINCT period) AS periods, min(period) AS first_period, max(period) AS last_period "
        f"FROM {_t(store, 'indicators')}{condition} GROUP BY indicator ORDER BY indicator"
    )
    return _clean(rows(store, sql, params))


def indicator_values(
    store: Readable,
    *,
    indicator: str | None = None,
    area_id: str | None = None,
    country: str | None = None,
    period: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (("indicator", indicator), ("area_id", area_id), ("period", period)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    if country is not None:
        conditions.append(f"area_id IN (SELECT area_id FROM {_t(store, 'areas')} WHERE country_iso3 = ?)")
        params.append(country)
    sql = (
        f"SELECT area_id, period, indicator, value, unit, source, imputed FROM {_t(store, 'indicators')}"
        f"{_where(conditions)} ORDER BY indicator, area_id, period LIMIT ? OFFSET ?"
    )
    return _clean(rows(store, sql, [*params, limit, offset]))


def run_record(store: Readable, run_id: str) -> dict[str, Any] | None:
    """The `results` row of a run, with its parameters parsed, or None."""
    found = rows(store, f"SELECT * FROM {_t(store, 'results')} WHERE run_id = ?", [run_id])
    if not found:
        return None
    record = found[0]
    record["parameters"] = json_value(record.get("parameters")) or {}
    return record


def _definition_of(parameters: Any) -> tuple[str | None, str | None]:
    """(name, root) of the index definition stored with a run."""
    text = parameters.get("definition") if isinstance(parameters, dict) else None
    if not isinstance(text, str):
        return None, None
    try:
        from ruralmig.index.definition import IndexDefinition

        definition = IndexDefinition.from_yaml_text(text)
    except Exception:  # a definition that no longer parses still lists its run
        return None, None
    return definition.name, definition.root


def index_runs(store: Readable) -> list[dict[str, Any]]:
    sql = (
        "SELECT r.run_id, r.created_at, r.parameters, count(DISTINCT i.node) AS nodes, "
        "count(DISTINCT i.unit) AS units, count(DISTINCT i.period) AS periods "
        f"FROM {_t(store, 'results')} r LEFT JOIN {_t(store, 'index_results')} i ON i.run_id = r.run_id "
        "WHERE r.engine = ? GROUP BY r.run_id, r.created_at, r.parameters ORDER BY r.created_at DESC, r.run_id"
    )
    if store.dialect == "postgres":
        sql = sql.replace("r.parameters", "r.parameters::text")
    found = rows(store, sql, ["index"])
    for record in found:
        parameters = json_value(record.pop("parameters", None) or record.pop("parameters::text", None))
        record["definition_name"] = _definition_of(parameters)[0]
    return _clean(found)


def index_root(store: Readable, run_id: str) -> str | None:
    record = run_record(store, run_id)
    return None if record is None else _definition_of(record["parameters"])[1]


def index_scores(store: Readable, run_id: str, *, node: str, period: str | None = None) -> list[dict[str, Any]]:
    conditions = ["run_id = ?", "node = ?"]
    params: list[Any] = [run_id, node]
    if period is not None:
        conditions.append("period = ?")
        params.append(period)
    sql = (
        "SELECT unit, period, node, kind, score, score_rank, risk_class, reliability, rank_low, rank_high, "
        f"score_low, score_high, missing_share FROM {_t(store, 'index_results')}{_where(conditions)} "
        "ORDER BY period, score_rank, unit"
    )
    return _clean(rows(store, sql, params))


def networks(store: Readable) -> list[dict[str, Any]]:
    sql = (
        "SELECT l.network_id, count(*) AS locations, "
        f"(SELECT count(*) FROM {_t(store, 'network_routes')} r WHERE r.network_id = l.network_id) AS routes, "
        f"(SELECT min(o.date) FROM {_t(store, 'observed_arrivals')} o WHERE o.network_id = l.network_id) "
        f"AS first_date FROM {_t(store, 'network_locations')} l GROUP BY l.network_id ORDER BY l.network_id"
    )
    return _clean(rows(store, sql))


def network(store: Readable, network_id: str) -> dict[str, Any] | None:
    locations = rows(
        store,
        "SELECT name, region, location_type AS kind, lat, lon, population, area_id "
        f"FROM {_t(store, 'network_locations')} WHERE network_id = ? ORDER BY name",
        [network_id],
    )
    if not locations:
        return None
    routes = rows(
        store,
        f'SELECT name1 AS "from", name2 AS "to", distance FROM {_t(store, "network_routes")} '
        "WHERE network_id = ? ORDER BY name1, name2",
        [network_id],
    )
    return {"network_id": network_id, "locations": _clean(locations), "routes": _clean(routes)}


def displacement_runs(store: Readable) -> list[dict[str, Any]]:
    results = _t(store, "displacement_results")
    parameters = "r.parameters::text" if store.dialect == "postgres" else "r.parameters"
    sql = (
        f"SELECT r.run_id, r.engine, r.created_at, r.seed, {parameters} AS parameters, e.ard "
        f"FROM {_t(store, 'results')} r "
        "LEFT JOIN (SELECT run_id, avg(daily) AS ard FROM (SELECT run_id, day, "
        "sum(abs(agents - observed)) / greatest(sum(observed), 1) AS daily "
        f"FROM {results} WHERE observed IS NOT NULL GROUP BY run_id, day) d GROUP BY run_id) e "
        "ON e.run_id = r.run_id WHERE r.engine IN (?, ?) ORDER BY r.created_at DESC, r.run_id"
    )
    found = rows(store, sql, ["displacement", "ensemble"])
    for record in found:
        parsed = json_value(record.pop("parameters")) or {}
        record["network_id"] = parsed.get("case")
        record["days"] = parsed.get("days")
        record["kind"] = record.pop("engine")
        record["ard"] = None if record["ard"] is None else float(record["ard"])
    return _clean(found)


def displacement_arrivals(store: Readable, run_id: str, *, location: str | None = None) -> list[dict[str, Any]]:
    conditions = ["run_id = ?"]
    params: list[Any] = [run_id]
    if location is not None:
        conditions.append("location = ?")
        params.append(location)
    sql = (
        "SELECT location, day, date, agents, observed, agents_low, agents_high "
        f"FROM {_t(store, 'displacement_results')}{_where(conditions)} ORDER BY location, day"
    )
    return _clean(rows(store, sql, params))


def displacement_pressure(store: Readable, run_id: str) -> list[dict[str, Any]]:
    """Displaced people per admin area and day beside the host population, with food and water needs.

    Areas are the locations' `area_id` (their region when it is empty); agents count `hasten` people each.
    Camps hold no host population (their population column is a capacity).
    """
    from ruralmig.displacement.pressure import FOOD_KCAL_PER_PERSON_PER_DAY, WATER_LITRES_PER_PERSON_PER_DAY

    record = run_record(store, run_id)
    if record is None:
        return []
    parameters = record["parameters"]
    network_id = parameters.get("case")
    hasten = float((parameters.get("settings") or {}).get("hasten", 1) or 1)
    locations = _t(store, "network_locations")
    sql = (
        "SELECT coalesce(nullif(l.area_id, ''), l.region, '') AS area_id, d.day, d.date, "
        "sum(d.agents) AS agents FROM "
        f"{_t(store, 'displacement_results')} d JOIN {locations} l ON l.name = d.location AND l.network_id = ? "
        "WHERE d.run_id = ? GROUP BY 1, d.day, d.date ORDER BY 1, d.day"
    )
    found = rows(store, sql, [network_id, run_id])
    hosts_sql = (
        "SELECT coalesce(nullif(area_id, ''), region, '') AS area_id, "
        "sum(CASE WHEN lower(location_type) LIKE ? THEN NULL ELSE population END) AS host_population "
        f"FROM {locations} WHERE network_id = ? GROUP BY 1"
    )
    hosts = {r["area_id"]: r["host_population"] for r in rows(store, hosts_sql, ["%camp%", network_id])}
    for record_row in found:
        arrivals = float(record_row.pop("agents")) * hasten
        host = hosts.get(record_row["area_id"])
        record_row["arrivals"] = arrivals
        record_row["host_population"] = None if host is None else float(host)
        record_row["ratio"] = arrivals / float(host) if host else None
        record_row["food_kcal"] = arrivals * FOOD_KCAL_PER_PERSON_PER_DAY
        record_row["water_litres"] = arrivals * WATER_LITRES_PER_PERSON_PER_DAY
    return _clean(found)


def survey_runs(store: Readable, *, surveys: list[str] | None = None) -> list[dict[str, Any]]:
    """Survey runs, restricted to `surveys` when given (the key's grants)."""
    parameters = "r.parameters::text" if store.dialect == "postgres" else "r.parameters"
    sql = (
        f"SELECT r.run_id, min(s.survey_id) AS survey_id, r.created_at, {parameters} AS parameters, "
        f"count(DISTINCT s.indicator) AS indicators FROM {_t(store, 'results')} r "
        f"JOIN {_t(store, 'survey_results')} s ON s.run_id = r.run_id "
        f"GROUP BY r.run_id, r.created_at, {parameters} ORDER BY r.created_at DESC, r.run_id"
    )
    found = rows(store, sql)
    for record in found:
        parsed = json_value(record.pop("parameters")) or {}
        design = parsed.get("design") if isinstance(parsed, dict) else None
        record["design"] = design if isinstance(design, dict | str) or design is None else str(design)
    if surveys is not None:
        found = [r for r in found if r["survey_id"] in surveys]
    return _clean(found)


def survey_estimates(
    store: Readable, run_id: str, *, indicator: str | None = None, domain: str | None = None
) -> list[dict[str, Any]]:
    """Estimates of a run; suppressed cells carry no estimate, standard error or interval."""
    conditions = ["run_id = ?"]
    params: list[Any] = [run_id]
    for column, value in (("indicator", indicator), ("domain", domain)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    suppressed = "flag = 'suppressed'"
    masked = ", ".join(
        f"CASE WHEN {suppressed} THEN NULL ELSE {column} END AS {column}"
        for column in ("estimate", "se", "ci_low", "ci_high", "deff", "cv")
    )
    sql = (
        f"SELECT indicator, statistic, domain, domain_value, {masked}, n, unit, flag, survey_id "
        f"FROM {_t(store, 'survey_results')}{_where(conditions)} ORDER BY indicator, domain, domain_value"
    )
    return _clean(rows(store, sql, params))


def provenance(store: Readable, *, limit: int = 500) -> list[dict[str, Any]]:
    sql = (
        'SELECT ingest_id, table_name AS "table", file_name AS file, sha256, rows, mode, code_version, '
        f"started_at, finished_at FROM {_t(store, 'ingest_log')} ORDER BY started_at DESC LIMIT ?"
    )
    return _clean(rows(store, sql, [limit]))
