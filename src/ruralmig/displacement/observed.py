"""Observed camp counts per day: Flee's interpolation of the UNHCR series, with registration corrections."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ruralmig.displacement.case import DisplacementCase

__all__ = ["daily_series", "observed_camp_counts"]


def daily_series(points: pd.DataFrame, start: date, length: int, correction: date | None = None) -> np.ndarray:
    """Counts on days 0..length-1: linear between data points, constant before the first and after the last.

    A registration correction on date d multiplies every point before d by D(d) / D(point before d), so that
    the jump from level-1 to level-2 registration does not look like an arrival (Flee's `ReadL1Corrections`).
    """
    frame = points.dropna().sort_values("date")
    days = (pd.to_datetime(frame["date"]) - pd.Timestamp(start)).dt.days.to_numpy(dtype=float)
    counts = frame["count"].to_numpy(dtype=float)
    if correction is not None and correction >= start:
        at = (pd.Timestamp(correction) - pd.Timestamp(start)).days
        hits = np.flatnonzero(days == at)
        if hits.size and hits[0] > 0 and counts[hits[0] - 1] > 0:
            counts = counts.copy()
            counts[: hits[0]] *= counts[hits[0]] / counts[hits[0] - 1]
    if counts.size == 0:
        return np.zeros(length)
    series: np.ndarray = np.interp(np.arange(length, dtype=float), days, counts)
    return series


def observed_camp_counts(case: DisplacementCase, hasten: int | None = None) -> pd.DataFrame:
    """Per day (index) and camp (columns, in locations order): int(D_c(t) / hasten), as Flee compares.

    `hasten` defaults to the case's own setting; pass the run's when its settings differ."""
    hasten = hasten or case.settings.hasten
    columns = {}
    for camp in case.camps:
        points = case.observations.get(camp)
        if points is None:
            continue
        series = daily_series(points, case.start_date, case.length, case.registration_corrections.get(camp))
        columns[camp] = np.floor(series / hasten).astype(np.int64)
    return pd.DataFrame(columns, index=pd.RangeIndex(case.length, name="day"))
