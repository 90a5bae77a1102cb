"""Input adaptation for the climate engine: numpy, pandas and xarray in, a (time, cells) matrix out.

Every index is computed on a 2-D matrix whose rows are months and whose columns are series (stations or grid
cells), float32 or float64 (the engine converts chunks of float32 cells to float64 as it goes, so a large
float32 grid is never copied whole); `MonthlyInput.wrap` gives the result back in the caller's container
(numpy array, pandas Series or DataFrame, or xarray DataArray with the same dimensions and coordinates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MonthlyInput", "calendar_months", "check_month", "check_scale", "monthly_input"]

MAX_SCALE = 48


@dataclass(frozen=True)
class MonthlyInput:
    """A monthly input as a (time, cells) matrix, its first calendar month, and how to rebuild the output."""

    values: np.ndarray
    start_month: int
    cell_shape: tuple[int, ...]
    wrap: Callable[[np.ndarray], Any]
    output_dtype: np.dtype[Any]
    times: pd.DatetimeIndex | None = None
    template: Any = None  # the time-first xarray DataArray, for broadcasting per-cell parameters

    def per_cell(self, value: Any, name: str) -> np.ndarray:
        """A scalar or per-cell parameter (e.g. latitude) as a float64 vector of one value per column."""
        if self.template is not None and _is_data_array(value):
            first = self.template.isel({self.template.dims[0]: 0}, drop=True)
            value = value.broadcast_like(first).transpose(*first.dims).values
        array = np.asarray(value, dtype=np.float64)
        try:
            return np.broadcast_to(array, self.cell_shape).reshape(-1)
        except ValueError:
            raise ValueError(
                f"{name} must be one number or one per series/cell (shape {self.cell_shape}); got shape {array.shape}"
            ) from None


def check_scale(scale: object) -> int:
    """Return `scale` as an int, or raise naming the parameter, the allowed values and the value given."""
    if isinstance(scale, bool) or not isinstance(scale, int | np.integer) or not 1 <= int(scale) <= MAX_SCALE:
        raise ValueError(f"scale must be a whole number of months from 1 to {MAX_SCALE}; got {scale!r}")
    return int(scale)


def check_month(start_month: object) -> int:
    """Return `start_month` as an int from 1 to 12, or raise naming the parameter."""
    if isinstance(start_month, bool) or not isinstance(start_month, int | np.integer) or not 1 <= start_month <= 12:
        raise ValueError(f"start_month must be a whole number from 1 (January) to 12 (December); got {start_month!r}")
    return int(start_month)


def _float_dtype(values: np.ndarray, name: str) -> np.dtype[Any]:
    if values.dtype == np.float32:
        return np.dtype(np.float32)
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_):
        raise ValueError(f"{name} must hold numbers; got an array of dtype {values.dtype}")
    return np.dtype(np.float64)


def _matrix(raw: np.ndarray) -> np.ndarray:
    """A (time, cells) view of `raw`; float32 stays float32 (converted chunk by chunk later), the rest float64."""
    matrix = raw.reshape(raw.shape[0], -1)
    return matrix if matrix.dtype in (np.float32, np.float64) else matrix.astype(np.float64)


def _dates(index: Any) -> pd.DatetimeIndex | None:
    """The dates of a pandas index or xarray time coordinate, when it holds dates."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    if isinstance(index, pd.DatetimeIndex):
        return index
    if isinstance(index, np.ndarray) and np.issubdtype(index.dtype, np.datetime64):
        return pd.DatetimeIndex(index)
    return None


def _month_of(index: Any) -> int | None:
    """The calendar month of the first entry of a pandas index or xarray time coordinate, if it has dates."""
    if len(index) == 0:
        return None
    first = index[0]
    if isinstance(first, pd.Period | pd.Timestamp):
        return int(first.month)
    if isinstance(first, np.datetime64):
        return int(pd.Timestamp(first).month)
    month = getattr(first, "month", None)  # cftime dates
    return int(month) if isinstance(month, int) else None


def _is_data_array(data: object) -> bool:
    return hasattr(data, "dims") and hasattr(data, "transpose") and hasattr(data, "coords")


def monthly_input(data: Any, name: str, start_month: int | None, time_dim: str = "time") -> MonthlyInput:
    """Turn a 1-D series, a 2-D (time, series) table or a 3-D (time, y, x) grid into a `MonthlyInput`."""
    if start_month is not None:
        start_month = check_month(start_month)
    if isinstance(data, pd.Series | pd.DataFrame):
        found = _month_of(data.index) if isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex) else None
        raw = data.to_numpy()
        dtype = _float_dtype(raw, name)
        matrix = _matrix(raw.reshape(len(data), -1))
        if isinstance(data, pd.Series):
            series = data

            def wrap(result: np.ndarray) -> Any:
                return pd.Series(result[:, 0].astype(dtype), index=series.index, name=series.name)

        else:
            frame = data

            def wrap(result: np.ndarray) -> Any:
                return pd.DataFrame(result.astype(dtype), index=frame.index, columns=frame.columns)

        return MonthlyInput(matrix, start_month or found or 1, (matrix.shape[1],), wrap, dtype, _dates(data.index))
    if _is_data_array(data):
        if time_dim not in data.dims:
            raise ValueError(f"{name} must have a {time_dim!r} dimension (time_dim); got dimensions {data.dims}")
        ordered = data.transpose(time_dim, ...)
        found = _month_of(ordered[time_dim].values) if time_dim in ordered.coords else None
        raw = np.asarray(ordered.values)
        dtype = _float_dtype(raw, name)
        shape = raw.shape
        original = data

        def wrap(result: np.ndarray) -> Any:
            rebuilt = ordered.copy(data=result.reshape(shape).astype(dtype))
            return rebuilt.transpose(*original.dims)

        times = _dates(np.asarray(ordered[time_dim].values)) if time_dim in ordered.coords else None
        return MonthlyInput(_matrix(raw), start_month or found or 1, shape[1:], wrap, dtype, times, ordered)
    raw = np.asarray(data)
    if raw.ndim not in (1, 2, 3):
        raise ValueError(
            f"{name} must be 1-D (time), 2-D (time, series) or 3-D (time, y, x); got {raw.ndim} dimensions"
        )
    dtype = _float_dtype(raw, name)
    shape = raw.shape

    def wrap_array(result: np.ndarray) -> Any:
        return result.reshape(shape).astype(dtype, copy=False)

    return MonthlyInput(_matrix(raw), start_month or 1, shape[1:], wrap_array, dtype)


def calendar_months(length: int, start_month: int) -> np.ndarray:
    """Calendar month (0 = January) of each of `length` consecutive months starting at `start_month`."""
    return (np.arange(length) + start_month - 1) % 12
