"""Seasonal labour: crop calendars, labour requirements and the workforce."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, integer, number, text, typed

CROP_CALENDARS = Table(
    name="crop_calendars",
    family="labour",
    description="When each crop activity (planting, weeding, harvest) happens in an area.",
    key=("area_id", "crop", "activity"),
    columns=(
        text("area_id", "Area (ISO3 or p-code).", required=True, code_list=CodeList.AREA),
        text("crop", "Crop name.", required=True, hxl=("#crop+name",)),
        text("activity", "planting, growing, harvest or another activity.", required=True),
        integer("start_month", "First month (1-12).", required=True, minimum=1, maximum=12),
        integer(
            "end_month",
            "Last month (1-12); smaller than start_month when it wraps.",
            required=True,
            minimum=1,
            maximum=12,
        ),
        number("area_ha", "Hectares under the crop.", minimum=0),
        text("source", "Publisher or dataset.", default=""),
    ),
)

LABOUR_REQUIREMENTS = Table(
    name="labour_requirements",
    family="labour",
    description="Person-days of work per hectare that a crop needs in each month.",
    key=("crop", "month", "area_id"),
    columns=(
        text("crop", "Crop name.", required=True),
        integer("month", "Month (1-12).", required=True, minimum=1, maximum=12),
        number("days_per_hectare", "Person-days per hectare in the month.", required=True, minimum=0),
        text("area_id", "Area the requirement applies to; empty for everywhere.", default="", code_list=CodeList.AREA),
        text("source", "Publisher or dataset."),
    ),
)

WORKFORCE = Table(
    name="workforce",
    family="labour",
    description="People available for farm work per area, period and group.",
    key=("area_id", "period", "group_name"),
    columns=(
        text("area_id", "Area (ISO3 or p-code).", required=True, code_list=CodeList.AREA),
        typed("period", DataType.PERIOD, "Period.", required=True),
        text("group_name", "resident, out_migrant, seasonal_migrant or another group.", required=True),
        number("persons", "Persons in the group.", required=True, minimum=0),
        number("days_per_month", "Working days a person gives per month.", minimum=0, maximum=31),
        text("source", "Publisher or dataset."),
    ),
)
