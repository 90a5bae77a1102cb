"""Indicators and the drought indicators of the climate engine."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ruralmig.api.deps import Caller, State
from ruralmig.api.routes import AREA_ID, COUNTRY, INDICATOR, PERIOD
from ruralmig.api.schemas import IndicatorSummary, IndicatorValue
from ruralmig.scenarios import queries

router = APIRouter(tags=["indicators"])


@router.get("/indicators/catalogue", response_model=list[IndicatorSummary])
async def catalogue(state: State, caller: Caller) -> Response:
    """Every indicator held, with its unit, source and coverage."""
    return await state.respond(("catalogue",), lambda: queries.indicator_catalogue(state.reader))


@router.get("/indicators", response_model=list[IndicatorValue])
async def values(
    state: State,
    caller: Caller,
    indicator: str | None = Query(None, pattern=INDICATOR),
    area_id: str | None = Query(None, pattern=AREA_ID),
    country: str | None = Query(None, pattern=COUNTRY),
    period: str | None = Query(None, pattern=PERIOD),
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0, le=100_000_000),
) -> Response:
    key = ("indicators", indicator, area_id, country, period, limit, offset)
    return await state.respond(
        key,
        lambda: queries.indicator_values(
            state.reader,
            indicator=indicator,
            area_id=area_id,
            country=country,
            period=period,
            limit=limit,
            offset=offset,
        ),
    )


@router.get("/climate/indicators", response_model=list[IndicatorSummary], tags=["climate"])
async def drought_indicators(state: State, caller: Caller) -> Response:
    """The drought indicators held (SPI, SPEI, drought shares), as in the catalogue."""
    return await state.respond(("drought",), lambda: queries.indicator_catalogue(state.reader, drought_only=True))
