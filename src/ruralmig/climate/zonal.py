"""Zonal aggregation of gridded indices (SPI, SPEI, anomalies) to areas, feeding the drivers index.

Two steps, both vectorised (no Python loop over grid cells):

- :func:`zone_raster` burns area geometries into a (y, x) raster of zone numbers: cell ``(i, j)`` holds the position
  in ``area_ids`` of the area whose geometry covers the cell centre ``(x_coords[j], y_coords[i])``, or -1 when no
  area does. A centre on a shared border (or covered by overlapping areas) goes to the first area in ``area_ids``.
- :func:`zonal_statistics` gives, for each area and time step, the weighted mean of the cell values and the
  weighted share of cells whose value is at or below a drought threshold, as a tidy table.

Weights default to cos(latitude), proportional to the area of the cells of a regular longitude/latitude grid; pass a
population grid to get the share of people in drought instead. Missing values (NaN) are left out. Infinite values
(SPI/SPEI beyond the fitted support, e.g. -Inf for a month without rain in the R SPEI convention) count in the
drought share but are left out of the mean, which would otherwise be infinite.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ruralmig.climate._arrays import _is_data_array
from ruralmig.errors import InputError, Issue

__all__ = ["zonal_statistics", "zone_raster"]

Y_NAMES = ("y", "lat", "latitude", "rlat")
X_NAMES = ("x", "lon", "longitude", "rlon")
COORDINATE_TOLERANCE = 1e-9  # relative to the grid spacing


def _error(name: str, reason: str, value: object = None) -> InputError:
    """An InputError whose issue names the argument at fault (and the value given, when short)."""
    return InputError(Issue(name, reason, value=None if value is None else str(value)))


def _coordinates(coords: Any, name: str) -> np.ndarray:
    """A 1-D float64 vector of finite grid coordinates."""
    try:
        array = np.asarray(coords, dtype=np.float64)
    except (TypeError, ValueError):
        raise _error(name, "must be a 1-D sequence of numbers (the cell centres)") from None
    if array.ndim != 1 or array.size == 0:
        raise _error(name, "must be a non-empty 1-D sequence of cell-centre coordinates", f"shape {array.shape}")
    if not np.isfinite(array).all():
        raise _error(name, "must hold finite numbers only; found NaN or infinite coordinates")
    return array


def _area_labels(area_ids: Any, count: int | None = None) -> np.ndarray:
    """The area identifiers as a 1-D array of unique labels (and of length `count`, when given)."""
    if isinstance(area_ids, str | bytes):
        raise _error("area_ids", "must be a sequence of identifiers, not a single string", area_ids)
    labels = np.asarray(list(area_ids) if not isinstance(area_ids, np.ndarray | pd.Index) else area_ids)
    if labels.ndim != 1:
        raise _error("area_ids", "must be a 1-D sequence of identifiers", f"shape {labels.shape}")
    if count is not None and labels.size != count:
        raise _error("area_ids", f"must hold one identifier per geometry ({count}); got {labels.size}")
    unique, counts = np.unique(labels.astype(str), return_counts=True)
    if (counts > 1).any():
        raise _error("area_ids", "must be unique; this identifier appears more than once", unique[counts > 1][0])
    return labels


def _geometries(geometries: Any) -> np.ndarray:
    """Shapely geometries from shapely objects or WKB (bytes or hex strings)."""
    if isinstance(geometries, shapely.Geometry | str | bytes):
        raise _error("geometries", "must be a sequence of geometries (one per area), not a single geometry")
    items = np.empty(len(geometries), dtype=object)
    items[:] = list(geometries)
    result = np.empty(items.size, dtype=object)
    for position, item in enumerate(items):  # one per area, not per cell
        if isinstance(item, shapely.Geometry):
            result[position] = item
        elif isinstance(item, bytes | bytearray | memoryview | str):
            try:
                result[position] = shapely.from_wkb(bytes(item) if not isinstance(item, str) else item)
            except (shapely.errors.ShapelyError, TypeError, ValueError):
                raise _error("geometries", f"item {position} is not valid WKB") from None
        else:
            raise _error("geometries", f"item {position} must be a shapely geometry or WKB bytes", type(item).__name__)
    return result


def zone_raster(geometries: Any, area_ids: Sequence[Any] | np.ndarray, x_coords: Any, y_coords: Any) -> np.ndarray:
    """A (y, x) int32 raster of the position in `area_ids` of the area covering each cell centre, -1 outside.

    `geometries` are shapely geometries or WKB, one per area and in the grid's coordinate system; `x_coords` and
    `y_coords` are the cell centres (ascending or descending). Each area is tested only on the cells of its bounding
    box, with shapely's vectorised point predicate; the first area listed wins a centre on a shared border.
    """
    shapes = _geometries(geometries)
    _area_labels(area_ids, shapes.size)
    x = _coordinates(x_coords, "x_coords")
    y = _coordinates(y_coords, "y_coords")
    raster = np.full((y.size, x.size), -1, dtype=np.int32)
    bounds = shapely.bounds(shapes)
    for zone, shape in enumerate(shapes):  # a loop over areas; the cells of each area are tested at once
        if shapely.is_empty(shape):
            continue
        min_x, min_y, max_x, max_y = bounds[zone]
        columns = np.flatnonzero((x >= min_x) & (x <= max_x))
        rows = np.flatnonzero((y >= min_y) & (y <= max_y))
        if columns.size == 0 or rows.size == 0:
            continue
        block = raster[np.ix_(rows, columns)]
        free_rows, free_columns = np.nonzero(block == -1)
        if free_rows.size == 0:
            continue
        prepared_here = not shapely.is_prepared(shape)
        if prepared_here:
            shapely.prepare(shape)
        try:
            inside = shapely.intersects_xy(shape, x[columns[free_columns]], y[rows[free_rows]])
        finally:
            if prepared_here:
                shapely.destroy_prepared(shape)
        raster[rows[free_rows[inside]], columns[free_columns[inside]]] = zone
    return raster


def _threshold(threshold: object) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not np.isfinite(float(threshold)):
        raise _error("threshold", "is not a number (the drought threshold, e.g. -1.0)", threshold)
    return float(threshold)


def _grid_dims(values: Any, time_dim: str) -> tuple[str, str]:
    """The (y, x) dimension names of a time × y × x DataArray."""
    if time_dim not in values.dims:
        raise _error("values", f"must have a {time_dim!r} dimension (time_dim)", f"dimensions {tuple(values.dims)}")
    if values.ndim != 3:
        raise _error("values", "must be a 3-D (time, y, x) grid", f"dimensions {tuple(values.dims)}")
    others = [str(dim) for dim in values.dims if dim != time_dim]
    y_dim = next((dim for dim in others if dim.lower() in Y_NAMES), None)
    x_dim = next((dim for dim in others if dim.lower() in X_NAMES), None)
    if y_dim is None or x_dim is None or y_dim == x_dim:
        return others[0], others[1]
    return y_dim, x_dim


def _same_coordinates(found: np.ndarray, expected: np.ndarray) -> bool:
    if found.shape != expected.shape:
        return False
    spacing = float(np.abs(np.diff(expected)).min()) if expected.size > 1 else 1.0
    return bool(np.allclose(found, expected, rtol=0.0, atol=COORDINATE_TOLERANCE * max(spacing, 1e-300)))


def _layer(data: Any, name: str, dims: tuple[str, str] | None, grid: dict[str, np.ndarray]) -> np.ndarray:
    """A (y, x) layer (zones or weights) as a numpy array, aligned with and checked against the grid."""
    if _is_data_array(data):
        if dims is not None and set(dims) == {str(d) for d in data.dims}:
            data = data.transpose(*dims)
            for dim in dims:
                if (
                    dim in data.coords
                    and dim in grid
                    and not _same_coordinates(np.asarray(data[dim].values, dtype=np.float64), grid[dim])
                ):
                    raise _error(name, f"has {dim} coordinates that do not match those of values")
        data = data.values
    return np.asarray(data)


def _latitude_weights(latitudes: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """cos(latitude) per cell: proportional to the cell area of a regular longitude/latitude grid."""
    if latitudes is None:
        raise _error(
            "weights",
            "are needed: pass weights (e.g. population or cell area), or y_coords (latitudes in degrees) for the "
            "default cos(latitude) cell-area weights",
        )
    if np.abs(latitudes).max() > 90.0:
        raise _error(
            "y_coords",
            "must be latitudes in degrees (-90 to 90) for the default cell-area weights; pass weights for a "
            "projected grid",
            f"{np.abs(latitudes).max():g}",
        )
    return np.broadcast_to(np.cos(np.deg2rad(latitudes))[:, None], shape)


def _time_column(values: Any, time_dim: str, count: int) -> tuple[str, Any]:
    """("date", the time coordinate) when the input has one holding dates, else ("time", positions or labels)."""
    if _is_data_array(values) and time_dim in values.coords:
        stamps = np.asarray(values[time_dim].values)
        if np.issubdtype(stamps.dtype, np.datetime64):
            return "date", pd.DatetimeIndex(stamps)
        if stamps.dtype == object and stamps.size and hasattr(stamps[0], "month"):  # cftime dates
            return "date", stamps
        return "time", stamps
    return "time", np.arange(count)


def zonal_statistics(
    values: Any,
    zones: Any,
    *,
    area_ids: Sequence[Any] | np.ndarray,
    weights: Any = None,
    threshold: float = -1.0,
    y_coords: Any = None,
    time_dim: str = "time",
) -> pd.DataFrame:
    """Weighted mean and share in drought of a time × y × x grid for each area and time step, as a tidy table.

    `values` is a numpy array or xarray DataArray (time, y, x); `zones` a (y, x) raster of positions in `area_ids`
    (-1 outside every area), as :func:`zone_raster` makes. `weights` is a (y, x) grid (population, cell area; NaN
    means no weight); by default cos(latitude), the latitudes taken from `y_coords` or the DataArray's y coordinate.
    Returns one row per area and time step: ``area_id``, ``time`` (position, or ``date`` when `values` has a
    time coordinate of dates), ``mean`` (weighted, over finite values), ``share_in_drought`` (weighted share of
    cells with a value that is <= `threshold`) and ``cells`` (cells with a value and a positive weight).
    """
    limit = _threshold(threshold)
    labels = _area_labels(area_ids)
    dims: tuple[str, str] | None = None
    grid: dict[str, np.ndarray] = {}
    if _is_data_array(values):
        dims = _grid_dims(values, time_dim)
        ordered = values.transpose(time_dim, *dims)
        grid = {dim: np.asarray(ordered[dim].values, dtype=np.float64) for dim in dims if dim in ordered.coords}
        raw = np.asarray(ordered.values)
        latitudes = grid.get(dims[0])
    else:
        raw = np.asarray(values)
        latitudes = None
        if raw.ndim != 3:
            raise _error("values", "must be a 3-D (time, y, x) grid", f"{raw.ndim} dimensions")
    if not (np.issubdtype(raw.dtype, np.number) or raw.dtype == np.bool_):
        raise _error("values", "must hold numbers", f"dtype {raw.dtype}")
    shape = (raw.shape[1], raw.shape[2])

    if y_coords is not None:
        given = _coordinates(y_coords, "y_coords")
        if given.size != shape[0]:
            raise _error("y_coords", f"must have one coordinate per grid row ({shape[0]}); got {given.size}")
        if latitudes is not None and not _same_coordinates(given, latitudes):
            raise _error("y_coords", "do not match the y coordinate of values")
        latitudes = given

    zone_grid = _layer(zones, "zones", dims, grid)
    if zone_grid.shape != shape:
        raise _error("zones", f"must have the grid's (y, x) shape {shape}", f"shape {zone_grid.shape}")
    if not np.issubdtype(zone_grid.dtype, np.integer):
        raise _error("zones", "must hold whole numbers (positions in area_ids, -1 outside)", f"dtype {zone_grid.dtype}")
    if zone_grid.size and (zone_grid.min() < -1 or zone_grid.max() >= labels.size):
        bad = zone_grid.min() if zone_grid.min() < -1 else zone_grid.max()
        raise _error("zones", f"must hold -1 or positions 0 to {labels.size - 1} in area_ids", int(bad))

    if weights is None:
        weight_grid = _latitude_weights(latitudes, shape)
    else:
        weight_grid = _layer(weights, "weights", dims, grid)
        if weight_grid.shape != shape:
            raise _error("weights", f"must have the grid's (y, x) shape {shape}", f"shape {weight_grid.shape}")
        if not (np.issubdtype(weight_grid.dtype, np.number) or weight_grid.dtype == np.bool_):
            raise _error("weights", "must hold numbers", f"dtype {weight_grid.dtype}")
        weight_grid = weight_grid.astype(np.float64)
        if np.isinf(weight_grid).any() or (weight_grid < 0).any():
            raise _error("weights", "must be finite and not negative (NaN marks a cell without weight)")

    flat_weights = np.asarray(weight_grid, dtype=np.float64).reshape(-1)
    flat_zones = zone_grid.reshape(-1)
    used = np.flatnonzero((flat_zones >= 0) & (flat_weights > 0))  # NaN weights compare False: left out
    cell_zone = flat_zones[used].astype(np.intp)
    cell_weight = flat_weights[used]
    count = labels.size
    steps = raw.shape[0]
    matrix = raw.reshape(steps, -1)

    means = np.full((steps, count), np.nan)
    shares = np.full((steps, count), np.nan)
    cells = np.zeros((steps, count), dtype=np.int64)
    for step in range(steps):  # a loop over time steps; each sums every cell at once
        cell_value = matrix[step, used].astype(np.float64)
        present = ~np.isnan(cell_value)
        finite = np.isfinite(cell_value)
        finite_weight = np.bincount(cell_zone, np.where(finite, cell_weight, 0.0), count)
        weighted_sum = np.bincount(cell_zone, np.where(finite, cell_value, 0.0) * cell_weight, count)
        present_weight = np.bincount(cell_zone, np.where(present, cell_weight, 0.0), count)
        dry_weight = np.bincount(cell_zone, np.where(present & (cell_value <= limit), cell_weight, 0.0), count)
        np.divide(weighted_sum, finite_weight, out=means[step], where=finite_weight > 0)
        np.divide(dry_weight, present_weight, out=shares[step], where=present_weight > 0)
        cells[step] = np.bincount(cell_zone[present], minlength=count)

    time_name, times = _time_column(values, time_dim, steps)
    return pd.DataFrame(
        {
            "area_id": np.repeat(labels, steps),
            time_name: np.tile(np.asarray(times), count),
            "mean": means.T.reshape(-1),
            "share_in_drought": shares.T.reshape(-1),
            "cells": cells.T.reshape(-1),
        }
    )
