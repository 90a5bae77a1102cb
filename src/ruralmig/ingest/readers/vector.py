"""Shapefiles, GeoPackages and other GDAL vector formats (the `geo` extra: geopandas + pyogrio).

Geometries are reprojected to EPSG:4326 when the file says it is in another CRS.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import shapely

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.source import StagedSource, header_issues, rename_select

__all__ = ["stage_vector"]


def stage_vector(duck: duckdb.DuckDBPyConnection, path: Path, relation: str) -> StagedSource:
    file = path.name
    try:
        import geopandas
    except ImportError:
        raise InputError(Issue(file, "needs the geo extra to be read: pip install 'ruralmig[geo]'")) from None
    try:
        frame = geopandas.read_file(path, engine="pyogrio")
    except Exception as error:  # GDAL raises several error types for unreadable files
        raise InputError(Issue(file, f"is not a readable vector file: {error}")) from None
    notes = []
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        notes.append(f"reprojected from {frame.crs.to_string()} to EPSG:4326")
        frame = frame.to_crs(4326)
    names = [str(c) for c in frame.columns if c != frame.geometry.name]
    columns, issues = header_issues(file, names)
    data = {
        f"c{i}": pa.array(frame[name].astype("string").to_numpy(na_value=None), pa.string())
        for i, name in enumerate(names)
    }
    geometry = "geometry" if "geometry" not in columns else "_geometry"
    data[geometry] = pa.array(shapely.to_wkb(frame.geometry.values, output_dimension=2), pa.binary())
    duck.register("_vector_arrow", pa.table(data))
    sources = [*(f"c{i}" for i in range(len(names))), geometry]
    select = rename_select(sources, [*columns, geometry], "_vector_arrow", keep=frozenset({geometry}))
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS {select}")
    duck.unregister("_vector_arrow")
    staged = StagedSource(
        file=file, relation=relation, columns=[*columns, geometry], geometry_column=geometry, issues=issues
    )
    staged.notes.extend(notes)
    return staged
