"""Thornthwaite and Hargreaves PET on small synthetic data: shapes, conventions, per-cell latitude, checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruralmig.climate import hargreaves, thornthwaite

MONTHS = 36
SEASON = 12 + 10 * np.sin(2 * np.pi * (np.arange(MONTHS) - 3) / 12)


def test_thornthwaite_is_zero_below_freezing_and_positive_above() -> None:
    pet = thornthwaite(SEASON, 45.0)
    assert pet.shape == (MONTHS,)
    np.testing.assert_array_equal(pet[SEASON <= 0], 0.0)
    assert (pet[SEASON > 0] > 0).all()


def test_thornthwaite_grid_with_latitude_per_row_equals_series() -> None:
    latitudes = np.array([-30.0, 0.0, 45.0])
    grid = np.broadcast_to(SEASON[:, None, None], (MONTHS, 3, 2)).copy()
    grid[:, :, 1] += 5.0
    pet = thornthwaite(grid, latitudes[:, None])
    for y, latitude in enumerate(latitudes):
        for x in range(2):
            # equal to the last bit or two: numpy's vectorised power may round differently on long rows
            np.testing.assert_allclose(pet[:, y, x], thornthwaite(grid[:, y, x], latitude), rtol=1e-14, atol=0)


def test_thornthwaite_start_month_from_a_dated_series() -> None:
    index = pd.date_range("2000-04-01", periods=MONTHS, freq="MS")
    pet = thornthwaite(pd.Series(SEASON, index=index), 50.0)
    assert isinstance(pet, pd.Series)
    np.testing.assert_array_equal(pet.to_numpy(), thornthwaite(SEASON, 50.0, start_month=4))
    assert not np.array_equal(pet.to_numpy(), thornthwaite(SEASON, 50.0))


def test_thornthwaite_missing_month_gives_nan_there_only() -> None:
    temperature = SEASON.copy()
    temperature[5] = np.nan
    pet = thornthwaite(temperature, 10.0)
    assert np.isnan(pet[5])
    assert np.isfinite(np.delete(pet, 5)).all()


def test_hargreaves_shapes_precipitation_form_and_xarray_latitude() -> None:
    xarray = pytest.importorskip("xarray")
    tmin = np.broadcast_to((SEASON - 6)[:, None, None], (MONTHS, 2, 3)).copy()
    tmax = tmin + 12.0
    latitude = xarray.DataArray([10.0, 60.0], dims="y")
    grid_min = xarray.DataArray(tmin, dims=("time", "y", "x"))
    grid_max = xarray.DataArray(tmax, dims=("time", "y", "x"))
    pet = hargreaves(grid_min, grid_max, latitude)
    assert pet.dims == ("time", "y", "x")
    np.testing.assert_array_equal(pet.values[:, 1, 2], hargreaves(tmin[:, 1, 2], tmax[:, 1, 2], 60.0))
    assert (pet.values > 0).all()
    rain = np.full(tmin.shape, 50.0)
    modified = hargreaves(tmin, tmax, 10.0, precipitation=rain)
    assert modified.shape == tmin.shape
    assert (modified >= 0).all()
    assert not np.allclose(modified, pet.values)


def test_hargreaves_polar_day_and_night_stay_finite() -> None:
    pet = hargreaves(SEASON - 5, SEASON + 5, 80.0)
    assert np.isfinite(pet).all()
    assert (pet >= 0).all()


@pytest.mark.parametrize("latitude", [91.0, -100.0, np.nan])
def test_latitude_out_of_range_is_refused(latitude: float) -> None:
    with pytest.raises(ValueError, match=r"latitude must be in degrees from -90 to 90; got"):
        thornthwaite(SEASON, latitude)


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match=r"latitude must be one number or one per series/cell \(shape \(2,\)\)"):
        thornthwaite(np.zeros((MONTHS, 2)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"maximum_temperature must have the shape of minimum_temperature"):
        hargreaves(SEASON, SEASON[:-1], 0.0)
    with pytest.raises(ValueError, match=r"start_month must be a whole number from 1 \(January\) to 12"):
        thornthwaite(SEASON, 0.0, start_month=0)
