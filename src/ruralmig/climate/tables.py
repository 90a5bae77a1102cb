"""Drought indices for a table of monthly records, one series per area, in tidy (long) form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruralmig.climate.indices import spei, spi
from ruralmig.climate.pet import hargreaves, thornthwaite
from ruralmig.errors import InputError, Issue

__all__ = ["drought_table"]


def _wide(frame: pd.DataFrame, value: str, area: str, date: str, source: str) -> pd.DataFrame:
    if value not in frame.columns:
        raise InputError(Issue(source, f"has no column {value!r}", column=value))
    numbers = pd.to_numeric(frame[value], errors="coerce")
    bad = numbers.isna() & frame[value].notna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:20] + 1
        raise InputError(
            [
                Issue(source, "is not a number", row=int(r), column=value, value=str(frame[value].iloc[r - 1]))
                for r in rows
            ]
        )
    wide = frame.assign(_v=numbers).pivot_table(index=date, columns=area, values="_v", aggfunc="first")
    return wide.sort_index().asfreq("MS")


def drought_table(
    frame: pd.DataFrame,
    *,
    index: str,
    scale: int,
    precipitation: str = "precipitation",
    temperature: str = "temperature",
    tmin: str = "tmin",
    tmax: str = "tmax",
    latitude: str = "latitude",
    pet: str = "thornthwaite",
    area: str = "area_id",
    date: str = "date",
    source: str = "table",
) -> pd.DataFrame:
    """SPI or SPEI per area and month: columns area_id, date, indicator (e.g. spei_12), value."""
    if index not in ("spi", "spei"):
        raise ValueError(f"index must be 'spi' or 'spei'; got {index!r}")
    if pet not in ("thornthwaite", "hargreaves"):
        raise ValueError(f"pet must be 'thornthwaite' or 'hargreaves'; got {pet!r}")
    for column in (area, date):
        if column not in frame.columns:
            raise InputError(Issue(source, f"has no column {column!r}", column=column))
    frame = frame.assign(**{date: pd.to_datetime(frame[date]).dt.to_period("M").dt.to_timestamp()})
    rain = _wide(frame, precipitation, area, date, source)
    if index == "spi":
        result = spi(rain, scale)
    else:
        if latitude not in frame.columns:
            raise InputError(Issue(source, f"has no column {latitude!r}, which PET needs", column=latitude))
        lat = frame.groupby(area)[latitude].first().reindex(rain.columns).to_numpy(dtype=float)
        if pet == "thornthwaite":
            evaporation = thornthwaite(_wide(frame, temperature, area, date, source)[rain.columns], lat)
        else:
            low = _wide(frame, tmin, area, date, source)[rain.columns]
            high = _wide(frame, tmax, area, date, source)[rain.columns]
            evaporation = hargreaves(low, high, lat)
        result = spei(rain - evaporation, scale)
    tidy = result.rename_axis(index=date, columns=area).stack(future_stack=True).rename("value").reset_index()
    tidy.insert(2, "indicator", f"{index}_{scale}")
    out: pd.DataFrame = tidy[[area, date, "indicator", "value"]].rename(columns={area: "area_id", date: "date"})
    return out
