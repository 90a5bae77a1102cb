"""SPI / SPEI on monthly grids (xarray), with checked dimensions and units, and zonal drought figures per area.

The engine works on :class:`xarray.DataArray` objects already in memory; reading and writing files (NetCDF,
GeoTIFF) is left to the caller (``ruralmig climate``). A grid must have a time dimension of consecutive months and
a y (``y``, ``lat``, ``latitude``) and an x (``x``, ``lon``, ``longitude``) dimension; length-1 extra dimensions
(a GeoTIFF ``band`` of one layer, a ``height``) are dropped. Units come from the variable's ``units`` attribute
(or are given by the caller) and are converted:

- precipitation to mm/month: ``mm``, ``mm/month``, ``kg m-2`` as they are; ``mm/day`` times the days in the
  month; a flux in ``kg m-2 s-1`` (``mm/s``), as CMIP and ERA5-Land give it, times the seconds in the month;
- temperature to °C: ``degC`` (``°C``, ``celsius``) as it is, ``K`` minus 273.15.

Every problem raises :class:`~ruralmig.errors.InputError` naming the file (``source``) and the variable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from ruralmig.climate.indices import spei, spi
from ruralmig.climate.pet import hargreaves, thornthwaite
from ruralmig.climate.zonal import X_NAMES, Y_NAMES, zonal_statistics, zone_raster
from ruralmig.errors import InputError, Issue

__all__ = [
    "drought_grid",
    "grid_dimensions",
    "grid_latitudes",
    "precipitation_mm_per_month",
    "temperature_celsius",
    "zonal_drought",
]

TIME_NAMES = ("time", "t", "month", "date")
_PER_MONTH = {
    "mm",
    "mm/month",
    "mm month-1",
    "mm mon-1",
    "mm/mon",
    "millimeters",
    "millimetres",
    "kg m-2",
    "kg/m2",
    "kg m-2 month-1",
    "mm per month",
}
_PER_DAY = {"mm/day", "mm day-1", "mm d-1", "mm/d", "kg m-2 day-1", "kg m-2 d-1", "kg/m2/day", "mm per day"}
_PER_SECOND = {"kg m-2 s-1", "kg/m2/s", "kg m-2s-1", "mm/s", "mm s-1", "kg/m^2/s"}
_CELSIUS = {"degc", "°c", "c", "celsius", "deg_c", "degree_c", "degrees_c", "degree_celsius", "degrees_celsius"}
_KELVIN = {"k", "kelvin", "degk", "deg_k", "degree_k", "degrees_k"}
PLAUSIBLE_CELSIUS = (-90.0, 70.0)


def _problem(source: str, variable: str, reason: str, value: object = None) -> InputError:
    return InputError(Issue(source, reason, column=variable, value=None if value is None else str(value)))


def _unit_key(units: str) -> str:
    text = units.strip().lower().replace("**", "").replace("^", "").replace("·", " ").replace("*", " ")
    return re.sub(r"\s+", " ", text)


def grid_dimensions(values: xr.DataArray, *, source: str = "grid", variable: str = "") -> xr.DataArray:
    """The grid as (time, y, x), with length-1 extra dimensions dropped; an error names any other layout."""
    name = variable or str(values.name or "values")
    extra = [str(d) for d in values.dims if str(d).lower() not in (*TIME_NAMES, *Y_NAMES, *X_NAMES)]
    squeezable = [d for d in extra if values.sizes[d] == 1]
    if squeezable:
        values = values.squeeze(squeezable, drop=True)
    dims = [str(d) for d in values.dims]
    time = [d for d in dims if d.lower() in TIME_NAMES]
    y = [d for d in dims if d.lower() in Y_NAMES]
    x = [d for d in dims if d.lower() in X_NAMES]
    if len(dims) != 3 or len(time) != 1 or len(y) != 1 or len(x) != 1:
        raise _problem(
            source,
            name,
            "must have exactly the dimensions time, y (or lat/latitude) and x (or lon/longitude)",
            f"dimensions {tuple(dims)}",
        )
    ordered = values.transpose(time[0], y[0], x[0])
    if time[0] != "time":
        ordered = ordered.rename({time[0]: "time"})
    _check_monthly(ordered, source, name)
    return ordered


def _check_monthly(values: xr.DataArray, source: str, name: str) -> None:
    if "time" not in values.coords:
        raise _problem(source, name, "has no time coordinate (the dates of the months)")
    try:
        stamps = pd.DatetimeIndex(values["time"].values)
    except (TypeError, ValueError):
        raise _problem(source, name, "has a time coordinate that does not hold dates") from None
    months = stamps.year * 12 + stamps.month
    steps = np.diff(np.asarray(months))
    if steps.size and not (steps == 1).all():
        first = int(np.flatnonzero(steps != 1)[0])
        raise _problem(
            source,
            name,
            "must hold consecutive months (one time step per month, in order)",
            f"{stamps[first]:%Y-%m} then {stamps[first + 1]:%Y-%m}",
        )


def _days_in_month(values: xr.DataArray) -> xr.DataArray:
    days = pd.DatetimeIndex(values["time"].values).days_in_month.to_numpy(dtype=np.float64)
    return xr.DataArray(days, dims=("time",), coords={"time": values["time"]})


def _units(values: xr.DataArray, units: str | None, source: str, name: str, accepted: str) -> str:
    given = units if units is not None else values.attrs.get("units")
    if not isinstance(given, str) or not given.strip():
        raise _problem(source, name, f"has no units attribute; give its units (accepted: {accepted})")
    return given


def precipitation_mm_per_month(
    values: xr.DataArray, *, units: str | None = None, source: str = "grid", variable: str = "precipitation"
) -> xr.DataArray:
    """Monthly precipitation in mm/month from mm, mm/day or a flux in kg m-2 s-1 (see the module notes)."""
    accepted = "mm, mm/month, mm/day, kg m-2 s-1"
    grid = grid_dimensions(values, source=source, variable=variable)
    given = _units(grid, units, source, variable, accepted)
    key = _unit_key(given)
    if key in _PER_MONTH:
        converted = grid.astype(np.float64) if grid.dtype.kind != "f" else grid
    elif key in _PER_DAY:
        converted = grid * _days_in_month(grid)
    elif key in _PER_SECOND:
        converted = grid * (_days_in_month(grid) * 86400.0)
    else:
        raise _problem(source, variable, f"has units that are not a precipitation amount (accepted: {accepted})", given)
    with np.errstate(invalid="ignore"):
        negative = bool((converted.values < 0).any())
    if negative:
        raise _problem(source, variable, "must not be negative", f"minimum {float(converted.min()):g}")
    return converted.assign_attrs(units="mm/month")


def temperature_celsius(
    values: xr.DataArray, *, units: str | None = None, source: str = "grid", variable: str = "temperature"
) -> xr.DataArray:
    """Monthly mean temperature in °C from degC or K; implausible values (e.g. K labelled degC) are refused."""
    accepted = "degC, K"
    grid = grid_dimensions(values, source=source, variable=variable)
    given = _units(grid, units, source, variable, accepted)
    key = _unit_key(given)
    if key in _CELSIUS:
        converted = grid.astype(np.float64)
    elif key in _KELVIN:
        converted = grid.astype(np.float64) - 273.15
    else:
        raise _problem(source, variable, f"has units that are not a temperature (accepted: {accepted})", given)
    low, high = PLAUSIBLE_CELSIUS
    with np.errstate(invalid="ignore"):
        outside = bool(((converted.values < low) | (converted.values > high)).any())
    if outside:
        raise _problem(
            source,
            variable,
            f"gives temperatures outside {low:g} .. {high:g} °C; check its units",
            f"{given}, range {float(converted.min()):g} .. {float(converted.max()):g}",
        )
    return converted.assign_attrs(units="degC")


def _is_geographic(crs: Any) -> bool:
    if crs is None:
        return True
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def grid_latitudes(values: xr.DataArray, *, crs: Any = None, source: str = "grid") -> xr.DataArray:
    """Latitude (degrees) of every cell centre: the y coordinate of a geographic grid, else projected back."""
    y_dim, x_dim = (str(d) for d in values.dims[1:])
    if y_dim not in values.coords or x_dim not in values.coords:
        raise _problem(source, str(values.name or "values"), "needs y and x coordinates to find the latitudes")
    y = values[y_dim]
    if _is_geographic(crs):
        if float(np.abs(y.values).max()) > 90.0:
            raise _problem(
                source,
                y_dim,
                "must hold latitudes in degrees (-90 to 90); give the grid's CRS for a projected grid",
                f"{float(np.abs(y.values).max()):g}",
            )
        return y.astype(np.float64)
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xs, ys = np.meshgrid(values[x_dim].values, y.values)
    _, lat = transformer.transform(xs, ys)
    return xr.DataArray(np.asarray(lat), dims=(y_dim, x_dim), coords={y_dim: y, x_dim: values[x_dim]})


def _period_text(calibration: tuple[Any, Any] | None, grid: xr.DataArray) -> str:
    stamps = pd.DatetimeIndex(grid["time"].values)
    if calibration is None:
        return f"{stamps[0]:%Y-%m}/{stamps[-1]:%Y-%m}"
    first, last = calibration
    if isinstance(first, int) and isinstance(last, int):
        return f"{stamps[first]:%Y-%m}/{stamps[last]:%Y-%m}"
    return f"{pd.Timestamp(first):%Y-%m}/{pd.Timestamp(last):%Y-%m}"


def drought_grid(
    kind: Literal["spi", "spei"],
    precipitation: xr.DataArray,
    scale: int,
    *,
    temperature: xr.DataArray | None = None,
    minimum_temperature: xr.DataArray | None = None,
    maximum_temperature: xr.DataArray | None = None,
    pet: Literal["thornthwaite", "hargreaves"] = "thornthwaite",
    crs: Any = None,
    calibration: tuple[Any, Any] | None = None,
    zero_precipitation: Literal["r-spei", "probability"] = "r-spei",
    clip: float | None = None,
    source: str = "grid",
) -> xr.Dataset:
    """SPI or SPEI of a (time, y, x) grid, as a Dataset with one variable (e.g. ``spei_12``) and CF-style attrs.

    Inputs must already be in mm/month and °C (see :func:`precipitation_mm_per_month`, :func:`temperature_celsius`)
    and share the grid; SPEI takes the latitude of each cell from the coordinates (:func:`grid_latitudes`).
    """
    if kind not in ("spi", "spei"):
        raise ValueError(f"kind must be 'spi' or 'spei'; got {kind!r}")
    rain = grid_dimensions(precipitation, source=source, variable=str(precipitation.name or "precipitation"))
    attrs: dict[str, Any] = {
        "units": "1",
        "scale": int(scale),
        "scale_units": "months",
        "calibration_period": _period_text(calibration, rain),
        "clipping": "none (values beyond the fitted support are +/-inf, as R SPEI)" if clip is None else f"{clip:g}",
        "method": "ruralmig.climate (reproduces R SPEI 1.x); fit per calendar month by unbiased L-moments",
    }
    if kind == "spi":
        values = spi(rain, scale, calibration=calibration, zero_precipitation=zero_precipitation, clip=clip)
        attrs |= {
            "long_name": f"Standardized Precipitation Index, {scale}-month",
            "distribution": "gamma (fitted to positive totals)",
            "zero_precipitation": zero_precipitation,
            "pet_method": "none",
        }
    else:
        latitude = grid_latitudes(rain, crs=crs, source=source)
        if pet == "thornthwaite":
            if temperature is None:
                raise _problem(source, "temperature", "is needed for SPEI with Thornthwaite PET")
            tave = _aligned(temperature, rain, source, "temperature")
            evaporation = thornthwaite(tave, latitude)
        elif pet == "hargreaves":
            if minimum_temperature is None or maximum_temperature is None:
                raise _problem(source, "tmin/tmax", "are both needed for SPEI with Hargreaves PET")
            low = _aligned(minimum_temperature, rain, source, "tmin")
            high = _aligned(maximum_temperature, rain, source, "tmax")
            evaporation = hargreaves(low, high, latitude)
        else:
            raise ValueError(f"pet must be 'thornthwaite' or 'hargreaves'; got {pet!r}")
        values = spei(rain - evaporation, scale, calibration=calibration, clip=clip)
        attrs |= {
            "long_name": f"Standardized Precipitation-Evapotranspiration Index, {scale}-month",
            "distribution": "log-logistic (generalised logistic, Hosking)",
            "pet_method": pet,
        }
    name = f"{kind}_{scale}"
    result = values.rename(name)
    result.attrs = attrs  # the input's attributes (units, scale_factor, …) do not describe the index
    result.encoding = {"grid_mapping": "spatial_ref"} if "spatial_ref" in result.coords else {}
    dataset: xr.Dataset = result.to_dataset()
    return dataset


def _aligned(values: xr.DataArray, rain: xr.DataArray, source: str, name: str) -> xr.DataArray:
    grid = grid_dimensions(values, source=source, variable=str(values.name or name))
    renamed = grid.rename(dict(zip(grid.dims, rain.dims, strict=True)))
    if renamed.shape != rain.shape:
        raise _problem(
            source,
            str(values.name or name),
            f"must have the precipitation grid's shape {rain.shape}",
            f"shape {renamed.shape}",
        )
    for dim in rain.dims:
        if dim in renamed.coords and dim in rain.coords:
            same = (
                np.array_equal(renamed[dim].values, rain[dim].values)
                if dim == "time"
                else np.allclose(renamed[dim].values, rain[dim].values)
            )
            if not same:
                raise _problem(source, str(values.name or name), f"has {dim} coordinates unlike the precipitation's")
    return renamed.assign_coords({dim: rain[dim] for dim in rain.dims if dim in rain.coords})


def _reproject(shapes: np.ndarray, crs: Any) -> np.ndarray:
    """Geometries from EPSG:4326 into the grid's CRS (a no-op for a geographic grid)."""
    if _is_geographic(crs):
        return shapes
    import shapely
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def move(points: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(points[:, 0], points[:, 1])
        return np.column_stack([xs, ys])

    return np.asarray(shapely.transform(shapes, move))


def zonal_drought(
    values: xr.DataArray,
    geometries: Sequence[Any] | np.ndarray,
    area_ids: Sequence[Any] | np.ndarray,
    *,
    threshold: float = -1.0,
    population: xr.DataArray | None = None,
    crs: Any = None,
    source: str = "grid",
) -> pd.DataFrame:
    """Mean and share in drought of a (time, y, x) index grid per area and month.

    `geometries` are shapely geometries or WKB in EPSG:4326 (reprojected to `crs` for a projected grid). Columns:
    ``area_id``, ``date``, ``mean`` (cell-area weighted), ``drought_area_share`` (share of the area at or below
    `threshold`), ``cells`` and, with a `population` grid, ``drought_population_share``. Cell areas are
    cos(latitude) on a geographic grid and equal on a projected one.
    """
    from ruralmig.climate.zonal import _geometries

    grid = grid_dimensions(values, source=source, variable=str(values.name or "values"))
    y_dim, x_dim = (str(d) for d in grid.dims[1:])
    shapes = _reproject(_geometries(geometries), crs)
    zones = zone_raster(shapes, area_ids, grid[x_dim].values, grid[y_dim].values)
    geographic = _is_geographic(crs)
    area_weights = None if geographic else np.ones(zones.shape)
    by_area = zonal_statistics(grid, zones, area_ids=area_ids, threshold=threshold, weights=area_weights)
    table = by_area.rename(columns={"share_in_drought": "drought_area_share"})
    if population is not None:
        people = population.squeeze(drop=True)
        if people.ndim != 2:
            raise _problem(
                source,
                str(population.name or "population"),
                "must be a (y, x) grid",
                f"dimensions {tuple(people.dims)}",
            )
        own_y = next((str(d) for d in people.dims if str(d).lower() in Y_NAMES), str(people.dims[0]))
        own_x = next((str(d) for d in people.dims if str(d).lower() in X_NAMES), str(people.dims[1]))
        people = people.transpose(own_y, own_x).rename({own_y: y_dim, own_x: x_dim})
        by_people = zonal_statistics(grid, zones, area_ids=area_ids, threshold=threshold, weights=people)
        table["drought_population_share"] = by_people["share_in_drought"].to_numpy()
    columns = ["area_id", "date", "mean", "drought_area_share"]
    columns += ["drought_population_share"] if population is not None else []
    return table[[*columns, "cells"]]
