"""All canonical tables, by name."""

from __future__ import annotations

from ruralmig.errors import SchemaError
from ruralmig.model.displacement import (
    CLOSURES,
    CONFLICT_INTENSITY,
    NETWORK_LOCATIONS,
    NETWORK_ROUTES,
    OBSERVED_ARRIVALS,
)
from ruralmig.model.flows import OD_FLOWS
from ruralmig.model.geography import AREAS
from ruralmig.model.indicators import INDICATORS
from ruralmig.model.labour import CROP_CALENDARS, LABOUR_REQUIREMENTS, WORKFORCE
from ruralmig.model.matching import OPPORTUNITIES, PROFILES
from ruralmig.model.remittances import REMITTANCE_COSTS, REMITTANCE_FLOWS
from ruralmig.model.results import (
    API_KEYS,
    AUDIT_LOG,
    DISPLACEMENT_RESULTS,
    INDEX_RESULTS,
    INGEST_LOG,
    JOBS,
    RESULTS,
    SURVEY_RESULTS,
)
from ruralmig.model.schema import Table
from ruralmig.model.survey import HOUSEHOLDS, PERSONS, SURVEY_DESIGNS

__all__ = ["TABLES", "get_table", "ingestible_tables"]

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        AREAS,
        INDICATORS,
        OD_FLOWS,
        NETWORK_LOCATIONS,
        NETWORK_ROUTES,
        CLOSURES,
        CONFLICT_INTENSITY,
        OBSERVED_ARRIVALS,
        HOUSEHOLDS,
        PERSONS,
        SURVEY_DESIGNS,
        REMITTANCE_COSTS,
        REMITTANCE_FLOWS,
        CROP_CALENDARS,
        LABOUR_REQUIREMENTS,
        WORKFORCE,
        PROFILES,
        OPPORTUNITIES,
        RESULTS,
        INGEST_LOG,
        DISPLACEMENT_RESULTS,
        INDEX_RESULTS,
        SURVEY_RESULTS,
        API_KEYS,
        AUDIT_LOG,
        JOBS,
    )
}


def get_table(name: str) -> Table:
    """Return the canonical table called `name`, or raise a SchemaError listing the known ones."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise SchemaError(f"unknown table {name!r}; the canonical tables are: {known}") from None


def ingestible_tables() -> list[str]:
    """Names of the tables users may load files into."""
    return [name for name, table in TABLES.items() if not table.system]
