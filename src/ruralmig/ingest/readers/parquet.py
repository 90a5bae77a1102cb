"""Parquet and GeoParquet files, read by DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.source import StagedSource, header_issues, rename_select

__all__ = ["stage_parquet"]

WGS84 = {"EPSG:4326", "OGC:CRS84", "CRS84"}


def _geo_metadata(path: Path) -> tuple[str | None, str | None]:
    """The primary geometry column of a GeoParquet file and its CRS id, if the file is one."""
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(b"geo")
    if raw is None:
        return None, None
    geo = json.loads(raw)
    column = geo.get("primary_column")
    crs = (geo.get("columns", {}).get(column, {}) or {}).get("crs")
    if isinstance(crs, dict):
        identifier = crs.get("id", {})
        crs_id = f"{identifier.get('authority')}:{identifier.get('code')}" if identifier else crs.get("name")
    else:
        crs_id = crs
    return column, crs_id


def stage_parquet(duck: duckdb.DuckDBPyConnection, path: Path, relation: str) -> StagedSource:
    file = path.name
    try:
        geometry, crs = _geo_metadata(path)
        described = duck.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except Exception as error:  # pyarrow and DuckDB raise several types for a broken file
        raise InputError(Issue(file, f"is not a readable Parquet file: {error}")) from None
    if crs is not None and str(crs) not in WGS84:
        raise InputError(Issue(file, f"has geometries in {crs}; reproject them to EPSG:4326 first"))
    names = [row[0] for row in described]
    columns, issues = header_issues(file, names)
    keep = frozenset({geometry}) if geometry else frozenset()
    select = rename_select(names, columns, "read_parquet(?)", keep=keep)
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS {select}", [str(path)])
    return StagedSource(file=file, relation=relation, columns=columns, geometry_column=geometry, issues=issues)
