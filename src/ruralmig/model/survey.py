"""Household survey microdata and their designs. Sensitive: never served raw."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, flag, integer, number, text, typed

HOUSEHOLDS = Table(
    name="households",
    family="survey",
    description="One row per surveyed household, with design variables; other variables go to attributes.",
    key=("survey_id", "household_id"),
    sensitive=True,
    extra_columns=True,
    columns=(
        text("survey_id", "Survey identifier, e.g. GSEPS-2009.", required=True),
        text("household_id", "Household identifier within the survey.", required=True),
        text("area_id", "Area of residence (ISO3 or p-code).", code_list=CodeList.AREA),
        number("weight", "Sampling weight (households represented).", required=True, minimum=0),
        text("stratum", "Design stratum."),
        text("psu", "Primary sampling unit (cluster)."),
        number("fpc", "Finite population correction: population size or sampling fraction.", minimum=0),
        flag("rural", "True for rural households."),
        typed("attributes", DataType.JSON, "Other survey variables, by name."),
    ),
)

PERSONS = Table(
    name="persons",
    family="survey",
    description="One row per household member, linked to households.",
    key=("survey_id", "household_id", "person_id"),
    sensitive=True,
    extra_columns=True,
    columns=(
        text("survey_id", "Survey identifier.", required=True),
        text("household_id", "Household identifier.", required=True),
        text("person_id", "Person identifier within the household.", required=True),
        number("weight", "Person weight, if different from the household weight.", minimum=0),
        text("sex", "female, male or other.", allowed=("female", "male", "other")),
        integer("age", "Age in completed years.", minimum=0, maximum=130),
        flag("is_migrant", "True for a current or former migrant."),
        typed("attributes", DataType.JSON, "Other survey variables, by name."),
    ),
)

SURVEY_DESIGNS = Table(
    name="survey_designs",
    family="survey",
    description="How each survey was sampled: which columns hold weights, strata, PSUs and replicates.",
    key=("survey_id",),
    columns=(
        text("survey_id", "Survey identifier.", required=True),
        text("title", "Survey title."),
        text("weight_column", "Column with the sampling weight.", required=True, default="weight"),
        text("strata_column", "Column with the strata."),
        text("psu_column", "Column with the primary sampling units."),
        text("fpc_column", "Column with the finite population correction."),
        text("replicate_type", "JK1, JKn, BRR, Fay or bootstrap.", allowed=("JK1", "JKn", "BRR", "Fay", "bootstrap")),
        text("replicate_columns", "Comma-separated replicate weight columns."),
        number("fay_rho", "Fay's rho for Fay replicates.", minimum=0, maximum=1),
        text(
            "lonely_psu",
            "fail, remove, adjust, average or certainty.",
            allowed=("fail", "remove", "adjust", "average", "certainty"),
        ),
    ),
)
