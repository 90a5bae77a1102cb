"""Zonal aggregation on synthetic grids: hand-checked means and drought shares, weights, NaN, xarray, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

from ruralmig.climate.zonal import zonal_statistics, zone_raster
from ruralmig.errors import InputError

CENTRES = np.arange(10) + 0.5  # cell centres 0.5 .. 9.5 on a 10 × 10 grid of unit cells
AREAS = ["A", "B"]
SQUARES = [shapely.box(0, 0, 4, 4), shapely.box(5, 5, 10, 10)]  # A: rows/columns 0-3, B: rows/columns 5-9


@pytest.fixture
def zones() -> np.ndarray:
    return zone_raster(SQUARES, AREAS, CENTRES, CENTRES)


@pytest.fixture
def grid() -> np.ndarray:
    """Two months: month 0 holds column - 2 (A: -2, -1, 0, 1; B: 3 .. 7), month 1 the opposite."""
    month = np.broadcast_to(np.arange(10.0) - 2.0, (10, 10))
    return np.stack([month, -month])


def row(table: pd.DataFrame, area: str, time: int) -> pd.Series:
    found = table[(table["area_id"] == area) & (table["time"] == time)]
    assert len(found) == 1
    return found.iloc[0]


def test_zone_raster_marks_the_cells_whose_centre_each_square_covers(zones: np.ndarray) -> None:
    expected = np.full((10, 10), -1, dtype=np.int32)
    expected[0:4, 0:4] = 0
    expected[5:10, 5:10] = 1
    assert zones.dtype == np.int32
    np.testing.assert_array_equal(zones, expected)


def test_zone_raster_reads_wkb_and_descending_rows(zones: np.ndarray) -> None:
    from_wkb = zone_raster([g.wkb for g in SQUARES], AREAS, CENTRES, CENTRES)
    np.testing.assert_array_equal(from_wkb, zones)
    from_hex = zone_raster(np.array([g.wkb_hex for g in SQUARES], dtype=object), AREAS, CENTRES, CENTRES)
    np.testing.assert_array_equal(from_hex, zones)
    flipped = zone_raster(shapely.from_wkb([g.wkb for g in SQUARES]), AREAS, CENTRES, CENTRES[::-1])
    np.testing.assert_array_equal(flipped, zones[::-1])


def test_a_centre_on_a_shared_border_goes_to_the_first_area() -> None:
    coords = np.arange(10.0)  # centres on whole numbers: column 5 lies on the shared border x = 5
    left, right = shapely.box(0, 0, 5, 9), shapely.box(5, 0, 9, 9)
    zones = zone_raster([left, right], ["L", "R"], coords, coords)
    assert (zones[:, :6] == 0).all()
    assert (zones[:, 6:] == 1).all()
    swapped = zone_raster([right, left], ["R", "L"], coords, coords)
    assert (swapped[:, 5:] == 0).all()


def test_zone_raster_handles_polygons_and_areas_off_the_grid() -> None:
    disc = shapely.Point(5, 5).buffer(3)
    far = shapely.box(100, 100, 101, 101)
    zones = zone_raster([far, disc, shapely.Polygon()], ["far", "disc", "empty"], CENTRES, CENTRES)
    xx, yy = np.meshgrid(CENTRES, CENTRES)
    np.testing.assert_array_equal(zones == 1, (xx - 5) ** 2 + (yy - 5) ** 2 <= 9)
    assert not (zones == 0).any()
    assert not (zones == 2).any()


def test_means_and_drought_shares_by_hand(zones: np.ndarray, grid: np.ndarray) -> None:
    table = zonal_statistics(grid, zones, area_ids=AREAS, weights=np.ones((10, 10)))
    assert list(table.columns) == ["area_id", "time", "mean", "share_in_drought", "cells"]
    assert len(table) == 4
    a0, b0, a1, b1 = row(table, "A", 0), row(table, "B", 0), row(table, "A", 1), row(table, "B", 1)
    assert a0["mean"] == pytest.approx(-0.5)  # columns -2, -1, 0, 1
    assert a0["share_in_drought"] == pytest.approx(0.5)  # -2 and -1 are <= -1
    assert b0["mean"] == pytest.approx(5.0)  # columns 3 .. 7
    assert b0["share_in_drought"] == 0.0
    assert a1["mean"] == pytest.approx(0.5)  # 2, 1, 0, -1
    assert a1["share_in_drought"] == pytest.approx(0.25)
    assert b1["mean"] == pytest.approx(-5.0)
    assert b1["share_in_drought"] == 1.0
    assert list(table["cells"]) == [16, 16, 25, 25]


def test_threshold_is_inclusive_and_adjustable(zones: np.ndarray, grid: np.ndarray) -> None:
    table = zonal_statistics(grid, zones, area_ids=AREAS, weights=np.ones((10, 10)), threshold=-2)
    assert row(table, "A", 0)["share_in_drought"] == pytest.approx(0.25)


def test_population_weights_change_the_numbers(zones: np.ndarray, grid: np.ndarray) -> None:
    population = np.zeros((10, 10))
    population[:, 0] = 100.0  # everyone in A lives in column 0 (value -2)
    population[:, 9] = 30.0  # in B: columns 8 and 9 (values 6 and 7), weighted 1 : 3
    population[:, 8] = 10.0
    table = zonal_statistics(grid, zones, area_ids=AREAS, weights=population)
    assert row(table, "A", 0)["mean"] == pytest.approx(-2.0)
    assert row(table, "A", 0)["share_in_drought"] == pytest.approx(1.0)
    assert row(table, "B", 0)["mean"] == pytest.approx((6 * 10 + 7 * 30) / 40)
    assert row(table, "A", 0)["cells"] == 4  # cells with a positive weight


def test_default_cosine_latitude_weights() -> None:
    latitudes = np.linspace(50.5, 59.5, 10)
    values = np.broadcast_to(np.arange(10.0)[:, None] - 5.0, (1, 10, 10)).copy()  # value = row - 5
    zones = zone_raster([shapely.box(0, 50, 10, 60)], ["all"], CENTRES, latitudes)
    table = zonal_statistics(values, zones, area_ids=["all"], y_coords=latitudes)
    weights = np.cos(np.deg2rad(latitudes))
    assert table["mean"].iloc[0] == pytest.approx(np.average(np.arange(10.0) - 5.0, weights=weights))
    assert table["share_in_drought"].iloc[0] == pytest.approx(weights[:5].sum() / weights.sum())
    equal = zonal_statistics(values, zones, area_ids=["all"], weights=np.ones((10, 10)))
    assert equal["mean"].iloc[0] == pytest.approx(-0.5)
    assert table["mean"].iloc[0] < equal["mean"].iloc[0]  # the southern (lower) rows have larger cells


def test_nan_cells_are_ignored_and_infinite_ones_count_only_in_the_share(zones: np.ndarray, grid: np.ndarray) -> None:
    grid = grid.copy()
    grid[0, 0, 0] = np.nan  # A, value -2
    grid[0, 1, 1] = np.nan  # A, value -1
    grid[0, 2, 3] = -np.inf  # A, value 1 becomes -Inf
    table = zonal_statistics(grid, zones, area_ids=AREAS, weights=np.ones((10, 10)))
    a0 = row(table, "A", 0)
    finite = [-2.0] * 3 + [-1.0] * 3 + [0.0] * 4 + [1.0] * 3
    assert a0["mean"] == pytest.approx(np.mean(finite))
    assert a0["share_in_drought"] == pytest.approx(7 / 14)  # 3 x -2, 3 x -1, the -Inf; of 14 cells
    assert a0["cells"] == 14
    assert row(table, "A", 1)["cells"] == 16


def test_an_area_without_cells_gets_nan(grid: np.ndarray) -> None:
    zones = zone_raster([*SQUARES, shapely.box(50, 50, 60, 60)], [*AREAS, "off"], CENTRES, CENTRES)
    table = zonal_statistics(grid, zones, area_ids=[*AREAS, "off"], weights=np.ones((10, 10)))
    off = table[table["area_id"] == "off"]
    assert len(off) == 2
    assert off["mean"].isna().all()
    assert off["share_in_drought"].isna().all()
    assert (off["cells"] == 0).all()


def test_xarray_input_gives_the_numpy_numbers_with_dates(zones: np.ndarray, grid: np.ndarray) -> None:
    latitudes = np.linspace(-4.5, 4.5, 10)
    dates = pd.date_range("2020-01-01", periods=2, freq="MS")
    data = xr.DataArray(grid, dims=("time", "lat", "lon"), coords={"time": dates, "lat": latitudes, "lon": CENTRES})
    from_numpy = zonal_statistics(grid, zones, area_ids=AREAS, y_coords=latitudes)
    from_xarray = zonal_statistics(data, zones, area_ids=AREAS)
    assert list(from_xarray.columns) == ["area_id", "date", "mean", "share_in_drought", "cells"]
    assert list(from_xarray["date"]) == [*dates, *dates]
    for column in ("mean", "share_in_drought", "cells"):
        np.testing.assert_allclose(from_xarray[column], from_numpy[column], rtol=1e-12)
    transposed = zonal_statistics(data.transpose("lon", "time", "lat"), zones, area_ids=AREAS)
    pd.testing.assert_frame_equal(transposed, from_xarray)
    zone_array = xr.DataArray(zones.T, dims=("lon", "lat"), coords={"lat": latitudes, "lon": CENTRES})
    with_zone_array = zonal_statistics(data.astype(np.float32), zone_array, area_ids=AREAS)
    np.testing.assert_allclose(with_zone_array["mean"], from_xarray["mean"], rtol=1e-6)


def test_errors_name_the_argument(zones: np.ndarray, grid: np.ndarray) -> None:
    ones = np.ones((10, 10))
    cases: list[tuple[str, dict[str, object]]] = [
        ("values", {"values": grid[0]}),
        ("values", {"values": np.full((1, 10, 10), "a")}),
        ("weights", {"weights": np.ones((10, 9))}),
        ("weights", {"weights": -ones}),
        ("weights", {"weights": None}),  # numpy grid without latitudes
        ("zones", {"zones": zones[:, :5]}),
        ("zones", {"zones": zones.astype(float)}),
        ("zones", {"zones": np.full((10, 10), 2)}),
        ("y_coords", {"weights": None, "y_coords": np.arange(9.0)}),
        ("y_coords", {"weights": None, "y_coords": np.arange(10.0) * 20}),  # not latitudes
        ("threshold", {"threshold": "abc"}),
        ("threshold", {"threshold": None}),
        ("threshold", {"threshold": float("nan")}),
        ("area_ids", {"area_ids": ["A", "A"]}),
    ]
    for name, change in cases:
        arguments: dict[str, object] = {"values": grid, "zones": zones, "area_ids": AREAS, "weights": ones}
        arguments.update(change)
        with pytest.raises(InputError) as caught:
            zonal_statistics(**arguments)  # type: ignore[arg-type]
        assert caught.value.file == name, (name, change, str(caught.value))


def test_xarray_coordinates_that_do_not_match_are_refused(zones: np.ndarray, grid: np.ndarray) -> None:
    data = xr.DataArray(grid, dims=("time", "y", "x"), coords={"y": np.arange(10.0), "x": CENTRES})
    shifted = xr.DataArray(zones, dims=("y", "x"), coords={"y": np.arange(10.0) + 0.5, "x": CENTRES})
    with pytest.raises(InputError, match="zones") as caught:
        zonal_statistics(data, shifted, area_ids=AREAS, weights=np.ones((10, 10)))
    assert caught.value.file == "zones"
    with pytest.raises(InputError) as caught:
        zonal_statistics(data, zones, area_ids=AREAS, y_coords=np.arange(10.0) + 1)
    assert caught.value.file == "y_coords"
    with pytest.raises(InputError) as caught:
        zonal_statistics(data.rename(time="month"), zones, area_ids=AREAS)
    assert caught.value.file == "values"


def test_zone_raster_errors_name_the_argument() -> None:
    with pytest.raises(InputError) as caught:
        zone_raster(SQUARES, ["A"], CENTRES, CENTRES)
    assert caught.value.file == "area_ids"
    with pytest.raises(InputError) as caught:
        zone_raster([b"not wkb", SQUARES[1]], AREAS, CENTRES, CENTRES)
    assert caught.value.file == "geometries"
    with pytest.raises(InputError) as caught:
        zone_raster([None, SQUARES[1]], AREAS, CENTRES, CENTRES)
    assert caught.value.file == "geometries"
    with pytest.raises(InputError) as caught:
        zone_raster(SQUARES, AREAS, np.ones((2, 5)), CENTRES)
    assert caught.value.file == "x_coords"
    with pytest.raises(InputError) as caught:
        zone_raster(SQUARES, AREAS, CENTRES, [0.5, np.nan])
    assert caught.value.file == "y_coords"


def test_a_national_grid_with_fifty_areas_runs() -> None:
    size, months, count = 1000, 12, 50
    lon = np.linspace(20.0, 30.0, size, endpoint=False) + 0.005
    lat = np.linspace(-5.0, 5.0, size, endpoint=False) + 0.005
    extent = shapely.box(20.0, -5.0, 30.0, 5.0)
    seeds = shapely.multipoints(np.random.default_rng(1).uniform([20, -5], [30, 5], size=(count, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent))
    areas = shapely.intersection(cells, extent)
    ids = [f"AR{number:03d}" for number in range(count)]
    zones = zone_raster(areas, ids, lon, lat)
    assert (zones >= 0).all()  # the Voronoi cells tile the extent
    values = np.random.default_rng(2).normal(size=(months, size, size)).astype(np.float32)
    table = zonal_statistics(values, zones, area_ids=ids, y_coords=lat)
    assert len(table) == count * months
    assert table.groupby("time")["cells"].sum().eq(size * size).all()
    first = table.iloc[0]
    inside = zones == 0
    weights = np.broadcast_to(np.cos(np.deg2rad(lat))[:, None], inside.shape)[inside]
    assert first["mean"] == pytest.approx(np.average(values[0][inside], weights=weights), rel=1e-9)
    assert first["share_in_drought"] == pytest.approx(weights[values[0][inside] <= -1].sum() / weights.sum(), rel=1e-9)
