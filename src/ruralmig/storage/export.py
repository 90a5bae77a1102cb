"""Write a table to CSV, Parquet/GeoParquet, XLSX or GeoJSON. Files appear whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from ruralmig.errors import RuralmigError
from ruralmig.model import DataType, Table

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_arrow", "guard_formulas"]

ExportFormat = Literal["csv", "parquet", "xlsx", "geojson"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "parquet", "xlsx", "geojson")
EXCEL_MAX_ROWS = 1_048_575
_FORMULA_START = r"^[=+\-@\t\r]"


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def guard_formulas(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    starts = pc.match_substring_regex(column, _FORMULA_START)
    numeric = pc.match_substring_regex(column, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
    risky = pc.and_(starts, pc.invert(numeric))
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def _text_for_files(table: Table, data: pa.Table) -> pa.Table:
    """Geometry as WKT, JSON as text, text guarded against formulas."""
    columns = {}
    for column in table.columns:
        values = data.column(column.name)
        if column.dtype is DataType.GEOMETRY:
            shapes = shapely.from_wkb(values.to_numpy(zero_copy_only=False))
            values = pa.array(shapely.to_wkt(shapes, rounding_precision=6), pa.string())
        elif column.dtype is DataType.JSON:
            values = values.cast(pa.string())
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            values = guard_formulas(values)
        columns[column.name] = values
    return pa.table(columns)


def export_arrow(table: Table, data: pa.Table, path: Path, fmt: ExportFormat, *, hxl: bool = False) -> Path:
    """Write `data` (rows of `table`) to `path` in format `fmt`."""
    with _atomic(path) as temporary:
        if fmt == "csv":
            _write_csv(table, data, temporary, hxl=hxl)
        elif fmt == "parquet":
            _write_parquet(table, data, temporary)
        elif fmt == "xlsx":
            _write_xlsx(table, data, temporary)
        elif fmt == "geojson":
            _write_geojson(table, data, temporary)
        else:
            raise RuralmigError(f"format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    return path


def _write_csv(table: Table, data: pa.Table, path: Path, *, hxl: bool) -> None:
    text = _text_for_files(table, data)
    with path.open("wb") as handle:
        pacsv.write_csv(text.slice(0, 0), handle)
        if hxl:
            tags = [column.hxl[-1] if column.hxl else "" for column in table.columns]
            handle.write((",".join(tags) + "\n").encode())
        pacsv.write_csv(text, handle, pacsv.WriteOptions(include_header=False))


def _write_parquet(table: Table, data: pa.Table, path: Path) -> None:
    geometry = table.geometry_column
    if geometry is not None:
        metadata = {
            "version": "1.1.0",
            "primary_column": geometry.name,
            "columns": {geometry.name: {"encoding": "WKB", "geometry_types": []}},
        }
        data = data.replace_schema_metadata({**(data.schema.metadata or {}), b"geo": json.dumps(metadata).encode()})
    pq.write_table(data, path)


def _write_xlsx(table: Table, data: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    if data.num_rows > EXCEL_MAX_ROWS:
        raise RuralmigError(
            f"{table.name} has {data.num_rows:,} rows, more than a worksheet holds ({EXCEL_MAX_ROWS:,}); "
            "export to csv or parquet"
        )
    keep = [c.name for c in table.columns if c.dtype is not DataType.GEOMETRY]
    text = _text_for_files(table, data).select(keep)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append(keep)
    for row in zip(*(text.column(name).to_pylist() for name in keep), strict=True):
        sheet.append(list(row))
    workbook.save(path)


def _write_geojson(table: Table, data: pa.Table, path: Path) -> None:
    geometry = table.geometry_column
    if geometry is None:
        raise RuralmigError(f"{table.name} has no geometry; export it as csv, parquet or xlsx")
    shapes = shapely.from_wkb(data.column(geometry.name).to_numpy(zero_copy_only=False))
    geometries = shapely.to_geojson(shapes)
    properties = data.drop_columns([geometry.name]).to_pylist()
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for index, (props, shape) in enumerate(zip(properties, geometries, strict=True)):
            separator = ",\n" if index else ""
            shape_json = shape if shape is not None else "null"
            handle.write(
                f'{separator}{{"type": "Feature", "properties": {json.dumps(props, default=str)}, '
                f'"geometry": {shape_json}}}'
            )
        handle.write("\n]}\n")
