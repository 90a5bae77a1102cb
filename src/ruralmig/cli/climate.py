"""`ruralmig climate spi|spei|zonal`: drought indices for monthly tables or grids, and zonal figures per area."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pandas as pd
import typer

from ruralmig.cli.common import STATE, console, fail_on_errors
from ruralmig.errors import InputError, Issue

if TYPE_CHECKING:
    import xarray as xr

app = typer.Typer(help="Drought indices (SPI, SPEI) from monthly rainfall and temperature; zonal figures per area.")

GRID_SUFFIXES = (".nc", ".nc4", ".netcdf", ".cdf", ".tif", ".tiff")
RASTER_SUFFIXES = (".tif", ".tiff")
PRECIPITATION_NAMES = ("precipitation", "pr", "precip", "prcp", "rain", "rainfall", "tp", "ppt")
TEMPERATURE_NAMES = ("temperature", "tas", "tmean", "tavg", "t2m", "tave", "tmp")

Table = Annotated[Path, typer.Argument(help="CSV (area_id, date, climate columns) or a NetCDF / GeoTIFF grid.")]
Output = Annotated[Path | None, typer.Option("--out", "-o", help="CSV (table input) or NetCDF (grid input) to write.")]
ToWorkspace = Annotated[bool, typer.Option(help="Table input: also load the values into the workspace's indicators.")]
Start = Annotated[str | None, typer.Option(help="GeoTIFF: month of the first band, e.g. 1991-01.")]
Calibration = Annotated[str | None, typer.Option(help="Grid: calibration period FIRST:LAST, e.g. 1991-01:2020-12.")]
PrecipitationUnits = Annotated[str | None, typer.Option(help="Grid: precipitation units if the file has none.")]
TemperatureUnits = Annotated[str | None, typer.Option(help="Grid: temperature units if the file has none.")]


def is_grid(path: Path) -> bool:
    return path.suffix.lower() in GRID_SUFFIXES


def netcdf_engine() -> Literal["h5netcdf", "scipy"]:
    """h5netcdf (NetCDF-4) when h5py is installed, else scipy (NetCDF-3 classic, no C library needed)."""
    import importlib.util

    return "h5netcdf" if importlib.util.find_spec("h5py") is not None else "scipy"


def read_grid(path: Path, variable: str | None, *, candidates: tuple[str, ...] = (), start: str | None = None) -> Any:
    """One variable of a NetCDF file, or the bands of a GeoTIFF (bands = months from `start`), as a DataArray."""
    import xarray as xr

    if not path.is_file():
        raise InputError(Issue(str(path), "does not exist"))
    if path.suffix.lower() in RASTER_SUFFIXES:
        import rioxarray

        with warnings.catch_warnings():  # rioxarray 0.19 still uses affine's `*` (a PendingDeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            raster = rioxarray.open_rasterio(path, masked=True)
        if not isinstance(raster, xr.DataArray):
            raise InputError(Issue(path.name, "holds several raster groups; give a single-layer-set GeoTIFF"))
        raster = raster.load()
        if ("band" in raster.dims and raster.sizes["band"] > 1) or start is not None:
            if start is None:
                raise InputError(Issue(path.name, "is a GeoTIFF with several bands; give --start (first month)"))
            try:
                first = pd.Timestamp(start)
            except ValueError:
                raise InputError(
                    Issue(path.name, "is not a month such as 1991-01", column="--start", value=start)
                ) from None
            dates = pd.date_range(first, periods=raster.sizes["band"], freq="MS")
            raster = raster.rename({"band": "time"}).assign_coords(time=dates)
        units = raster.attrs.get("units")
        name = variable or path.stem
        return raster.rename(name).assign_attrs(units=units) if units else raster.rename(name)
    try:
        dataset = xr.open_dataset(path)  # xarray picks scipy (NetCDF-3) or h5netcdf (NetCDF-4) from the file
    except (OSError, ValueError, TypeError) as error:
        hint = "; NetCDF-4 (HDF5) files need h5py installed" if netcdf_engine() == "scipy" else ""
        raise InputError(Issue(path.name, f"is not a readable NetCDF file ({error}){hint}")) from None
    with dataset:
        names = [str(n) for n in dataset.data_vars]
        chosen = variable if variable in names else next((n for n in candidates if n in names), None)
        if chosen is None and variable is None and len(names) == 1:
            chosen = names[0]
        if chosen is None:
            raise InputError(
                Issue(
                    path.name,
                    f"has no variable {variable or 'to use'} (variables: {', '.join(names)})",
                    column="--variable",
                    value=variable,
                )
            )
        return dataset[chosen].load()


def _grid_crs(grid: Any) -> Any:
    try:
        import rioxarray  # noqa: F401  (registers the .rio accessor)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return grid.rio.crs
    except Exception:
        return None


def _calibration(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    first, sep, last = text.partition(":")
    if not sep or not first or not last:
        raise InputError(Issue("--calibration", "must be FIRST:LAST months, e.g. 1991-01:2020-12", value=text))
    return first, last


def _grid_index(
    kind: str,
    path: Path,
    scale: int,
    *,
    precipitation: str,
    temperature: str,
    temperature_grid: Path | None,
    pet: str,
    out: Path | None,
    start: str | None,
    calibration: str | None,
    precipitation_units: str | None,
    temperature_units: str | None,
) -> None:
    from ruralmig.climate.grids import drought_grid, precipitation_mm_per_month, temperature_celsius
    from ruralmig.ingest.pipeline import sha256_of

    rain_raw = read_grid(path, precipitation, candidates=PRECIPITATION_NAMES, start=start)
    name = str(rain_raw.name)
    rain = precipitation_mm_per_month(rain_raw, units=precipitation_units, source=path.name, variable=name)
    options: dict[str, Any] = {}
    if kind == "spei":
        other = temperature_grid or path

        def load(variable: str, candidates: tuple[str, ...]) -> xr.DataArray:
            raw = read_grid(other, variable, candidates=candidates, start=start)
            return temperature_celsius(raw, units=temperature_units, source=other.name, variable=str(raw.name))

        if pet == "hargreaves":
            options = {
                "minimum_temperature": load("tmin", ("tasmin", "mn2t")),
                "maximum_temperature": load("tmax", ("tasmax", "mx2t")),
            }
        else:
            options = {"temperature": load(temperature, TEMPERATURE_NAMES)}
    try:
        result = drought_grid(
            kind,  # type: ignore[arg-type]
            rain,
            scale,
            pet=pet,  # type: ignore[arg-type]
            crs=_grid_crs(rain_raw),
            calibration=_calibration(calibration),
            source=path.name,
            **options,
        )
    except ValueError as error:
        raise InputError(Issue(path.name, str(error))) from None
    variable = f"{kind}_{scale}"
    result.attrs |= {
        "title": f"{variable} from {path.name}",
        "source": f"{path.name} (sha256 {sha256_of(path)})",
        "history": "ruralmig climate " + kind,
        "Conventions": "CF-1.8",
    }
    target = out or path.with_name(f"{path.stem}_{variable}.nc")
    result.to_netcdf(target, engine=netcdf_engine())
    values = result[variable]
    dry = float((values <= -1).mean())
    console.print(
        f"[green]✓[/] {variable} on a {values.sizes['time']} × {values.shape[1]} × {values.shape[2]} grid written to "
        f"{target}; share of cell-months at or below -1: {dry:.3f}"
    )


def _finish(result: pd.DataFrame, out: Path | None, to_workspace: bool, source: str) -> None:
    indicator = str(result["indicator"].iloc[0]) if len(result) else ""
    if out is not None:
        result.to_csv(out, index=False)
        console.print(f"[green]✓[/] {len(result):,} values of {indicator} written to {out}")
    if to_workspace:
        rows = result.dropna(subset=["value"]).assign(
            period=lambda f: pd.to_datetime(f["date"]).dt.strftime("%Y-%m"), unit="index", source=source
        )
        written = _load_indicators(rows, f"{indicator}.csv")
        console.print(f"[green]✓[/] {written:,} values of {indicator} loaded into indicators")
    summary = result.groupby("area_id")["value"].agg(["count", "min", "max", "last"]).round(2)
    console.print(summary.to_string())


def _load_indicators(rows: pd.DataFrame, file_name: str, workspace: Path | None = None) -> int:
    """Write rows (area_id, period, indicator, value, unit, source) through the workspace's ingest path."""
    import tempfile

    from ruralmig.workspace import Workspace

    with (
        tempfile.TemporaryDirectory() as folder,
        Workspace.open(workspace or STATE.workspace, database_url=STATE.database_url) as ws,
    ):
        path = Path(folder) / file_name
        rows[["area_id", "period", "indicator", "value", "unit", "source"]].to_csv(path, index=False)
        return ws.ingest("indicators", path, mode="upsert").rows


