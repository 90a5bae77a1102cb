"""Host-area pressure: the displaced people at each location and admin area beside the host population, and
the food and water they need each day.

Displaced people are the agents at a location at the end of the day (agents on the road count nowhere),
multiplied by the run's `hasten` (Flee's scale-down: one agent stands for `hasten` people). For an
`EnsembleResult` the figures use the median over replicas: per location, and for an area the median of the
replicas' area totals.

Host population is the location's `population` column. For camps (location types containing "camp", so
also "idpcamp") that column is a capacity, not a host population: a camp's host population comes from the
`host_population` mapping if the caller gives one, and is NaN otherwise. The mapping may also override the
population of any other location. The ratio displaced / host is NaN where the host population is unknown or 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.ensemble import EnsembleResult
from ruralmig.displacement.result import SimulationResult

__all__ = [
    "FOOD_KCAL_PER_PERSON_PER_DAY",
    "WATER_LITRES_PER_PERSON_PER_DAY",
    "area_pressure",
    "host_populations",
    "location_pressure",
]

# Sphere Handbook (2018), water supply standard 2.1 (access and water quantity): at least 15 litres per person
# per day for drinking, cooking and personal hygiene.
WATER_LITRES_PER_PERSON_PER_DAY = 15.0
# 2,100 kcal per person per day: the planning figure for the energy needs of a population in an emergency
# (WFP/UNHCR guidelines for estimating food and nutritional needs; Sphere Handbook 2018, food security).
FOOD_KCAL_PER_PERSON_PER_DAY = 2100.0

Result = SimulationResult | EnsembleResult


def host_populations(case: DisplacementCase, host_population: Mapping[str, float] | None = None) -> pd.Series:
    """Host population per location (index: name): the population column, NaN for camps, then the mapping."""
    locations = case.locations
    names = locations["name"].astype(str)
    is_camp = locations["location_type"].astype(str).str.contains("camp", regex=False).to_numpy()
    population = pd.to_numeric(locations["population"], errors="coerce").to_numpy(dtype=float)
    hosts = pd.Series(np.where(is_camp, np.nan, population), index=pd.Index(names, name="location"), name="host")
    given = dict(host_population or {})
    unknown = sorted(set(given) - set(hosts.index))
    if unknown:
        raise ValueError(f"host_population names locations that are not in the case: {unknown}")
    negative = {name: value for name, value in given.items() if not float(value) >= 0}
    if negative:
        raise ValueError(f"host_population must be 0 or more; got {negative}")
    for name, value in given.items():
        hosts[name] = float(value)
    return hosts


def location_pressure(
    result: Result, case: DisplacementCase, *, host_population: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Tidy, per location and day: location, area (the region column), location_type, day, date, displaced,
    host_population, ratio, food_kcal_per_day, water_litres_per_day."""
    replicas = _replica_counts(result, case)  # replicas × days × locations
    displaced = np.median(replicas, axis=0)
    hosts = host_populations(case, host_population).reindex(result.locations).to_numpy(dtype=float)
    info = case.locations.assign(name=case.locations["name"].astype(str)).set_index("name").loc[result.locations]
    frame = _pressure_frame(displaced, hosts, result, "location", result.locations)
    days = displaced.shape[0]
    frame.insert(1, "area", np.repeat(_regions(info["region"]), days))
    frame.insert(2, "location_type", np.repeat(info["location_type"].astype(str).to_numpy(), days))
    return frame


def area_pressure(
    result: Result,
    case: DisplacementCase,
    *,
    areas: Mapping[str, str] | None = None,
    host_population: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Tidy, per admin area and day: area, day, date, locations, locations_without_host, displaced,
    host_population, ratio, food_kcal_per_day, water_litres_per_day.

    Areas are the `region` column of the locations, or `areas` (location name -> area_id) if given; locations
    missing from `areas` are left out. An area's host population is the sum over its locations whose host
    population is known (`locations_without_host` counts the others), NaN if none is known.
    """
    names = list(result.locations)
    if areas is None:
        info = case.locations.assign(name=case.locations["name"].astype(str)).set_index("name").loc[names]
        area_of = dict(zip(names, _regions(info["region"]), strict=True))
    else:
        unknown = sorted(set(areas) - set(names))
        if unknown:
            raise ValueError(f"areas names locations that are not in the result: {unknown}")
        area_of = {name: str(area) for name, area in areas.items()}
    area_ids = list(dict.fromkeys(area_of[name] for name in names if name in area_of))
    membership = np.zeros((len(names), len(area_ids)))
    for i, name in enumerate(names):
        if name in area_of:
            membership[i, area_ids.index(area_of[name])] = 1.0
    displaced = np.median(_replica_counts(result, case) @ membership, axis=0)
    hosts = host_populations(case, host_population).reindex(names).to_numpy(dtype=float)
    known = ~np.isnan(hosts)
    area_hosts = np.where(known, hosts, 0.0) @ membership
    area_hosts[(known.astype(float) @ membership) == 0] = np.nan
    frame = _pressure_frame(displaced, area_hosts, result, "area", area_ids)
    days = displaced.shape[0]
    frame.insert(3, "locations", np.repeat(membership.sum(axis=0).astype(np.int64), days))
    frame.insert(4, "locations_without_host", np.repeat(((~known).astype(float) @ membership).astype(np.int64), days))
    return frame


def _replica_counts(result: Result, case: DisplacementCase) -> np.ndarray:
    """People (agents × hasten) per replica, day and location, as float; one replica for a SimulationResult."""
    missing = sorted(set(result.locations) - set(case.locations["name"].astype(str)))
    if missing:
        raise ValueError(f"the result has locations that are not in the case: {missing}")
    counts = result.counts if isinstance(result, EnsembleResult) else result.counts[np.newaxis]
    people: np.ndarray = counts.astype(float) * result.settings.hasten
    return people


def _regions(region: pd.Series) -> list[str]:
    return [str(value) for value in region.fillna("")]


def _pressure_frame(
    displaced: np.ndarray, hosts: np.ndarray, result: Result, key: str, keys: list[str]
) -> pd.DataFrame:
    """Tidy rows, key-major then day, from displaced (days × keys) and hosts (keys)."""
    days = displaced.shape[0]
    host = np.repeat(hosts, days)
    people = displaced.T.ravel()
    ratio = np.full(people.shape, np.nan)
    np.divide(people, host, out=ratio, where=host > 0)
    day = np.tile(np.arange(days), len(keys))
    return pd.DataFrame(
        {
            key: np.repeat(keys, days),
            "day": day,
            "date": (pd.Timestamp(result.start_date) + pd.to_timedelta(day, unit="D")).date,
            "displaced": people,
            "host_population": host,
            "ratio": ratio,
            "food_kcal_per_day": people * FOOD_KCAL_PER_PERSON_PER_DAY,
            "water_litres_per_day": people * WATER_LITRES_PER_PERSON_PER_DAY,
        }
    )
