"""Indicators: one value per area, period and indicator (long format)."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, flag, number, text, typed

AREA_CODE_TAGS = ("#adm5+code", "#adm4+code", "#adm3+code", "#adm2+code", "#adm1+code", "#adm+code", "#country+code")
AREA_ALIASES = (
    "pcode",
    "p_code",
    "admin2_code",
    "admin1_code",
    "location_code",
    "iso3",
    "adm2_pcode",
    "adm1_pcode",
    "adm0_pcode",
    "country_code",
)
PERIOD_TAGS = ("#date+reported", "#date+start", "#date", "#period", "#year")

INDICATORS = Table(
    name="indicators",
    family="indicators",
    description="Values of indicators per area and period, in long format (one row per value).",
    key=("area_id", "period", "indicator", "source"),
    long_format=("indicator", "value"),
    columns=(
        text(
            "area_id",
            "ISO3 code or p-code of the area.",
            required=True,
            code_list=CodeList.AREA,
            hxl=AREA_CODE_TAGS,
            aliases=AREA_ALIASES,
        ),
        typed(
            "period",
            DataType.PERIOD,
            "ISO 8601 year, month, quarter, date or start/end interval.",
            required=True,
            hxl=PERIOD_TAGS,
            aliases=("date", "year", "reference_period_start", "time_period"),
        ),
        text(
            "indicator",
            "Indicator code, e.g. poverty_headcount or affected+idps.",
            required=True,
            hxl=("#indicator+code", "#indicator+name", "#indicator"),
        ),
        number("value", "The value, in `unit`.", hxl=("#indicator+value", "#indicator+num", "#value")),
        text("unit", "Unit of the value, e.g. percent, persons, USD (year).", hxl=("#indicator+unit",)),
        text("source", "Publisher or dataset the value comes from.", default="", hxl=("#meta+source",)),
        flag("imputed", "True where the value was imputed rather than observed.", default="false"),
    ),
)
