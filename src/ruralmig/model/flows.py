"""Origin-destination flows of people between areas."""

from __future__ import annotations

from ruralmig.model.schema import DataType, Table, number, text, typed

FLOW_KINDS = ("internal", "international", "displacement", "commuting")

OD_FLOWS = Table(
    name="od_flows",
    family="flows",
    description="Flows of persons from an origin area to a destination area in a period.",
    key=("origin_id", "destination_id", "period", "kind", "source"),
    columns=(
        text("origin_id", "area_id of the origin.", required=True, hxl=("#origin+code",)),
        text("destination_id", "area_id of the destination.", required=True, hxl=("#destination+code",)),
        typed("period", DataType.PERIOD, "ISO 8601 period of the flow.", required=True, hxl=("#date", "#year")),
        number("flow", "Persons moving in the period.", required=True, minimum=0, hxl=("#affected+num", "#value")),
        text("kind", "One of internal, international, displacement, commuting.", required=True, allowed=FLOW_KINDS),
        text("source", "Publisher or dataset.", default="", hxl=("#meta+source",)),
    ),
)
