"""The FastAPI application: routes under /api, the OpenAPI schema, a local docs page and the dashboard at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from ruralmig.api.cache import CachedReads
from ruralmig.api.deps import ApiState
from ruralmig.api.docs import docs_page
from ruralmig.api.limits import UploadSizeLimit
from ruralmig.api.logs import install_redaction
from ruralmig.api.routes import areas, indicators, jobs, keys, results, system, uploads
from ruralmig.config import Settings, get_settings
from ruralmig.errors import DisclosureError, InputError, RuralmigError
from ruralmig.workspace import Workspace

__all__ = ["DASHBOARD_FOLDER", "create_app"]

DASHBOARD_FOLDER = Path(__file__).resolve().parent.parent / "dashboard" / "static"
logger = logging.getLogger("ruralmig.api")


def create_app(
    workspace: Path | str | Workspace | None = None,
    *,
    database_url: str | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The API over one workspace, opened now and held until the app shuts down.

    `workspace` is a folder or .duckdb file (default: the settings' workspace), or an open Workspace (the app
    then uses it and does not close it).
    """
    from ruralmig import __version__
    from ruralmig.scenarios.jobs import JobManager

    settings = settings or get_settings()
    owned = not isinstance(workspace, Workspace)
    ws = (
        workspace
        if isinstance(workspace, Workspace)
        else Workspace.open(workspace or settings.workspace_dir, database_url=database_url or settings.database_url)
    )
    state = ApiState(workspace=ws, settings=settings)
    state.jobs = JobManager(state, workers=settings.job_workers, dask_address=settings.dask_address)
    install_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_redaction()
        try:
            yield
        finally:
            if state.jobs is not None:
                state.jobs.shutdown()
            state.close()
            if owned:
                with state.lock:
                    ws.close()

    app = FastAPI(
        title="ruralmig API",
        version=__version__,
        description="Areas, indicators, composite indices, climate, displacement and survey aggregates of a "
        "ruralmig workspace; long jobs with progress. Survey microdata have no endpoint.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api = state
    for module in (system, areas, indicators, results, uploads, jobs, keys):
        app.include_router(module.router, prefix="/api")
    _add_error_handlers(app)
    app.add_middleware(UploadSizeLimit, limit=settings.upload_max_bytes)
    app.add_middleware(CachedReads, state=state)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.title))

    if DASHBOARD_FOLDER.is_dir():
        app.mount("/", StaticFiles(directory=DASHBOARD_FOLDER, html=True), name="dashboard")
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def input_error(request: Request, error: InputError) -> JSONResponse:
        issues = [
            {"file": i.file, "row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
            for i in error.issues[:1000]
        ]
        return JSONResponse({"detail": str(error).splitlines()[0], "issues": issues, "total": error.total}, 422)

    @app.exception_handler(DisclosureError)
    async def disclosure_error(request: Request, error: DisclosureError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, 403)

    @app.exception_handler(RuralmigError)
    async def ruralmig_error(request: Request, error: RuralmigError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, 400)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "path", "body"))
            problems.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, 422)
