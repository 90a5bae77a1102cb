"""Stored engine runs: composite indices, displacement and survey aggregates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response

from ruralmig.api.auth import Principal
from ruralmig.api.deps import ApiState, Caller, State
from ruralmig.api.routes import INDICATOR, NAME, PERIOD, RunId, not_found
from ruralmig.api.schemas import (
    Arrival,
    DisplacementRun,
    Estimate,
    IndexRun,
    IndexScore,
    Network,
    NetworkSummary,
    Pressure,
    SurveyRun,
)
from ruralmig.scenarios import queries

router = APIRouter()


def _run(state: ApiState, run_id: str, engines: tuple[str, ...]) -> dict[str, Any]:
    """The run's record, or 404 (called in a worker thread)."""
    record = state.read(("run", run_id), lambda: queries.run_record(state.reader, run_id))
    if record is None or record["engine"] not in engines:
        raise not_found(f"{' or '.join(engines)} run", run_id)
    return record


@router.get("/index/runs", response_model=list[IndexRun], tags=["index"])
async def index_runs(state: State, caller: Caller) -> Response:
    return await state.respond(("index-runs",), lambda: queries.index_runs(state.reader))


@router.get("/index/runs/{run_id}/scores", response_model=list[IndexScore], tags=["index"])
async def index_scores(
    state: State,
    caller: Caller,
    run_id: RunId,
    node: str | None = Query(None, pattern=INDICATOR, description="Node or indicator (default: the root)"),
    period: str | None = Query(None, pattern=PERIOD),
) -> Response:
    def compute() -> list[dict[str, Any]]:
        _run(state, run_id, ("index",))
        chosen = node or queries.index_root(state.reader, run_id)
        if chosen is None:
            raise HTTPException(422, "node: the run's definition names no root; give node")
        return queries.index_scores(state.reader, run_id, node=chosen, period=period)

    return await state.respond(("scores", run_id, node, period), compute)


@router.get("/displacement/networks", response_model=list[NetworkSummary], tags=["displacement"])
async def networks(state: State, caller: Caller) -> Response:
    return await state.respond(("networks",), lambda: queries.networks(state.reader))


@router.get("/displacement/networks/{network_id}", response_model=Network, tags=["displacement"])
async def network(state: State, caller: Caller, network_id: RunId) -> Response:
    def compute() -> dict[str, Any]:
        found = queries.network(state.reader, network_id)
        if found is None:
            raise not_found("network", network_id)
        return found

    return await state.respond(("network", network_id), compute)


@router.get("/displacement/runs", response_model=list[DisplacementRun], tags=["displacement"])
async def displacement_runs(state: State, caller: Caller) -> Response:
    return await state.respond(("displacement-runs",), lambda: queries.displacement_runs(state.reader))


@router.get("/displacement/runs/{run_id}/arrivals", response_model=list[Arrival], tags=["displacement"])
async def arrivals(
    state: State, caller: Caller, run_id: RunId, location: str | None = Query(None, pattern=NAME)
) -> Response:
    def compute() -> list[dict[str, Any]]:
        _run(state, run_id, ("displacement", "ensemble"))
        return queries.displacement_arrivals(state.reader, run_id, location=location)

    return await state.respond(("arrivals", run_id, location), compute)


@router.get("/displacement/runs/{run_id}/pressure", response_model=list[Pressure], tags=["displacement"])
async def pressure(state: State, caller: Caller, run_id: RunId) -> Response:
    """Displaced people per admin area and day beside the host population, with food and water needs."""

    def compute() -> list[dict[str, Any]]:
        _run(state, run_id, ("displacement", "ensemble"))
        return queries.displacement_pressure(state.reader, run_id)

    return await state.respond(("pressure", run_id), compute)


def _granted_runs(state: ApiState, caller: Principal) -> list[dict[str, Any]]:
    found = state.read(("survey-runs",), lambda: queries.survey_runs(state.reader))
    return [run for run in found if caller.may_read_survey(run["survey_id"])]


@router.get("/survey/runs", response_model=list[SurveyRun], tags=["survey"])
async def survey_runs(state: State, caller: Caller) -> Response:
    """Survey runs whose survey the key may read (its grants)."""
    grants = None if caller.grants is None else tuple(caller.grants)
    return await state.respond(("survey-runs", grants), lambda: _granted_runs(state, caller))


@router.get("/survey/runs/{run_id}/estimates", response_model=list[Estimate], tags=["survey"])
async def survey_estimates(
    state: State,
    caller: Caller,
    run_id: RunId,
    indicator: str | None = Query(None, pattern=INDICATOR),
    domain: str | None = Query(None, pattern=INDICATOR),
) -> Response:
    """Design-based estimates; suppressed cells have estimate null and flag "suppressed"."""

    def compute() -> list[dict[str, Any]]:
        found = state.read(("survey-runs",), lambda: queries.survey_runs(state.reader))
        run = next((r for r in found if r["run_id"] == run_id), None)
        if run is None:
            raise not_found("survey run", run_id)
        if not caller.may_read_survey(run["survey_id"]):
            raise HTTPException(403, f"the key has no grant for survey {run['survey_id']!r}")
        return queries.survey_estimates(state.reader, run_id, indicator=indicator, domain=domain)

    grants = None if caller.grants is None else tuple(caller.grants)
    return await state.respond(("estimates", run_id, indicator, domain, grants), compute)
