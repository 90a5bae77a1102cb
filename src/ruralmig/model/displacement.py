"""The displacement graph (a superset of Flee's input files) and observed arrivals."""

from __future__ import annotations

from ruralmig.model.schema import DataType, Table, integer, number, text, typed

LOCATION_TYPES = ("conflict_zone", "town", "camp", "forwarding_hub", "marker", "idpcamp", "flood_zone")

NETWORK_LOCATIONS = Table(
    name="network_locations",
    family="displacement",
    description="Locations of a displacement network (Flee locations.csv plus area links).",
    key=("network_id", "name"),
    columns=(
        text("network_id", "Name of the network or case, e.g. burundi2015.", required=True),
        text("name", "Location name, unique in the network.", required=True, hxl=("#loc+name",)),
        text("region", "Region or admin-1 name.", hxl=("#adm1+name",)),
        text("country", "Country name or code as in the source.", hxl=("#country+name",)),
        number("lat", "Latitude (degrees).", minimum=-90, maximum=90, hxl=("#geo+lat",)),
        number("lon", "Longitude (degrees).", minimum=-180, maximum=180, hxl=("#geo+lon",)),
        text("location_type", "Flee location type.", required=True, allowed=LOCATION_TYPES),
        integer("conflict_date", "Day the location becomes a conflict zone.", minimum=0),
        number("population", "Population, or capacity for camps (Flee pop/cap).", minimum=0, hxl=("#population",)),
        text("area_id", "Workspace area the location lies in."),
    ),
)

NETWORK_ROUTES = Table(
    name="network_routes",
    family="displacement",
    description="Links between network locations (Flee routes.csv).",
    key=("network_id", "name1", "name2"),
    columns=(
        text("network_id", "Network the route belongs to.", required=True),
        text("name1", "One end of the route.", required=True),
        text("name2", "The other end of the route.", required=True),
        number("distance", "Length in km.", required=True, minimum=0),
        integer("forced_redirection", "Flee forced redirection flag (0, 1 or 2).", minimum=0, maximum=2),
    ),
)

CLOSURES = Table(
    name="closures",
    family="displacement",
    description="Border, location and link closures in time (Flee closures.csv).",
    key=("network_id", "closure_type", "name1", "name2", "closure_start"),
    columns=(
        text("network_id", "Network the closure applies to.", required=True),
        text(
            "closure_type",
            "location, country, link or drop_link.",
            required=True,
            allowed=("location", "country", "link", "drop_link", "camp", "idpcamp", "remove_forced_redirection"),
        ),
        text("name1", "First location or country.", required=True),
        text("name2", "Second location or country.", required=True),
        integer("closure_start", "First day of the closure.", required=True, minimum=-1),
        integer("closure_end", "Last day of the closure (-1: until the end).", required=True, minimum=-1),
    ),
)

CONFLICT_INTENSITY = Table(
    name="conflict_intensity",
    family="displacement",
    description="Conflict intensity per location and day (Flee conflicts.csv, long format).",
    key=("network_id", "location", "day"),
    columns=(
        text("network_id", "Network the series belongs to.", required=True),
        text("location", "Location name.", required=True),
        integer("day", "Simulation day.", required=True, minimum=0),
        number("intensity", "Conflict intensity between 0 and 1.", required=True, minimum=0, maximum=1),
    ),
)

OBSERVED_ARRIVALS = Table(
    name="observed_arrivals",
    family="displacement",
    description="Observed arrivals at a location, e.g. UNHCR camp registrations.",
    key=("location_id", "date", "source"),
    columns=(
        text("location_id", "Location name or area_id.", required=True, hxl=("#loc+name", "#loc+code")),
        typed("date", DataType.DATE, "Date of the count.", required=True, hxl=("#date+reported", "#date")),
        number(
            "count",
            "Persons counted (cumulative registrations).",
            required=True,
            minimum=0,
            hxl=("#affected+refugees", "#affected+idps", "#affected+num"),
        ),
        text("source", "Publisher of the count.", default="", hxl=("#meta+source",)),
        text("network_id", "Network the location belongs to, if any."),
    ),
)
