"""Areas and their boundaries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from ruralmig.api.deps import Caller, State
from ruralmig.api.routes import AREA_ID, COUNTRY
from ruralmig.api.schemas import Area
from ruralmig.scenarios import queries

router = APIRouter(prefix="/areas", tags=["areas"])


@router.get("", response_model=list[Area])
async def list_areas(
    state: State,
    caller: Caller,
    admin_level: int | None = Query(None, ge=0, le=5),
    country: str | None = Query(None, pattern=COUNTRY, description="ISO 3166-1 alpha-3"),
    parent: str | None = Query(None, pattern=AREA_ID),
    q: str | None = Query(None, min_length=1, max_length=100, description="Part of a name or code"),
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    key = ("areas", admin_level, country, parent, q, limit, offset)
    return await state.respond(
        key,
        lambda: queries.areas(
            state.reader, admin_level=admin_level, country=country, parent=parent, text=q, limit=limit, offset=offset
        ),
    )


@router.get("/geojson", response_model=dict[str, Any], responses={200: {"content": {"application/geo+json": {}}}})
async def areas_geojson(
    state: State,
    caller: Caller,
    admin_level: int = Query(0, ge=0, le=5),
    country: str | None = Query(None, pattern=COUNTRY),
) -> Response:
    """A GeoJSON FeatureCollection of the areas of one admin level that have a boundary."""
    key = ("geojson", admin_level, country)
    return await state.respond(
        key, lambda: queries.area_geojson(state.reader, admin_level=admin_level, country=country)
    )
