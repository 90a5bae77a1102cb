"""Readers: one module per source format. Each stages a file into DuckDB as raw text."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ruralmig.errors import InputError, Issue
from ruralmig.ingest.source import ReaderOptions, StagedSource

__all__ = ["SUPPORTED_SUFFIXES", "stage_file"]

SUPPORTED_SUFFIXES = {
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".ods": "excel",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "vector",
    ".gpkg": "vector",
    ".fgb": "vector",
    ".kml": "vector",
}


def stage_file(
    duck: duckdb.DuckDBPyConnection, path: Path, options: ReaderOptions, relation: str = "_stage"
) -> StagedSource:
    """Load `path` into the temp table `relation` of `duck`, picking the reader by file suffix."""
    if not path.exists():
        raise InputError(Issue(path.name, f"does not exist ({path})"))
    if path.is_dir():
        raise InputError(Issue(path.name, "is a folder, not a file"))
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise InputError(Issue(path.name, f"has an unknown file type {path.suffix!r}; ruralmig reads {known}"))
    if path.stat().st_size == 0:
        raise InputError(Issue(path.name, "is empty"))
    if kind == "text":
        from ruralmig.ingest.readers.text import stage_text

        return stage_text(duck, path, options, relation)
    if kind == "excel":
        from ruralmig.ingest.readers.excel import stage_excel

        return stage_excel(duck, path, options, relation)
    if kind == "parquet":
        from ruralmig.ingest.readers.parquet import stage_parquet

        return stage_parquet(duck, path, relation)
    if kind == "vector":
        from ruralmig.ingest.readers.vector import stage_vector

        return stage_vector(duck, path, relation)
    from ruralmig.ingest.readers.geojson import stage_geojson

    return stage_geojson(duck, path, relation)
