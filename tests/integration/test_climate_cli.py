"""`ruralmig climate spi|spei` on a monthly table, into a file and into the workspace's indicators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from typer.testing import CliRunner

from ruralmig import Workspace
from ruralmig.cli.main import app
from ruralmig.climate import spi

runner = CliRunner()


def monthly_table(path: Path) -> Path:
    rng = np.random.default_rng(3)
    dates = pd.date_range("1991-01-01", periods=240, freq="MS")
    frames = [
        pd.DataFrame(
            {
                "area_id": area,
                "date": dates,
                "precipitation": rng.gamma(2.0, 40.0, dates.size).round(1),
                "temperature": 24 + 4 * np.sin(np.arange(dates.size) * np.pi / 6),
                "latitude": lat,
            }
        )
        for area, lat in (("AF01", 34.5), ("AF02", 35.0))
    ]
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_spi_matches_the_engine_and_loads_into_the_workspace(tmp_path: Path) -> None:
    table = monthly_table(tmp_path / "rain.csv")
    Workspace.init(tmp_path / "ws").close()
    result = runner.invoke(
        app,
        [
            "-w",
            str(tmp_path / "ws"),
            "climate",
            "spi",
            str(table),
            "--scale",
            "3",
            "--out",
            str(tmp_path / "spi.csv"),
            "--to-workspace",
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "spi.csv")
    rain = pd.read_csv(table)
    series = rain[rain["area_id"] == "AF01"].set_index(pd.to_datetime(rain.loc[rain["area_id"] == "AF01", "date"]))
    expected = spi(series["precipitation"], 3)
    got = written[written["area_id"] == "AF01"]["value"].to_numpy()
    assert np.allclose(got, expected.to_numpy(), equal_nan=True)
    with Workspace.open(tmp_path / "ws") as ws:
        stored = ws.read("indicators")
    assert set(stored["indicator"]) == {"spi_3"}
    assert len(stored) == 2 * (240 - 2)


def test_spei_with_a_bad_number_names_the_row_and_column(tmp_path: Path) -> None:
    table = monthly_table(tmp_path / "rain.csv")
    frame = pd.read_csv(table)
    frame["temperature"] = frame["temperature"].astype(object)
    frame.loc[4, "temperature"] = "hot"
    frame.to_csv(table, index=False)
    result = runner.invoke(app, ["climate", "spei", str(table), "--scale", "6"])
    assert result.exit_code == 2
    assert "rain.csv" in result.output
    assert "temperature" in result.output
    assert "'hot'" in result.output


# --- grids: NetCDF / GeoTIFF written here from numpy, then the CLI ---------------------------------------------

GRID_TIMES = pd.date_range("1991-01-01", periods=96, freq="MS")
GRID_LATS = np.array([-12.5, -13.5, -14.5])
GRID_LONS = np.array([35.5, 36.5, 37.5, 38.5])


def grid_rain() -> np.ndarray:
    return np.random.default_rng(11).gamma(2.0, 40.0, (GRID_TIMES.size, GRID_LATS.size, GRID_LONS.size))


def write_netcdf(path: Path) -> Path:

    days = GRID_TIMES.days_in_month.to_numpy()[:, None, None]
    temperature = 22 + 5 * np.sin(np.arange(GRID_TIMES.size) * np.pi / 6)[:, None, None] + np.zeros((1, 3, 4))
    dims = ("time", "lat", "lon")
    dataset = xr.Dataset(
        {
            "pr": (dims, grid_rain() / (days * 86400.0), {"units": "kg m-2 s-1"}),
            "tas": (dims, temperature + 273.15, {"units": "K"}),
        },
        coords={"time": GRID_TIMES, "lat": GRID_LATS, "lon": GRID_LONS},
    )
    dataset.to_netcdf(path, engine="scipy")
    return path


def write_geotiff(path: Path) -> Path:
    import rasterio
    from affine import Affine

    bands = grid_rain().astype("float32")
    profile = {"driver": "GTiff", "width": 4, "height": 3, "count": bands.shape[0], "dtype": "float32",
               "crs": "EPSG:4326", "transform": Affine(1.0, 0.0, 35.0, 0.0, -1.0, -12.0)}  # fmt: skip
    with rasterio.open(path, "w", **profile) as raster:
        raster.write(bands)
        raster.update_tags(units="mm")
    return path


def areas_workspace(folder: Path) -> Path:
    import json

    boxes = {"MZ01": (35.0, -14.0, 37.0, -12.0), "MZ02": (37.0, -15.0, 39.0, -12.0)}
    features = [
        {"type": "Feature", "properties": {"area_id": "MOZ", "name": "Mozambique", "admin_level": 0,
                                           "country_iso3": "MOZ"}, "geometry": None},
        *(
            {
                "type": "Feature",
                "properties": {"area_id": code, "name": code, "admin_level": 1, "parent_id": "MOZ",
                               "country_iso3": "MOZ"},
                "geometry": {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]},
            }
            for code, (a, b, c, d) in boxes.items()
        ),
    ]  # fmt: skip
    source = folder / "areas.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with Workspace.init(folder / "ws") as ws:
        ws.ingest("areas", source)
    return folder / "ws"


def test_spei_grid_from_netcdf_converts_units_and_matches_the_engine(tmp_path: Path) -> None:

    from ruralmig.climate import spei, thornthwaite

    source = write_netcdf(tmp_path / "climate.nc")
    args = ["climate", "spei", str(source), "--scale", "6", "--precipitation", "pr", "--temperature", "tas"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "spei.nc")])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(tmp_path / "spei.nc") as written:
        values = written["spei_6"].values
        attrs = dict(written["spei_6"].attrs)
        assert "sha256" in written.attrs["source"]
    temperature = 22 + 5 * np.sin(np.arange(GRID_TIMES.size) * np.pi / 6)[:, None, None] + np.zeros((1, 3, 4))
    pet = thornthwaite(temperature, np.broadcast_to(GRID_LATS[:, None], (3, 4)))
    assert np.allclose(values, spei(grid_rain() - pet, 6), equal_nan=True)
    assert attrs["pet_method"] == "thornthwaite"
    assert attrs["calibration_period"] == "1991-01/1998-12"


def test_spi_grid_from_geotiff_bands(tmp_path: Path) -> None:

    source = write_geotiff(tmp_path / "rain.tif")
    result = runner.invoke(
        app, ["climate", "spi", str(source), "--scale", "3", "--start", "1991-01", "-o", str(tmp_path / "spi.nc")]
    )
    assert result.exit_code == 0, result.output
    with xr.open_dataset(tmp_path / "spi.nc") as written:
        values = written["spi_3"].values
    assert np.allclose(values, spi(grid_rain().astype("float32"), 3), equal_nan=True, atol=1e-6)


def test_grid_without_temperature_units_names_the_variable(tmp_path: Path) -> None:

    source = write_netcdf(tmp_path / "climate.nc")
    with xr.open_dataset(source) as opened:
        dataset = opened.load()
    del dataset["tas"].attrs["units"]
    dataset.to_netcdf(tmp_path / "bad.nc", engine="scipy")
    result = runner.invoke(app, ["climate", "spei", str(tmp_path / "bad.nc"), "--precipitation", "pr",
                                 "--temperature", "tas"])  # fmt: skip
    assert result.exit_code == 2
    assert "tas" in result.output
    assert "units" in result.output


def test_zonal_loads_mean_and_drought_shares_with_provenance(tmp_path: Path) -> None:

    from ruralmig.climate.grids import zonal_drought

    workspace = areas_workspace(tmp_path)
    source = write_netcdf(tmp_path / "climate.nc")
    index_file = tmp_path / "spi.nc"
    people = xr.DataArray(np.arange(1.0, 13.0).reshape(3, 4), dims=("lat", "lon"),
                          coords={"lat": GRID_LATS, "lon": GRID_LONS}, name="population")  # fmt: skip
    people.to_dataset().to_netcdf(tmp_path / "people.nc", engine="scipy")
    made = runner.invoke(app, ["climate", "spi", str(source), "--precipitation", "pr", "-o", str(index_file)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app,
        [
            "climate",
            "zonal",
            str(index_file),
            "--variable",
            "spi_3",
            "--workspace",
            str(workspace),
            "--threshold",
            "-0.8",
            "--load",
            "--population",
            str(tmp_path / "people.nc"),
            "--out",
            str(tmp_path / "zonal.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    with xr.open_dataset(index_file) as opened:
        grid = opened["spi_3"].load()
    with Workspace.open(workspace) as ws:
        areas = ws.read("areas").query("admin_level == 1")
        stored = ws.read("indicators")
        history = ws.history()
    expected = zonal_drought(
        grid, areas["geometry"].to_numpy(), areas["area_id"].to_numpy(), threshold=-0.8, population=people
    ).dropna(subset=["mean"])
    assert set(stored["indicator"]) == {"spi_3_mean", "spi_3_drought_area_share", "spi_3_drought_population_share"}
    shares = stored[stored["indicator"] == "spi_3_drought_population_share"].sort_values(["area_id", "period"])
    assert np.allclose(shares["value"], expected.sort_values(["area_id", "date"])["drought_population_share"])
    assert stored["source"].str.startswith("spi.nc (sha256 ").all()
    means = stored[stored["indicator"] == "spi_3_mean"].set_index(["area_id", "period"])["value"].sort_index()
    want = expected.assign(period=expected["date"].dt.strftime("%Y-%m")).set_index(["area_id", "period"])["mean"]
    assert np.allclose(means.to_numpy(), want.sort_index().to_numpy())
    assert len(means) == 2 * (GRID_TIMES.size - 2)
    assert history["rows"].iloc[0] == len(stored)


def test_demo_climate_gives_spi_3_per_admin1_area_from_the_bundled_chirps(tmp_path: Path) -> None:
    from ruralmig.datasets import bundled_file
    from ruralmig.datasets.demo import build_demo
    from ruralmig.datasets.demo_climate import run_demo_climate

    with build_demo(tmp_path / "demo") as ws:
        table = run_demo_climate(ws, tmp_path / "climate")
        stored = ws.read("indicators")
    chirps = pd.read_csv(bundled_file("moz_rainfall_adm1.csv"))
    admin1 = chirps[chirps["adm_level"] == 1].assign(date=lambda f: pd.to_datetime(f["date"])).set_index("date")
    monthly = admin1["r3h"].reindex(pd.date_range("2021-01-01", "2025-03-01", freq="MS"))
    expected = spi(monthly, 1).dropna()  # SPI-3 = the 3-month totals standardised per calendar month
    assert list(table["indicator"].unique()) == ["spi_3"]  # no twelve consecutive months: no SPI-12
    assert table["period"].tolist() == [f"{year}-01-01" for year in (2021, 2022, 2023, 2024)]
    assert np.allclose(table["value"], expected.to_numpy())
    assert (table["years_in_fit"] == 4).all()
    loaded = stored[stored["indicator"] == "spi_3"].sort_values("period")
    assert np.allclose(loaded["value"], table["value"])
    assert (tmp_path / "climate" / "drought_indices.csv").is_file()


def test_grid_reader_takes_netcdf3_and_netcdf4_alike(tmp_path: Path) -> None:
    from ruralmig.cli.climate import netcdf_engine, read_grid

    times = pd.date_range("2001-01-01", periods=24, freq="MS")
    rain = xr.DataArray(
        np.random.default_rng(0).gamma(2.0, 30.0, (24, 2, 3)),
        dims=("time", "lat", "lon"),
        coords={"time": times, "lat": [10.0, 11.0], "lon": [30.0, 31.0, 32.0]},
        name="precip",
        attrs={"units": "mm/month"},
    )
    assert netcdf_engine() == "h5netcdf"
    for engine in ("scipy", "h5netcdf"):
        path = tmp_path / f"rain_{engine}.nc"
        rain.to_dataset().to_netcdf(path, engine=engine)
        grid = read_grid(path, "precip")
        np.testing.assert_allclose(grid.to_numpy(), rain.to_numpy())