@app.command()
def spi(
    table: Table,
    scale: Annotated[int, typer.Option(help="Months accumulated (1-48).")] = 3,
    precipitation: Annotated[str, typer.Option(help="Rainfall column or grid variable (mm/month).")] = "precipitation",
    out: Output = None,
    to_workspace: ToWorkspace = False,
    start: Start = None,
    calibration: Calibration = None,
    precipitation_units: PrecipitationUnits = None,
) -> None:
    """Standardised Precipitation Index (gamma fit, as R SPEI)."""
    from ruralmig.climate.tables import drought_table

    with fail_on_errors():
        if is_grid(table):
            _grid_index(
                "spi",
                table,
                scale,
                precipitation=precipitation,
                temperature="temperature",
                temperature_grid=None,
                pet="thornthwaite",
                out=out,
                start=start,
                calibration=calibration,
                precipitation_units=precipitation_units,
                temperature_units=None,
            )
            return
        frame = pd.read_csv(table)
        result = drought_table(frame, index="spi", scale=scale, precipitation=precipitation, source=table.name)
        _finish(result, out, to_workspace, f"ruralmig SPI from {table.name}")


@app.command()
def spei(
    table: Table,
    scale: Annotated[int, typer.Option(help="Months accumulated (1-48).")] = 12,
    pet: Annotated[str, typer.Option(help="thornthwaite (temperature) or hargreaves (tmin, tmax).")] = "thornthwaite",
    precipitation: Annotated[str, typer.Option(help="Rainfall column or grid variable (mm/month).")] = "precipitation",
    temperature: Annotated[str, typer.Option(help="Grid: mean-temperature variable.")] = "temperature",
    temperature_grid: Annotated[
        Path | None, typer.Option(help="Grid: file holding temperature (default: the precipitation file).")
    ] = None,
    out: Output = None,
    to_workspace: ToWorkspace = False,
    start: Start = None,
    calibration: Calibration = None,
    precipitation_units: PrecipitationUnits = None,
    temperature_units: TemperatureUnits = None,
) -> None:
    """Standardised Precipitation-Evapotranspiration Index (log-logistic fit, as R SPEI)."""
    from ruralmig.climate.tables import drought_table

    with fail_on_errors():
        if is_grid(table):
            _grid_index(
                "spei",
                table,
                scale,
                precipitation=precipitation,
                temperature=temperature,
                temperature_grid=temperature_grid,
                pet=pet,
                out=out,
                start=start,
                calibration=calibration,
                precipitation_units=precipitation_units,
                temperature_units=temperature_units,
            )
            return
        result = drought_table(
            pd.read_csv(table), index="spei", scale=scale, pet=pet, precipitation=precipitation, source=table.name
        )
        _finish(result, out, to_workspace, f"ruralmig SPEI ({pet}) from {table.name}")


