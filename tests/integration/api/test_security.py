"""Security: keys and roles, no microdata, injection and traversal refused, size limits, keys kept out of logs."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ruralmig import Workspace
from ruralmig.api.app import create_app
from ruralmig.api.auth import create_key
from ruralmig.api.server import ServerThread
from ruralmig.config import Settings

MICRODATA = ("households", "persons", "profiles")
VALID_INDICATORS = "area_id,period,indicator,value,unit,source\nMZ01,2024,test_share,0.5,fraction,test\n"


def upload(client: TestClient, key: str | None, name: str, content: bytes, table: str = "indicators") -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    files = {"file": (name, io.BytesIO(content), "text/csv")}
    return client.post("/api/uploads", files=files, data={"table": table, "mode": "upsert"}, headers=headers)


def test_a_write_without_a_key_is_401(client: TestClient) -> None:
    assert upload(client, None, "x.csv", VALID_INDICATORS.encode()).status_code == 401
    assert client.post("/api/jobs", json={"kind": "displacement", "parameters": {}}).status_code == 401
    assert client.post("/api/keys", json={"name": "x"}).status_code == 401
    response = client.get("/api/areas", headers={"Authorization": "Bearer rmk_000000000000_notarealsecretatallxxxx"})
    assert response.status_code == 401


def test_reads_need_a_key_too(client: TestClient) -> None:
    assert client.get("/api/areas").status_code == 401
    assert client.get("/api/areas", headers={"X-API-Key": "not-a-key"}).status_code == 401


def test_the_x_api_key_header_is_accepted(client: TestClient, keys: Any) -> None:
    assert client.get("/api/me", headers={"X-API-Key": keys.viewer}).json()["role"] == "viewer"


def test_a_viewer_cannot_upload_submit_jobs_or_manage_keys(client: TestClient, keys: Any) -> None:
    viewer = keys.header(keys.viewer)
    assert upload(client, keys.viewer, "x.csv", VALID_INDICATORS.encode()).status_code == 403
    job = {"kind": "displacement", "parameters": {"network_id": "burundi2015"}}
    assert client.post("/api/jobs", json=job, headers=viewer).status_code == 403
    assert client.post("/api/keys", json={"name": "x"}, headers=viewer).status_code == 403
    assert client.get("/api/audit", headers=viewer).status_code == 403
    assert client.get("/api/keys", headers=keys.header(keys.analyst)).status_code == 403


def test_no_route_serves_microdata(client: TestClient, keys: Any) -> None:
    paths = [getattr(route, "path", "") for route in client.app.routes]  # type: ignore[attr-defined]
    schema = client.get("/api/openapi.json").json()
    for table in MICRODATA:
        assert not any(table in path for path in paths)
        assert not any(table in path for path in schema["paths"])
        for guess in (f"/api/{table}", f"/api/tables/{table}", f"/api/{table}.csv", f"/api/export/{table}"):
            response = client.get(guess, headers=keys.header(keys.admin))
            assert response.status_code in (404, 405), guess
        refused = upload(client, keys.analyst, "h.csv", b"survey_id,household_id\nS,1\n", table=table)
        assert refused.status_code == 403


def test_sql_injection_through_filters_is_rejected(client: TestClient, keys: Any, workspace_of_api: Workspace) -> None:
    viewer = keys.header(keys.viewer)
    before = workspace_of_api.count("areas"), workspace_of_api.count("indicators")
    attacks = [
        ("/api/areas", {"country": "MOZ' OR '1'='1"}),
        ("/api/areas", {"parent": "x'; DROP TABLE areas; --"}),
        ("/api/areas", {"admin_level": "1 OR 1=1"}),
        ("/api/indicators", {"area_id": "' UNION SELECT key_hash FROM api_keys --"}),
        ("/api/indicators", {"period": "2020'; DELETE FROM indicators; --"}),
        ("/api/index/runs/x';DROP TABLE results;--/scores", {}),
    ]
    for path, params in attacks:
        response = client.get(path, params=params, headers=viewer)
        assert response.status_code in (404, 422), (path, params, response.text)
        assert "Traceback" not in response.text
    # free text is bound as a parameter: it matches nothing and changes nothing
    found = client.get("/api/areas", params={"q": "'; DROP TABLE areas; --"}, headers=viewer)
    assert found.status_code == 200
    assert found.json() == []
    assert (workspace_of_api.count("areas"), workspace_of_api.count("indicators")) == before


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "..\\..\\evil.csv", "sub/dir.csv", "..csv", "/abs.csv"])
def test_path_traversal_in_upload_names_is_rejected(client: TestClient, keys: Any, name: str) -> None:
    response = upload(client, keys.analyst, name, VALID_INDICATORS.encode())
    assert response.status_code == 400, response.text
    assert "file:" in response.json()["detail"]


def test_an_upload_is_ingested_or_reported_in_full(client: TestClient, keys: Any) -> None:
    ok = upload(client, keys.analyst, "new values.csv", VALID_INDICATORS.encode())
    assert ok.status_code == 200, ok.text
    assert ok.json()["rows"] == 1
    assert ok.json()["table"] == "indicators"
    bad = upload(client, keys.analyst, "bad.csv", b"area_id,period,indicator,value\nMZ01,2024,x,abc\nMZ01,,y,1\n")
    assert bad.status_code == 422
    body = bad.json()
    assert body["total"] >= 2
    assert {"file", "row", "column", "value", "reason"} <= set(body["issues"][0])
    audit = client.get("/api/audit", params={"action": "upload"}, headers=keys.header(keys.admin)).json()
    assert {200, 422} <= {event["status"] for event in audit}


def test_oversized_uploads_are_refused_with_413(client: TestClient, keys: Any, api_settings: Settings) -> None:
    limit = api_settings.upload_max_bytes
    far_over = b"x" * (limit * 3)
    assert upload(client, keys.analyst, "big.csv", far_over).status_code == 413
    just_over = b"x" * (limit + 10_000)  # passes the declared-length check, caught while streaming
    response = upload(client, keys.analyst, "big.csv", just_over)
    assert response.status_code == 413
    assert f"{limit:,}" in response.json()["detail"]


def test_expensive_endpoints_are_rate_limited_per_key(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as workspace:
        key = create_key(workspace.store, name="busy", role="analyst").key
        settings = Settings(api_rate_per_minute=1, api_rate_burst=2, job_workers=1)
        with TestClient(create_app(workspace, settings=settings)) as client:
            headers = {"Authorization": f"Bearer {key}"}
            job = {"kind": "displacement", "parameters": {"network_id": "none-here"}}
            statuses = [client.post("/api/jobs", json=job, headers=headers).status_code for _ in range(3)]
            assert statuses[:2] == [422, 422]
            last = client.post("/api/jobs", json=job, headers=headers)
            assert last.status_code == 429
            assert int(last.headers["Retry-After"]) >= 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    with Workspace.init(tmp_path / "ws") as workspace:
        key = create_key(workspace.store, name="logged", role="viewer").key
        server = ServerThread(workspace, port=_free_port(), log_level="info").start()
        try:
            yield server.url, key
        finally:
            server.stop()


def test_keys_never_reach_the_logs(live_server: tuple[str, str]) -> None:
    url, key = live_server
    capture = _Capture()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error", "ruralmig", "uvicorn")]
    for logger in loggers:
        logger.addHandler(capture)
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            assert http.get("/api/me", headers={"X-API-Key": key}).status_code == 200
            http.get(f"/api/areas?api_key={key}&q={key}")
            http.get("/api/me", headers={"Authorization": f"Bearer {key}x"})
    finally:
        for logger in loggers:
            logger.removeHandler(capture)
    logged = "\n".join(capture.lines)
    assert "/api/me" in logged  # the access log ran
    secret = key.split("_", 2)[2]
    assert secret not in logged
    assert key not in logged
    assert "rmk_[redacted]" in logged
