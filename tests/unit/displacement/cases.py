"""Small synthetic displacement cases built in code, shared by the ensemble and pressure tests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ruralmig.displacement import DisplacementCase, SimSettings, SimulationResult

CLOSURE_COLUMNS = ["closure_type", "name1", "name2", "closure_start", "closure_end"]


def line_case(
    days: int = 30, *, camp_capacity: int = 0, arrivals: int = 1000, closures: pd.DataFrame | None = None
) -> DisplacementCase:
    """Conflict zone A (region r1) -- 50 km -- town B (r2, 20,000 people) -- 100 km -- camp C (r3).

    `arrivals` people reach C over the period in the observed data.
    """
    locations = pd.DataFrame(
        {
            "name": ["A", "B", "C"],
            "region": ["r1", "r2", "r3"],
            "country": ["X", "X", "Y"],
            "lat": [0.0, 0.0, 0.0],
            "lon": [0.0, 0.5, 1.5],
            "location_type": ["conflict_zone", "town", "camp"],
            "conflict_date": [0, 0, 0],
            "population": [100_000, 20_000, camp_capacity],
        }
    )
    routes = pd.DataFrame(
        {"name1": ["A", "B"], "name2": ["B", "C"], "distance": [50.0, 100.0], "forced_redirection": 0}
    )
    conflicts = pd.DataFrame({"A": np.ones(days), "B": np.zeros(days), "C": np.zeros(days)})
    last = date(2020, 1, 1) + pd.Timedelta(days=days - 1)
    observed = pd.DataFrame({"date": [date(2020, 1, 1), last], "count": [0, arrivals]})
    return DisplacementCase(
        name="line",
        start_date=date(2020, 1, 1),
        length=days,
        locations=locations,
        routes=routes,
        closures=closures if closures is not None else pd.DataFrame(columns=CLOSURE_COLUMNS),
        conflicts=conflicts,
        observations={"C": observed},
    )


def fixed_result(
    case: DisplacementCase, counts: np.ndarray, *, settings: SimSettings | None = None
) -> SimulationResult:
    """A SimulationResult with the given counts (days × locations), for hand-checked figures."""
    counts = np.asarray(counts, dtype=np.int64)
    days = counts.shape[0]
    names = case.locations["name"].astype(str).tolist()
    return SimulationResult(
        case_name=case.name,
        seed=0,
        settings=settings or case.settings,
        spawning="data",
        start_date=case.start_date,
        locations=names,
        camps=list(case.camps),
        counts=counts,
        observed=pd.DataFrame({camp: np.zeros(days, dtype=np.int64) for camp in case.camps}),
        travelling=np.zeros(days, dtype=np.int64),
        spawned=np.zeros(days, dtype=np.int64),
        debt=np.zeros(days, dtype=np.int64),
    )
