"""Run the API with uvicorn: `serve` blocks; `start_server` also makes a viewer key and announces the URL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ruralmig.api.auth import create_key
from ruralmig.api.logs import install_redaction
from ruralmig.errors import RuralmigError
from ruralmig.workspace import Workspace

__all__ = ["ServerThread", "create_viewer_key", "serve", "start_server"]


def create_viewer_key(
    workspace: Path | str | Workspace | None, *, name: str = "demo viewer", database_url: str | None = None
) -> str:
    """Create a viewer key in the workspace and return it (the only time it is shown)."""
    if isinstance(workspace, Workspace):
        return create_key(workspace.store, name=name, role="viewer").key
    with Workspace.open(workspace, database_url=database_url) as ws:
        return create_key(ws.store, name=name, role="viewer").key


def _server(
    workspace: Path | str | Workspace | None, host: str, port: int, database_url: str | None, log_level: str
) -> object:
    import uvicorn

    from ruralmig.api.app import create_app

    app = create_app(workspace, database_url=database_url)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=True, lifespan="on")
    install_redaction()  # after uvicorn configured its loggers
    return uvicorn.Server(config)


def serve(
    workspace: Path | str | Workspace | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    database_url: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve the API and the dashboard until interrupted."""
    server = _server(workspace, host, port, database_url, log_level)
    server.run()  # type: ignore[attr-defined]


class ServerThread:
    """The server in a background thread of this process (for demos, benchmarks and tests)."""

    def __init__(
        self,
        workspace: Path | str | Workspace | None,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        database_url: str | None = None,
        log_level: str = "warning",
    ) -> None:
        self.url = f"http://{host}:{port}"
        self.server = _server(workspace, host, port, database_url, log_level)
        self.thread = threading.Thread(target=self.server.run, name="ruralmig-api", daemon=True)  # type: ignore[attr-defined]

    def start(self, timeout: float = 30.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not getattr(self.server, "started", False):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuralmigError(f"the API server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=30)


def start_server(
    workspace: Path | str | Workspace | None,
    host: str = "127.0.0.1",
    port: int = 8000,
    viewer_key_name: str = "demo viewer",
    *,
    database_url: str | None = None,
    announce: Callable[[str, str], None] | None = None,
    block: bool = True,
) -> tuple[str, str]:
    """Create a viewer key, then serve; returns (url, viewer key).

    `announce(url, key)` is called once the server listens (default: print both). With `block` (the default)
    this returns when the server stops (Ctrl+C); without it the server keeps running in a daemon thread.
    """
    key = create_viewer_key(workspace, name=viewer_key_name, database_url=database_url)
    runner = ServerThread(workspace, host=host, port=port, database_url=database_url, log_level="info").start()
    (announce or _print)(runner.url, key)
    if block:
        try:
            while runner.thread.is_alive():
                runner.thread.join(timeout=0.5)
        except KeyboardInterrupt:
            runner.stop()
    return runner.url, key


def _print(url: str, key: str) -> None:
    print(f"ruralmig API and dashboard on {url}/  (API docs: {url}/api/docs)")
    print(f"viewer key: {key}")
