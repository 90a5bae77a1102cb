"""Grids: dimension and unit checks, conversions, SPI/SPEI on a DataArray, and zonal drought per area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

from ruralmig.climate import spei, spi, thornthwaite
from ruralmig.climate.grids import (
    drought_grid,
    grid_dimensions,
    grid_latitudes,
    precipitation_mm_per_month,
    temperature_celsius,
    zonal_drought,
)
from ruralmig.climate.zonal import zonal_statistics, zone_raster
from ruralmig.errors import InputError

TIMES = pd.date_range("1991-01-01", periods=96, freq="MS")
LATS = np.array([-12.5, -13.5, -14.5])
LONS = np.array([35.5, 36.5, 37.5, 38.5])


def grid(
    values: np.ndarray, units: str, name: str = "pr", dims: tuple[str, ...] = ("time", "lat", "lon")
) -> xr.DataArray:
    coords = {"time": TIMES, dims[1]: LATS, dims[2]: LONS}
    return xr.DataArray(values, dims=dims, coords=coords, name=name, attrs={"units": units})


@pytest.fixture
def rain() -> np.ndarray:
    return np.random.default_rng(5).gamma(2.0, 40.0, (TIMES.size, LATS.size, LONS.size))


def test_flux_and_daily_precipitation_become_mm_per_month(rain: np.ndarray) -> None:
    days = TIMES.days_in_month.to_numpy()[:, None, None]
    flux = precipitation_mm_per_month(grid(rain / (days * 86400.0), "kg m-2 s-1"))
    daily = precipitation_mm_per_month(grid(rain / days, "mm/day"))
    assert np.allclose(flux.values, rain)
    assert np.allclose(daily.values, rain)
    assert flux.attrs["units"] == "mm/month"


def test_kelvin_becomes_celsius_and_implausible_units_are_refused() -> None:
    kelvin = grid(np.full((TIMES.size, 3, 4), 298.15), "K", "tas")
    assert np.allclose(temperature_celsius(kelvin).values, 25.0)
    with pytest.raises(InputError) as caught:
        temperature_celsius(kelvin.assign_attrs(units="degC"), source="clim.nc", variable="tas")
    issue = caught.value.issues[0]
    assert (issue.file, issue.column) == ("clim.nc", "tas")
    assert "units" in issue.reason


@pytest.mark.parametrize(
    ("units", "reason"), [("furlongs", "not a precipitation amount"), ("", "has no units attribute")]
)
def test_unknown_or_missing_precipitation_units_name_the_variable(rain: np.ndarray, units: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        precipitation_mm_per_month(grid(rain, units), source="rain.nc", variable="pr")
    assert caught.value.issues[0].column == "pr"
    assert reason in caught.value.issues[0].reason


def test_wrong_dimensions_and_gaps_in_time_are_refused(rain: np.ndarray) -> None:
    with pytest.raises(InputError, match="dimensions time, y"):
        grid_dimensions(grid(rain, "mm", dims=("time", "row", "column")), variable="pr")
    gappy = grid(rain, "mm").isel(time=[*range(10), *range(11, TIMES.size)])
    with pytest.raises(InputError, match="consecutive months"):
        grid_dimensions(gappy, variable="pr")


def test_grid_dimensions_orders_and_squeezes() -> None:
    values = xr.DataArray(np.ones((1, 4, 3, 2)), dims=("band", "lon", "lat", "time"),
                          coords={"time": TIMES[:2], "lat": LATS, "lon": LONS})  # fmt: skip
    assert grid_dimensions(values).dims == ("time", "lat", "lon")


def test_spi_grid_matches_the_engine_and_carries_cf_attributes(rain: np.ndarray) -> None:
    result = drought_grid("spi", grid(rain, "mm"), 3, calibration=("1991-01", "1996-12"))
    expected = spi(rain, 3, calibration=(0, 71))
    assert np.allclose(result["spi_3"].values, expected, equal_nan=True)
    attrs = result["spi_3"].attrs
    assert attrs["scale"] == 3
    assert attrs["units"] == "1"
    assert attrs["calibration_period"] == "1991-01/1996-12"
    assert attrs["distribution"].startswith("gamma")
    assert attrs["pet_method"] == "none"


def test_spei_grid_takes_latitude_from_the_coordinates(rain: np.ndarray) -> None:
    temperature = 22 + 5 * np.sin(np.arange(TIMES.size) * np.pi / 6)[:, None, None] + np.zeros_like(rain)
    result = drought_grid("spei", grid(rain, "mm"), 6, temperature=grid(temperature, "degC", "tas"))
    pet = thornthwaite(temperature, np.broadcast_to(LATS[:, None], (3, 4)))
    expected = spei(rain - pet, 6)
    assert np.allclose(result["spei_6"].values, expected, equal_nan=True)
    assert result["spei_6"].attrs["pet_method"] == "thornthwaite"


def test_projected_grid_latitudes_come_back_through_the_crs() -> None:
    x = np.array([500_000.0, 600_000.0])
    y = np.array([8_600_000.0, 8_500_000.0])
    values = xr.DataArray(np.zeros((2, 2, 2)), dims=("time", "y", "x"), coords={"time": TIMES[:2], "y": y, "x": x})
    latitudes = grid_latitudes(values, crs="EPSG:32737")  # UTM 37S: northing 8.6e6 m = about 12.6 °S
    assert latitudes.shape == (2, 2)
    assert -13.6 < float(latitudes.min()) < float(latitudes.max()) < -12.5


def test_zonal_drought_matches_the_in_memory_functions(rain: np.ndarray) -> None:
    index = drought_grid("spi", grid(rain, "mm"), 3)["spi_3"]
    shapes = [shapely.box(35, -14, 37, -12), shapely.box(37, -15, 39, -12)]
    population = xr.DataArray(np.arange(12.0).reshape(3, 4), dims=("lat", "lon"), coords={"lat": LATS, "lon": LONS})
    table = zonal_drought(index, [s.wkb for s in shapes], ["A", "B"], threshold=-0.5, population=population)
    zones = zone_raster(shapes, ["A", "B"], LONS, LATS)
    by_area = zonal_statistics(index, zones, area_ids=["A", "B"], threshold=-0.5)
    by_people = zonal_statistics(index, zones, area_ids=["A", "B"], threshold=-0.5, weights=population.values)
    assert np.allclose(table["mean"], by_area["mean"], equal_nan=True)
    assert np.allclose(table["drought_area_share"], by_area["share_in_drought"], equal_nan=True)
    assert np.allclose(table["drought_population_share"], by_people["share_in_drought"], equal_nan=True)
    month = table[(table["area_id"] == "A") & (table["date"] == TIMES[10])].iloc[0]
    cells = index.isel(time=10).values[:2, :2]  # A covers rows -12.5/-13.5 and columns 35.5/36.5
    weights = np.cos(np.deg2rad(LATS[:2]))[:, None] * np.ones((2, 2))
    assert month["mean"] == pytest.approx((cells * weights).sum() / weights.sum())
    assert month["drought_area_share"] == pytest.approx((weights * (cells <= -0.5)).sum() / weights.sum())
