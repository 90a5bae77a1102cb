"""Jobs: submit (analyst), follow with server-sent events, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse

from ruralmig.api import audit
from ruralmig.api.auth import Principal
from ruralmig.api.deps import ApiState, Caller, State, rate_limited, require
from ruralmig.api.routes import not_found
from ruralmig.api.schemas import Job, JobRequest
from ruralmig.errors import InputError, RuralmigError
from ruralmig.scenarios.jobs import TERMINAL, JobManager

router = APIRouter(prefix="/jobs", tags=["jobs"])
Submitter = Annotated[Principal, Depends(rate_limited("analyst"))]
Analyst = Annotated[Principal, Depends(require("analyst"))]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="A job id.")]


def _manager(state: ApiState) -> JobManager:
    if state.jobs is None:
        raise HTTPException(503, "jobs are not available on this server")
    return state.jobs


@router.post("", status_code=202, response_model=Job)
def submit(state: State, submitter: Submitter, body: JobRequest) -> dict[str, Any]:
    """Queue a displacement run, an ensemble or an uncertainty analysis; returns at once with the job id."""
    try:
        job = _manager(state).submit(body.kind, body.parameters, submitted_by=submitter.key_id)
    except (RuralmigError, ValueError) as error:
        status = 422 if isinstance(error, InputError | ValueError) else 400
        with state.lock:
            audit.record(
                state.store,
                submitter,
                "job.submit",
                target=body.kind,
                status=status,
                detail={"parameters": body.parameters, "error": str(error)[:500]},
            )
        if isinstance(error, RuralmigError):
            raise
        raise HTTPException(422, f"parameters: {error}") from None
    with state.lock:
        audit.record(
            state.store,
            submitter,
            "job.submit",
            target=job.job_id,
            status=202,
            detail={"kind": job.kind, "parameters": job.parameters},
        )
    return job.public()


@router.get("", response_model=list[Job])
def list_jobs(state: State, caller: Caller, limit: int = Query(200, ge=1, le=1000)) -> list[dict[str, Any]]:
    return _manager(state).list(limit)


@router.get("/{job_id}", response_model=Job)
def get_job(state: State, caller: Caller, job_id: JobId) -> dict[str, Any]:
    job = _manager(state).get(job_id)
    if job is None:
        raise not_found("job", job_id)
    return job


@router.delete("/{job_id}", status_code=202, response_model=Job)
def cancel(state: State, analyst: Analyst, job_id: JobId) -> dict[str, Any]:
    """Cancel a queued or running job (its worker is stopped); a finished job is returned unchanged."""
    job = _manager(state).cancel(job_id)
    with state.lock:
        audit.record(state.store, analyst, "job.cancel", target=job_id, status=202 if job else 404)
    if job is None:
        raise not_found("job", job_id)
    return job


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "data: {status, progress, message, run_id}"}},
)
async def events(request: Request, state: State, caller: Caller, job_id: JobId) -> StreamingResponse:
    """Server-sent events: one `data:` line per change, until the job is done, failed or cancelled."""
    manager = _manager(state)
    if await asyncio.to_thread(manager.get, job_id) is None:
        raise not_found("job", job_id)

    async def stream() -> AsyncIterator[str]:
        last: dict[str, Any] | None = None
        idle = 0.0
        while True:
            job = await asyncio.to_thread(manager.get, job_id)
            if job is None:
                return
            shown = {key: job[key] for key in ("status", "progress", "message", "run_id")}
            if shown != last:
                last, idle = shown, 0.0
                yield f"data: {json.dumps(shown)}\n\n"
            if shown["status"] in TERMINAL or await request.is_disconnected():
                return
            idle += 0.2
            if idle >= 15:
                idle = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(0.2)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
