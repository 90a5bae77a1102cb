"""Code lists bundled with ruralmig: ISO 3166-1 alpha-3 countries and OCHA p-codes."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pyarrow as pa

__all__ = [
    "PCODE_ATTRIBUTION",
    "is_iso3",
    "iso2_to_iso3",
    "iso3_codes",
    "iso3_table",
    "pcode_lengths",
    "pcode_table",
]

PCODE_ATTRIBUTION = "OCHA Global P-codes, via the Humanitarian Data Exchange (CC BY 4.0)"
# Codes in use by the UN system and HDX that ISO 3166-1 does not assign.
USER_ASSIGNED = {"XKX": ("XK", "Kosovo")}


@cache
def _countries() -> dict[str, tuple[str, str]]:
    import pycountry

    countries = {c.alpha_3: (c.alpha_2, c.name) for c in pycountry.countries}
    countries.update(USER_ASSIGNED)
    return countries


def iso3_codes() -> frozenset[str]:
    """Every valid ISO3 country code."""
    return frozenset(_countries())


def is_iso3(code: str) -> bool:
    return code in _countries()


@cache
def iso2_to_iso3() -> dict[str, str]:
    return {iso2: iso3 for iso3, (iso2, _) in _countries().items()}


def iso3_table() -> pa.Table:
    """ISO3 codes with ISO2 and English names, as an Arrow table."""
    items = sorted(_countries().items())
    return pa.table(
        {
            "iso3": [code for code, _ in items],
            "iso2": [iso2 for _, (iso2, _) in items],
            "name": [name for _, (_, name) in items],
        }
    )


def _open_codelist(name: str) -> csv.DictReader[str]:
    text = resources.files("ruralmig.model").joinpath("codelists", name).read_text(encoding="utf-8")
    rows = text.splitlines()
    return csv.DictReader(rows)


@cache
def pcode_table() -> pa.Table:
    """The bundled OCHA p-codes (admin 1 and 2): pcode, name, admin_level, parent, country_iso3."""
    reader = _open_codelist("global_pcodes_adm_1_2.csv")
    rows = [row for row in reader if not row["Location"].startswith("#")]
    return pa.table(
        {
            "pcode": [row["P-Code"] for row in rows],
            "name": [row["Name"] for row in rows],
            "admin_level": pa.array([int(row["Admin Level"]) for row in rows], pa.int64()),
            "parent": [row["Parent P-Code"] for row in rows],
            "country_iso3": [row["Location"] for row in rows],
        }
    )


@cache
def pcode_lengths() -> dict[str, tuple[tuple[int, ...], ...]]:
    """Per ISO3: the allowed characters of the country prefix, then of admin levels 1 to 5."""
    lengths: dict[str, tuple[tuple[int, ...], ...]] = {}
    for row in _open_codelist("global_pcode_lengths.csv"):
        code = row["Location"]
        if code.startswith("#"):
            continue
        values = [row["Country Length"]] + [row[f"Admin {level} Length"] for level in range(1, 6)]
        lengths[code] = tuple(tuple(int(n) for n in value.split("|")) for value in values if value)
    return lengths
