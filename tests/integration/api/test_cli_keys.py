"""`ruralmig keys create|list|revoke` and `ruralmig serve` on a real workspace."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from ruralmig import Workspace
from ruralmig.api.auth import KeyStore
from ruralmig.cli.main import app

runner = CliRunner()


def test_keys_are_created_listed_and_revoked(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    created = runner.invoke(app, ["-w", str(folder), "keys", "create", "--role", "analyst", "--name", "field team"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("rmk_")
    key_id = key.split("_")[1]
    listed = runner.invoke(app, ["-w", str(folder), "keys", "list"])
    assert key_id in listed.output
    assert "field team" in listed.output
    assert key.split("_", 2)[2] not in listed.output
    with Workspace.open(folder) as ws:
        import threading

        principal = KeyStore(ws.store, threading.RLock()).authenticate(key)
        assert principal is not None
        assert principal.role == "analyst"
        stored = ws.store.query_arrow("SELECT key_hash FROM api_keys").column("key_hash").to_pylist()
        assert all(key.split("_", 2)[2] not in value for value in stored)
    assert runner.invoke(app, ["-w", str(folder), "keys", "revoke", key_id]).exit_code == 0
    assert runner.invoke(app, ["-w", str(folder), "keys", "revoke", key_id]).exit_code == 1
    with Workspace.open(folder) as ws:
        assert KeyStore(ws.store, threading.RLock()).authenticate(key) is None


def test_serve_starts_the_api_on_localhost(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = Path(sys.executable).parent / "ruralmig"
    command = [str(script), "serve", "--workspace", str(folder), "--port", str(port), "--log-level", "warning"]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/api/areas", timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
