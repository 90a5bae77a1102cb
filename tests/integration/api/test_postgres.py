"""A few routes on a PostgreSQL workspace: reads, a key's life cycle, an upload and the audit log."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ruralmig import Workspace
from ruralmig.api.app import create_app
from ruralmig.api.auth import create_key
from ruralmig.config import Settings
from ruralmig.datasets.demo import DEMO_STEPS
from ruralmig.storage import open_store

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_client(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    schema = f"test_api_{uuid.uuid4().hex[:10]}"
    workspace = Workspace(open_store(database_url=postgres_url, create=True, schema=schema))
    try:
        for step in (DEMO_STEPS[1], DEMO_STEPS[3]):  # p-codes and IPC (CSV files)
            step.ingest_into(workspace)
        workspace.ingest("areas", _boundaries(tmp_path_factory.mktemp("pg") / "moz.geojson"), mode="upsert")
        keys = {role: create_key(workspace.store, name=role, role=role).key for role in ("viewer", "analyst", "admin")}
        with TestClient(create_app(workspace, settings=Settings(job_workers=1))) as client:
            yield client, keys
    finally:
        workspace.store.con.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[attr-defined]
        workspace.close()


def _boundaries(path: Path) -> Path:
    """Two square boundaries for Mozambican provinces, as GeoJSON."""
    features = [
        {
            "type": "Feature",
            "properties": {"area_id": code, "name": name, "admin_level": 1, "parent_id": "MOZ", "country_iso3": "MOZ"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x, -12], [x + 1, -12], [x + 1, -11], [x, -11], [x, -12]]],
            },
        }
        for code, name, x in (("MZ01", "Cabo Delgado", 39), ("MZ07", "Niassa", 36))
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_reads_on_postgres(pg_client: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = pg_client
    assert client.get("/api/health").json()["workspace"] == "postgres"
    areas = client.get("/api/areas", params={"admin_level": 1, "country": "MOZ"}, headers=auth(keys["viewer"])).json()
    assert len(areas) == 11
    geo = client.get("/api/areas/geojson", params={"admin_level": 1, "country": "MOZ"}, headers=auth(keys["viewer"]))
    assert sorted(f["id"] for f in geo.json()["features"]) == ["MZ01", "MZ07"]
    catalogue = client.get("/api/indicators/catalogue", headers=auth(keys["viewer"])).json()
    assert "ipc_phase3plus_people" in {row["indicator"] for row in catalogue}
    injected = client.get("/api/areas", params={"q": "'; DROP TABLE areas; --"}, headers=auth(keys["viewer"]))
    assert injected.status_code == 200
    assert injected.json() == []


def test_keys_uploads_and_audit_on_postgres(pg_client: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = pg_client
    created = client.post(
        "/api/keys", json={"name": "pg", "role": "viewer", "grants": ["S1"]}, headers=auth(keys["admin"])
    )
    assert created.status_code == 201
    me: Any = client.get("/api/me", headers=auth(created.json()["key"])).json()
    assert me["grants"] == ["S1"]
    content = b"area_id,period,indicator,value,unit,source\nMZ01,2024,pg_share,0.5,fraction,test\n"
    files = {"file": ("pg.csv", io.BytesIO(content), "text/csv")}
    uploaded = client.post("/api/uploads", files=files, data={"table": "indicators"}, headers=auth(keys["analyst"]))
    assert uploaded.status_code == 200, uploaded.text
    assert client.delete(f"/api/keys/{created.json()['key_id']}", headers=auth(keys["admin"])).status_code == 200
    assert client.get("/api/me", headers=auth(created.json()["key"])).status_code == 401
    actions = {event["action"] for event in client.get("/api/audit", headers=auth(keys["admin"])).json()}
    assert {"key.create", "key.revoke", "upload"} <= actions
