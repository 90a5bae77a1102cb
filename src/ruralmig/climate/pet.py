"""Potential evapotranspiration (mm/month) by Thornthwaite and by Hargreaves, as R SPEI computes them.

Both follow R SPEI on a plain vector: months of fixed length (365-day years, February 28 days) and the mid-month
day `J = cumsum(days) − days + 15`. The calendar month of the first row comes from a date index or time
coordinate, else from `start_month` (default January). Inputs may be 1-D series, 2-D (time, series) tables or
3-D (time, y, x) grids (numpy, pandas or xarray); `latitude` (degrees) is one number or one per series/cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ruralmig.climate._arrays import MonthlyInput, calendar_months, monthly_input

__all__ = ["hargreaves", "thornthwaite"]

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.float64)
MID_MONTH_DAY = np.cumsum(DAYS_IN_MONTH) - DAYS_IN_MONTH + 15


def _latitude(data: MonthlyInput, latitude: Any) -> np.ndarray:
    values = data.per_cell(latitude, "latitude")
    with np.errstate(invalid="ignore"):
        bad = ~((values >= -90) & (values <= 90))
    if bad.any():
        raise ValueError(f"latitude must be in degrees from -90 to 90; got {values[bad][0]!r}")
    return values


def thornthwaite(temperature: Any, latitude: Any, *, start_month: int | None = None, time_dim: str = "time") -> Any:
    """Thornthwaite (1948) PET from monthly mean temperature (°C), as R SPEI `thornthwaite(Tave, lat)`.

    The heat index uses the long-term mean of each calendar month (negative means count as 0); months below 0 °C
    have zero PET. Missing months are left out of the long-term means and give NaN.

    >>> import numpy as np
    >>> pet = thornthwaite(np.array([-0.38, -2.14, 7.17] + [15.0] * 9), 37.6475)
    >>> [round(float(v), 2) for v in pet[:3]]
    [0.0, 0.0, 25.94]
    """
    data = monthly_input(temperature, "temperature", start_month, time_dim)
    lat = _latitude(data, latitude)
    months = calendar_months(data.values.shape[0], data.start_month)
    values = data.values.astype(np.float64)
    totals = np.zeros((12, values.shape[1]))
    counts = np.zeros((12, values.shape[1]))
    present = ~np.isnan(values)
    np.add.at(totals, months, np.where(present, values, 0.0))
    np.add.at(counts, months, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly_means = np.maximum(totals / counts, 0.0)
    monthly_means = np.where(counts > 0, monthly_means, 0.0)
    heat = ((monthly_means / 5.0) ** 1.514).sum(axis=0)
    exponent = 6.75e-7 * heat**3 - 7.71e-5 * heat**2 + 0.01792 * heat + 0.49239
    declination = 0.4093 * np.sin(2 * np.pi * MID_MONTH_DAY[months] / 365 - 1.405)
    tan_product = np.clip(np.tan(lat / 57.2957795)[None, :] * np.tan(declination)[:, None], -1.0, 1.0)
    daylight = 24 / np.pi * np.arccos(-tan_product)
    correction = daylight / 12 * DAYS_IN_MONTH[months][:, None] / 30
    with np.errstate(invalid="ignore", divide="ignore"):
        pet = correction * 16 * (10 * np.maximum(values, 0.0) / heat) ** exponent
    pet = np.where(heat > 0, pet, np.where(np.isnan(values), np.nan, 0.0))
    return data.wrap(pet)


def hargreaves(
    minimum_temperature: Any,
    maximum_temperature: Any,
    latitude: Any,
    *,
    precipitation: Any = None,
    start_month: int | None = None,
    time_dim: str = "time",
) -> Any:
    """Hargreaves (1985) PET from monthly mean daily minimum and maximum temperature (°C), as R SPEI.

    `ET0 = 0.0023·0.408·Ra·(T̄ + 17.8)·√(Tmax − Tmin)` mm/day times the days in the month, with extraterrestrial
    radiation `Ra` from latitude and the mid-month day. With `precipitation` (mm/month), the modified form of
    Droogers & Allen (2002): `0.0013·0.408·Ra·(T̄ + 17)·(Tr − 0.0123·P)^0.76` (0 where the base is negative).
    """
    low = monthly_input(minimum_temperature, "minimum_temperature", start_month, time_dim)
    high = monthly_input(maximum_temperature, "maximum_temperature", start_month, time_dim)
    if high.values.shape != low.values.shape:
        raise ValueError(
            "maximum_temperature must have the shape of minimum_temperature "
            f"{low.values.shape}; got {high.values.shape}"
        )
    lat = _latitude(low, latitude) / 57.2957795
    months = calendar_months(low.values.shape[0], low.start_month)
    day = MID_MONTH_DAY[months][:, None]
    declination = 0.409 * np.sin(0.0172 * day - 1.39)
    distance = 1 + 0.033 * np.cos(0.0172 * day)
    sunset = -np.tan(lat)[None, :] * np.tan(declination)
    hour_angle = np.where((sunset >= -1) & (sunset <= 1), np.arccos(np.clip(sunset, -1.0, 1.0)), 0.0)
    # where the sun never sets, R SPEI uses the largest sunset angle of the series (per cell here)
    hour_angle = np.where(sunset < -1, hour_angle.max(axis=0, initial=0.0)[None, :], hour_angle)
    radiation = (
        37.6
        * distance
        * (
            hour_angle * np.sin(lat)[None, :] * np.sin(declination)
            + np.cos(lat)[None, :] * np.cos(declination) * np.sin(hour_angle)
        )
    )
    radiation = np.maximum(radiation, 0.0)
    tmin = low.values.astype(np.float64)
    tmax = high.values.astype(np.float64)
    mean = (tmin + tmax) / 2
    spread = np.maximum(tmax - tmin, 0.0)
    if precipitation is None:
        daily = 0.0023 * 0.408 * radiation * (mean + 17.8) * np.sqrt(spread)
    else:
        rain = monthly_input(precipitation, "precipitation", start_month, time_dim).values.astype(np.float64)
        if rain.shape != tmin.shape:
            raise ValueError(f"precipitation must have the shape of minimum_temperature {tmin.shape}; got {rain.shape}")
        base = spread - 0.0123 * rain
        with np.errstate(invalid="ignore"):
            daily = 0.0013 * 0.408 * radiation * (mean + 17.0) * np.where(base >= 0, base, 0.0) ** 0.76
    with np.errstate(invalid="ignore"):
        daily = np.where(daily < 0, 0.0, daily)
    return low.wrap(daily * DAYS_IN_MONTH[months][:, None])
