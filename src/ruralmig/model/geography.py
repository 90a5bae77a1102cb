"""Administrative areas: countries (ISO3) and sub-national units (p-codes)."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, integer, number, text, typed

AREAS = Table(
    name="areas",
    family="geography",
    description="Countries and sub-national administrative areas, with boundaries and population.",
    key=("area_id",),
    columns=(
        text(
            "area_id",
            "ISO 3166-1 alpha-3 code for a country, OCHA p-code (or HASC code) below it.",
            required=True,
            code_list=CodeList.NEW_AREA,
            aliases=("pcode", "p_code", "code", "iso3", "iso_a3", "location_code"),
            hxl=("#adm5+code", "#adm4+code", "#adm3+code", "#adm2+code", "#adm1+code", "#adm+code", "#country+code"),
        ),
        text(
            "name",
            "Name of the area.",
            hxl=("#adm5+name", "#adm4+name", "#adm3+name", "#adm2+name", "#adm1+name", "#adm+name", "#country+name"),
        ),
        integer(
            "admin_level",
            "0 for a country, 1 for the first sub-national level, and so on.",
            required=True,
            minimum=0,
            maximum=5,
            hxl=("#geo+admin_level", "#adm+level"),
        ),
        text(
            "parent_id",
            "area_id of the area one level up; empty for a country.",
            code_list=CodeList.AREA,
            hxl=("#adm+code+parent",),
        ),
        text(
            "country_iso3",
            "ISO3 code of the country the area lies in.",
            required=True,
            code_list=CodeList.ISO3,
            hxl=("#country+code",),
        ),
        typed("geometry", DataType.GEOMETRY, "Boundary in EPSG:4326."),
        number("population", "Resident population (persons).", minimum=0, hxl=("#population",)),
        text("source", "Where the boundary or population comes from.", hxl=("#meta+source",)),
    ),
)
