"""The building blocks of the canonical data model: typed columns and tables.

Tables are declared once here (in the family modules) and everything else is derived from the
declarations: the DDL of each backend, the ingest validation rules and the HXL mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict, Unpack

__all__ = ["CodeList", "Column", "ColumnOptions", "DataType", "Table"]


class DataType(StrEnum):
    """Logical column types, mapped to each backend's types by ``storage.ddl``."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    PERIOD = "period"  # ISO 8601 text: 2024, 2024-03, 2024-03-31, 2024-Q1 or start/end
    JSON = "json"
    GEOMETRY = "geometry"  # WKB in DuckDB, PostGIS geometry(4326) in PostgreSQL


class CodeList(StrEnum):
    """Code lists a column's values are checked against at ingest."""

    ISO3 = "iso3"  # ISO 3166-1 alpha-3 country codes
    AREA = "area"  # an ISO3 code, a bundled OCHA p-code or an area_id already in the workspace
    NEW_AREA = "new_area"  # the id of an area being defined (format check only)


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: DataType
    description: str
    required: bool = False
    hxl: tuple[str, ...] = ()
    code_list: CodeList | None = None
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None
    aliases: tuple[str, ...] = ()
    since_version: int = 1

    @property
    def is_numeric(self) -> bool:
        return self.dtype in (DataType.INTEGER, DataType.FLOAT)


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, its key and how it behaves at ingest."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    family: str = ""
    sensitive: bool = False  # survey microdata: never served raw
    system: bool = False  # written by ruralmig itself, not ingested
    extra_columns: bool = False  # unmapped source columns go into the JSON column `attributes`
    long_format: tuple[str, str] | None = None  # (name column, value column) to melt wide files into
    since_version: int = 1
    column_index: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {column.name: column for column in self.columns}
        object.__setattr__(self, "column_index", index)

    def column(self, name: str) -> Column:
        return self.column_index[name]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def geometry_column(self) -> Column | None:
        return next((c for c in self.columns if c.dtype is DataType.GEOMETRY), None)


class ColumnOptions(TypedDict, total=False):
    """Optional settings of a column (see :class:`Column`)."""

    required: bool
    hxl: tuple[str, ...]
    code_list: CodeList | None
    allowed: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    default: str | None
    aliases: tuple[str, ...]
    since_version: int


def text(name: str, description: str, **options: Unpack[ColumnOptions]) -> Column:
    return Column(name, DataType.TEXT, description, **options)


def integer(name: str, description: str, **options: Unpack[ColumnOptions]) -> Column:
    return Column(name, DataType.INTEGER, description, **options)


def number(name: str, description: str, **options: Unpack[ColumnOptions]) -> Column:
    return Column(name, DataType.FLOAT, description, **options)


def flag(name: str, description: str, **options: Unpack[ColumnOptions]) -> Column:
    return Column(name, DataType.BOOLEAN, description, **options)


def typed(name: str, dtype: DataType, description: str, **options: Unpack[ColumnOptions]) -> Column:
    return Column(name, dtype, description, **options)
