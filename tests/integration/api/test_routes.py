"""The read routes return the shapes docs/api.md promises, from a real DuckDB workspace."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

SURVEY_ID = "TEST-SURVEY-2020"  # as stored by the conftest


def get(client: TestClient, keys: Any, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=keys.header(keys.viewer))
    assert response.status_code == 200, response.text
    return response.json()


def test_health_needs_no_key_and_names_the_schema(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["workspace"] == "duckdb"
    assert body["schema_version"] >= 4


def test_me_shows_the_role_and_never_the_secret(client: TestClient, keys: Any) -> None:
    body = get(client, keys, "/api/me")
    assert body["role"] == "viewer"
    assert keys.viewer.startswith(f"rmk_{body['key_id']}_")
    assert keys.viewer.split("_", 2)[2] not in str(body)


def test_areas_filter_by_level_and_country(client: TestClient, keys: Any) -> None:
    areas = get(client, keys, "/api/areas", admin_level=1, country="MOZ")
    assert len(areas) == 11
    assert {a["country_iso3"] for a in areas} == {"MOZ"}
    assert set(areas[0]) >= {"area_id", "name", "admin_level", "parent_id", "country_iso3", "population"}
    page = get(client, keys, "/api/areas", admin_level=1, country="MOZ", limit=5, offset=5)
    assert [a["area_id"] for a in page] == [a["area_id"] for a in areas[5:10]]


def test_area_search_by_part_of_the_name(client: TestClient, keys: Any) -> None:
    found = get(client, keys, "/api/areas", q="Cabo Delg")
    assert "MZ01" in {a["area_id"] for a in found}


def test_geojson_has_one_polygon_feature_per_area_with_a_boundary(
    client: TestClient, keys: Any, workspace_of_api: Any
) -> None:
    collection = get(client, keys, "/api/areas/geojson", admin_level=1, country="MOZ")
    assert collection["type"] == "FeatureCollection"
    expected = (
        workspace_of_api.store.query_arrow(
            "SELECT area_id FROM areas WHERE admin_level = 1 AND country_iso3 = 'MOZ' AND geometry IS NOT NULL"
        )
        .column("area_id")
        .to_pylist()
    )
    assert sorted(f["id"] for f in collection["features"]) == sorted(expected)
    assert len(expected) >= 10
    feature = collection["features"][0]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert set(feature["properties"]) == {"area_id", "name", "admin_level", "parent_id", "country_iso3"}


def test_indicator_catalogue_counts_areas_and_periods(client: TestClient, keys: Any) -> None:
    catalogue = {row["indicator"]: row for row in get(client, keys, "/api/indicators/catalogue")}
    ipc = catalogue["ipc_phase3plus_people"]
    assert ipc["unit"] == "persons"
    assert ipc["areas"] > 0
    assert ipc["periods"] > 0
    assert ipc["first_period"] <= ipc["last_period"]


def test_indicator_values_filter_by_indicator_and_area(client: TestClient, keys: Any) -> None:
    values = get(client, keys, "/api/indicators", indicator="ipc_phase3plus_people", area_id="AO08")
    assert values
    assert {(v["indicator"], v["area_id"]) for v in values} == {("ipc_phase3plus_people", "AO08")}
    by_country = get(client, keys, "/api/indicators", country="MOZ", limit=10000)
    assert by_country
    assert all(v["area_id"].startswith("MZ") for v in by_country)


def test_climate_lists_only_drought_indicators(client: TestClient, keys: Any) -> None:
    drought = get(client, keys, "/api/climate/indicators")
    assert all(row["indicator"].lower().startswith(("spi", "spei")) or "drought" in row["indicator"] for row in drought)


def test_index_run_scores_default_to_the_root_node(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    listed = {run["run_id"]: run for run in get(client, keys, "/api/index/runs")}
    run = listed[runs["index"]]
    assert run["definition_name"]
    assert run["units"] > 0
    assert run["nodes"] > 1
    scores = get(client, keys, f"/api/index/runs/{runs['index']}/scores")
    assert scores
    assert len({s["node"] for s in scores}) == 1
    assert {"score", "score_rank", "risk_class", "rank_low", "rank_high"} <= set(scores[0])


def test_network_and_stored_displacement_run(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    networks = get(client, keys, "/api/displacement/networks")
    assert networks == [{"network_id": "burundi2015", "locations": 30, "routes": 41, "first_date": "2015-05-01"}]
    network = get(client, keys, "/api/displacement/networks/burundi2015")
    assert len(network["locations"]) == 30
    assert len(network["routes"]) == 41
    assert set(network["routes"][0]) == {"from", "to", "distance"}
    stored = {run["run_id"]: run for run in get(client, keys, "/api/displacement/runs")}[runs["displacement"]]
    assert stored["network_id"] == "burundi2015"
    assert stored["days"] == 12
    assert stored["seed"] == 1
    assert 0 <= stored["ard"] < 5
    arrivals = get(client, keys, f"/api/displacement/runs/{runs['displacement']}/arrivals", location="Nyarugusu")
    assert [a["day"] for a in arrivals] == list(range(12))
    assert arrivals[0]["date"] == "2015-05-01"
    assert arrivals[0]["observed"] is not None


def test_pressure_needs_scale_with_arrivals(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    pressure = get(client, keys, f"/api/displacement/runs/{runs['displacement']}/pressure")
    assert pressure
    busiest = max(pressure, key=lambda row: row["arrivals"])
    assert busiest["arrivals"] > 0
    assert busiest["food_kcal"] == busiest["arrivals"] * 2100
    assert busiest["water_litres"] == busiest["arrivals"] * 15


def test_survey_estimates_mask_suppressed_cells(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    listed = get(client, keys, "/api/survey/runs")
    assert [r["survey_id"] for r in listed if r["run_id"] == runs["survey"]] == [SURVEY_ID]
    estimates = get(client, keys, f"/api/survey/runs/{runs['survey']}/estimates", domain="region")
    suppressed = [e for e in estimates if e["flag"] == "suppressed"]
    assert len(suppressed) == 1
    assert suppressed[0]["estimate"] is None
    assert suppressed[0]["se"] is None
    assert suppressed[0]["ci_high"] is None
    assert [e["estimate"] for e in estimates if e["flag"] == "ok"] == [0.28]


def test_a_grant_limits_the_surveys_a_key_sees(client: TestClient, keys: Any, runs: dict[str, str]) -> None:
    header = keys.header(keys.viewer_other_survey)
    assert client.get("/api/survey/runs", headers=header).json() == []
    response = client.get(f"/api/survey/runs/{runs['survey']}/estimates", headers=header)
    assert response.status_code == 403
    assert SURVEY_ID in response.json()["detail"]


def test_tables_mark_microdata_and_uploadable_tables(client: TestClient, keys: Any) -> None:
    tables = {row["table"]: row for row in get(client, keys, "/api/tables")}
    assert tables["households"]["sensitive"]
    assert not tables["households"]["uploadable"]
    assert tables["indicators"]["uploadable"]
    assert tables["indicators"]["rows"] > 0
    assert not tables["api_keys"]["uploadable"]


def test_provenance_lists_the_ingests(client: TestClient, keys: Any) -> None:
    log = get(client, keys, "/api/provenance")
    assert {"ne_admin0.parquet", "ipc_phase3plus_admin1.csv"} <= {entry["file"] for entry in log}
    assert all(len(entry["sha256"]) == 64 for entry in log)


def test_unknown_runs_are_404_naming_the_run(client: TestClient, keys: Any) -> None:
    response = client.get("/api/displacement/runs/nope-123/arrivals", headers=keys.header(keys.viewer))
    assert response.status_code == 404
    assert "nope-123" in response.json()["detail"]


def test_docs_page_and_schema_are_served_without_external_urls(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/openapi.json" in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert "//cdn" not in page.text
    schema = client.get("/api/openapi.json").json()
    assert "/api/areas" in schema["paths"]
    assert "/api/jobs/{job_id}/events" in schema["paths"]


def test_admin_creates_lists_and_revokes_keys(client: TestClient, keys: Any) -> None:
    admin = keys.header(keys.admin)
    created = client.post("/api/keys", json={"name": "partner agency", "role": "viewer"}, headers=admin)
    assert created.status_code == 201
    new_key = created.json()["key"]
    assert client.get("/api/me", headers=keys.header(new_key)).status_code == 200
    listed = client.get("/api/keys", headers=admin).json()
    assert all("key_hash" not in k and "key" not in k for k in listed)
    key_id = created.json()["key_id"]
    assert client.delete(f"/api/keys/{key_id}", headers=admin).json()["revoked_at"]
    assert client.get("/api/me", headers=keys.header(new_key)).status_code == 401
    audit = client.get("/api/audit", headers=admin).json()
    assert {"key.create", "key.revoke"} <= {event["action"] for event in audit if event["target"] == key_id}
