"""The canonical data model: tables, columns, code lists.

This package imports nothing else from ruralmig (architecture rule 1) except ``errors``.
"""

from ruralmig.model.registry import TABLES, get_table, ingestible_tables
from ruralmig.model.schema import CodeList, Column, DataType, Table

SCHEMA_VERSION = 5

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "CodeList",
    "Column",
    "DataType",
    "Table",
    "get_table",
    "ingestible_tables",
]