@app.command()
def zonal(
    grid: Annotated[Path, typer.Argument(help="NetCDF or GeoTIFF index grid (time, y, x), e.g. from climate spei.")],
    variable: Annotated[str | None, typer.Option(help="Variable in the grid, e.g. spei_3.")] = None,
    workspace: Annotated[Path | None, typer.Option(help="Workspace (default: the global --workspace).")] = None,
    admin_level: Annotated[int, typer.Option(help="Admin level of the areas to aggregate to.")] = 1,
    threshold: Annotated[float, typer.Option(help="Drought at or below this index value.")] = -1.0,
    population: Annotated[Path | None, typer.Option(help="Population grid (y, x) on the same grid.")] = None,
    start: Start = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="CSV of the figures per area and month.")] = None,
    load: Annotated[bool, typer.Option(help="Load the figures into the workspace's indicators table.")] = False,
) -> None:
    """Mean and share of area (and population) in drought per area and month, from a gridded index."""
    from ruralmig.climate.grids import zonal_drought
    from ruralmig.ingest.pipeline import sha256_of
    from ruralmig.workspace import Workspace

    with fail_on_errors():
        values = read_grid(grid, variable, start=start)
        name = str(values.name)
        location = workspace or STATE.workspace
        with Workspace.open(location, database_url=STATE.database_url) as ws:
            areas = ws.read("areas")
        chosen = areas[(areas["admin_level"] == admin_level) & areas["geometry"].notna()]
        if chosen.empty:
            raise InputError(
                Issue(
                    "areas",
                    f"has no area of admin level {admin_level} with a boundary",
                    column="admin_level",
                    value=str(admin_level),
                )
            )
        people = read_grid(population, None) if population is not None else None
        table = zonal_drought(
            values,
            chosen["geometry"].to_numpy(),
            chosen["area_id"].to_numpy(),
            threshold=threshold,
            population=people,
            crs=_grid_crs(values),
            source=grid.name,
        )
        covered = table[table["cells"] > 0]
        target = out or grid.with_name(f"{grid.stem}_{name}_zonal.csv")
        covered.to_csv(target, index=False)
        console.print(
            f"[green]✓[/] {covered['area_id'].nunique()} of {len(chosen)} admin-{admin_level} areas covered; "
            f"{len(covered):,} area-months written to {target}"
        )
        if load:
            rows = zonal_rows(covered, name, f"{grid.name} (sha256 {sha256_of(grid)})")
            written = _load_indicators(rows, f"{grid.stem}_{name}_zonal.csv", location)
            console.print(
                f"[green]✓[/] {written:,} values loaded into indicators ({', '.join(rows['indicator'].unique())})"
            )


def zonal_rows(table: pd.DataFrame, variable: str, source: str) -> pd.DataFrame:
    """Zonal figures as indicator rows: <variable>_mean, _drought_area_share, _drought_population_share."""
    measures = {"mean": ("mean", "index"), "drought_area_share": ("drought_area_share", "fraction")}
    if "drought_population_share" in table.columns:
        measures["drought_population_share"] = ("drought_population_share", "fraction")
    period = pd.to_datetime(table["date"]).dt.strftime("%Y-%m")
    parts = [
        pd.DataFrame(
            {
                "area_id": table["area_id"],
                "period": period,
                "indicator": f"{variable}_{suffix}",
                "value": table[column],
                "unit": unit,
                "source": source,
            }
        )
        for suffix, (column, unit) in measures.items()
    ]
    rows = pd.concat(parts, ignore_index=True)
    return rows[rows["value"].notna() & (rows["value"].abs() != float("inf"))]


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="climate")
