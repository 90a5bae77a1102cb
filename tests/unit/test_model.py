"""The canonical model: consistent declarations, generated DDL and migrations for both backends."""

from __future__ import annotations

import duckdb
import pytest

from ruralmig.model import SCHEMA_VERSION, TABLES, CodeList, DataType, get_table
from ruralmig.model.codelists import is_iso3, iso2_to_iso3, pcode_lengths, pcode_table
from ruralmig.storage.ddl import create_table_sql
from ruralmig.storage.migrations import migrations

ARCHITECTURE_TABLES = {
    "areas", "indicators", "od_flows", "network_locations", "network_routes", "closures", "conflict_intensity",
    "observed_arrivals", "households", "persons", "survey_designs", "remittance_costs", "remittance_flows",
    "crop_calendars", "labour_requirements", "workforce", "profiles", "opportunities", "results",
}  # fmt: skip


def test_every_table_of_the_architecture_is_declared() -> None:
    assert set(TABLES) >= ARCHITECTURE_TABLES


@pytest.mark.parametrize("name", sorted(TABLES))
def test_keys_name_declared_columns_and_names_are_unique(name: str) -> None:
    table = TABLES[name]
    assert len(set(table.column_names)) == len(table.column_names)
    assert set(table.key) <= set(table.column_names)
    for column in table.columns:
        assert column.minimum is None or column.maximum is None or column.minimum <= column.maximum
        assert not column.allowed or column.dtype is DataType.TEXT


def test_sensitive_tables_are_the_microdata_and_profiles() -> None:
    assert {t.name for t in TABLES.values() if t.sensitive} == {"households", "persons", "profiles"}


def test_unknown_table_lists_the_known_ones() -> None:
    with pytest.raises(Exception, match="the canonical tables are: api_keys, areas"):
        get_table("indicator")


def test_duckdb_ddl_creates_every_table_with_its_columns() -> None:
    con = duckdb.connect()
    for migration in migrations("duckdb"):
        for statement in migration.statements:
            con.execute(statement)
    for table in TABLES.values():
        described = con.execute(f'DESCRIBE "{table.name}"').fetchall()
        assert [row[0] for row in described] == list(table.column_names)
    assert con.execute("DESCRIBE areas").fetchall()[5][1] == "BLOB"


def test_postgres_ddl_uses_postgis_and_indexes_keys() -> None:
    statements = create_table_sql(get_table("areas"), "postgres", version=1, schema="ruralmig")
    assert '"geometry" geometry(Geometry, 4326)' in statements[0]
    assert any("USING GIST" in s for s in statements)
    assert any('("area_id")' in s for s in statements)


def test_migrations_are_numbered_up_to_the_schema_version() -> None:
    assert [m.version for m in migrations("postgres")] == list(range(1, SCHEMA_VERSION + 1))


def test_bundled_pcode_list_matches_its_published_counts() -> None:
    # SOURCE.md of the OCHA list: admin 2: 30,910 codes, 158 countries. It says 2,542 admin-1 codes, but the
    # file itself holds 2,543 admin-1 rows (33,453 data rows in all).
    codes = pcode_table().to_pandas()
    counts = codes["admin_level"].value_counts().to_dict()
    assert counts[2] == 30_910
    assert counts[1] == 2_543
    assert codes["country_iso3"].nunique() == 158
    assert pcode_lengths()["SOM"][0] == (2,)


def test_iso3_codes_include_un_user_assigned_kosovo() -> None:
    assert is_iso3("KEN")
    assert is_iso3("XKX")
    assert not is_iso3("ZZZ")
    assert iso2_to_iso3()["SO"] == "SOM"


def test_area_columns_declare_their_code_list() -> None:
    assert get_table("indicators").column("area_id").code_list is CodeList.AREA
    assert get_table("areas").column("country_iso3").code_list is CodeList.ISO3
