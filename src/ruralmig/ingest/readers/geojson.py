"""GeoJSON feature collections: properties as text, geometries as WKB (EPSG:4326)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import shapely

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.readers.tabular import cell_text
from ruralmig.ingest.source import StagedSource, header_issues, rename_select

__all__ = ["GEOMETRY_COLUMN", "stage_geojson"]

GEOMETRY_COLUMN = "geometry"


def stage_geojson(duck: duckdb.DuckDBPyConnection, path: Path, relation: str) -> StagedSource:
    file = path.name
    try:
        document = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(Issue(file, f"is not valid JSON: {error}")) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(Issue(file, "is not a GeoJSON FeatureCollection"))
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(Issue(file, "has no list of features"))
    names: list[str] = []
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        for key in properties or {}:
            if key not in names:
                names.append(key)
    columns, issues = header_issues(file, names)
    values: dict[str, list[str | None]] = {column: [] for column in columns}
    geometries: list[str | None] = []
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            issues.append(Issue(file, "is not a GeoJSON Feature", row=row))
            feature = {}
        properties = feature.get("properties") or {}
        for name, column in zip(names, columns, strict=True):
            values[column].append(cell_text(properties.get(name)))
        geometry = feature.get("geometry")
        geometries.append(json.dumps(geometry) if geometry else None)
    wkb = _to_wkb(file, geometries, issues)
    arrays = {column: pa.array(values[column], pa.string()) for column in columns}
    geometry_name = GEOMETRY_COLUMN if GEOMETRY_COLUMN not in arrays else "_geometry"
    arrays[geometry_name] = pa.array(wkb, pa.binary())
    duck.register("_geojson_arrow", pa.table(arrays))
    names = [*columns, geometry_name]
    select = rename_select(names, names, "_geojson_arrow", keep=frozenset({geometry_name}))
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS {select}")
    duck.unregister("_geojson_arrow")
    return StagedSource(
        file=file, relation=relation, columns=[*columns, geometry_name], geometry_column=geometry_name, issues=issues
    )


def _to_wkb(file: str, geometries: list[str | None], issues: list[Issue]) -> list[bytes | None]:
    parsed = shapely.from_geojson(geometries, on_invalid="ignore")
    broken = [i for i, (text, shape) in enumerate(zip(geometries, parsed, strict=True)) if text and shape is None]
    for index in broken[:1000]:
        issues.append(Issue(file, "has a geometry that is not valid GeoJSON", row=index + 1, column="geometry"))
    return list(shapely.to_wkb(parsed, output_dimension=2))
