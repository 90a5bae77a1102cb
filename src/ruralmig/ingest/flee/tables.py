"""A Flee case as rows of the workspace's canonical tables, and back.

Registration corrections are applied to the camp series before they are stored, which gives the same daily
counts; the period comes from the conflict days and the earliest observation unless given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from ruralmig.displacement.case import CLOSURE_COLUMNS, LOCATION_COLUMNS, ROUTE_COLUMNS, DisplacementCase
from ruralmig.displacement.settings import SimSettings
from ruralmig.errors import InputError, Issue

__all__ = ["NETWORK_TABLES", "case_from_tables", "case_to_tables"]

NETWORK_TABLES = ("network_locations", "network_routes", "closures", "conflict_intensity", "observed_arrivals")


def _corrected(points: pd.DataFrame, start: date, correction: date | None) -> pd.DataFrame:
    frame = points.dropna().sort_values("date").reset_index(drop=True)
    if correction is None or correction < start:
        return frame
    dates = pd.to_datetime(frame["date"]).dt.date
    hits = frame.index[dates == correction]
    if len(hits) and hits[0] > 0 and frame.loc[hits[0] - 1, "count"] > 0:
        ratio = frame.loc[hits[0], "count"] / frame.loc[hits[0] - 1, "count"]
        frame.loc[: hits[0] - 1, "count"] = frame.loc[: hits[0] - 1, "count"] * ratio
    return frame


def case_to_tables(case: DisplacementCase, network_id: str) -> dict[str, pd.DataFrame]:
    """Rows for each network table, all tagged with `network_id`."""
    locations = case.locations[list(LOCATION_COLUMNS)].copy()
    locations.insert(0, "network_id", network_id)
    routes = case.routes[list(ROUTE_COLUMNS)].copy()
    routes.insert(0, "network_id", network_id)
    closures = case.closures[list(CLOSURE_COLUMNS)].copy()
    closures.insert(0, "network_id", network_id)
    conflicts = case.conflicts.copy()
    conflicts.index.name = "day"
    intensity = conflicts.reset_index().melt(id_vars="day", var_name="location", value_name="intensity")
    known = set(case.locations["name"])
    intensity = intensity[intensity["location"].isin(known)]
    intensity.insert(0, "network_id", network_id)
    arrivals = []
    for camp, points in case.observations.items():
        frame = _corrected(points, case.start_date, case.registration_corrections.get(camp))
        arrivals.append(
            pd.DataFrame(
                {
                    "location_id": camp,
                    "date": pd.to_datetime(frame["date"]).dt.date,
                    "count": frame["count"],
                    "source": "UNHCR",
                    "network_id": network_id,
                }
            )
        )
    observed = (
        pd.concat(arrivals, ignore_index=True)
        if arrivals
        else pd.DataFrame(columns=["location_id", "date", "count", "source", "network_id"])
    )
    return {
        "network_locations": locations,
        "network_routes": routes,
        "closures": closures,
        "conflict_intensity": intensity,
        "observed_arrivals": observed,
    }


def case_from_tables(
    tables: Mapping[str, pd.DataFrame],
    network_id: str,
    *,
    start_date: date | None = None,
    length: int | None = None,
    settings: SimSettings | None = None,
) -> DisplacementCase:
    """Rebuild a case from workspace rows of one network."""

    def rows(name: str) -> pd.DataFrame:
        frame = tables[name]
        return frame[frame["network_id"] == network_id].drop(columns="network_id").reset_index(drop=True)

    locations = rows("network_locations")
    if locations.empty:
        raise InputError(Issue("workspace", f"has no network {network_id!r} in network_locations"))
    conflicts = (
        rows("conflict_intensity")
        .pivot_table(index="day", columns="location", values="intensity", aggfunc="first")
        .fillna(0.0)
    )
    arrivals = tables["observed_arrivals"]
    arrivals = arrivals[arrivals["network_id"] == network_id]
    observations = {
        str(camp): group[["date", "count"]].assign(date=pd.to_datetime(group["date"]).dt.date).reset_index(drop=True)
        for camp, group in arrivals.groupby("location_id", sort=False)
    }
    if start_date is None:
        earliest = [frame["date"].min() for frame in observations.values() if len(frame)]
        if not earliest:
            raise InputError(Issue("workspace", f"network {network_id!r} has no observed arrivals; give a start date"))
        start_date = min(earliest)
    length = length or int(conflicts.index.max()) + 1
    order = [n for n in locations["name"] if n in conflicts.columns]
    return DisplacementCase(
        name=network_id,
        start_date=start_date,
        length=length,
        locations=locations[list(LOCATION_COLUMNS)],
        routes=rows("network_routes")[list(ROUTE_COLUMNS)],
        closures=rows("closures")[list(CLOSURE_COLUMNS)],
        conflicts=conflicts[order].reset_index(drop=True),
        observations=observations,
        settings=settings or SimSettings(),
    )
