"""Diaspora and returnee profiles, and rural agribusiness opportunities. Profiles are personal data."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, integer, number, text, typed

PROFILES = Table(
    name="profiles",
    family="matching",
    description="Skills and capital of diaspora members and returning migrants.",
    key=("profile_id",),
    sensitive=True,
    extra_columns=True,
    columns=(
        text("profile_id", "Profile identifier.", required=True),
        text("kind", "diaspora or returnee.", required=True, allowed=("diaspora", "returnee")),
        text("origin_area_id", "Area of origin.", code_list=CodeList.AREA),
        text("skills", "Semicolon-separated skills."),
        text("sectors", "Semicolon-separated sectors of interest."),
        number("capital_usd", "Capital available to invest, USD.", minimum=0),
        typed("attributes", DataType.JSON, "Other profile variables."),
    ),
)

OPPORTUNITIES = Table(
    name="opportunities",
    family="matching",
    description="Rural agribusiness opportunities looking for skills or capital.",
    key=("opportunity_id",),
    extra_columns=True,
    columns=(
        text("opportunity_id", "Opportunity identifier.", required=True),
        text("area_id", "Where the opportunity is.", required=True, code_list=CodeList.AREA),
        text("sector", "Sector, e.g. dairy, horticulture, agro-processing.", required=True),
        text("required_skills", "Semicolon-separated skills needed."),
        number("capital_needed_usd", "Capital needed, USD.", minimum=0),
        integer("jobs", "Jobs created.", minimum=0),
        typed("attributes", DataType.JSON, "Other variables."),
    ),
)
