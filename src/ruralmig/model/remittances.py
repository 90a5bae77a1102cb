"""Remittance prices per corridor and bilateral remittance flows."""

from __future__ import annotations

from ruralmig.model.schema import CodeList, DataType, Table, integer, number, text, typed

REMITTANCE_COSTS = Table(
    name="remittance_costs",
    family="remittances",
    description="Cost of sending an amount through a service in a corridor (World Bank RPW layout).",
    key=("corridor", "period", "service", "amount"),
    columns=(
        text("corridor", "Sending and receiving country, e.g. USA-MEX.", required=True),
        typed("period", DataType.PERIOD, "Quarter or date of the survey, e.g. 2020-Q3.", required=True),
        text("service", "Firm or service name.", required=True),
        text("source_iso3", "Sending country.", code_list=CodeList.ISO3),
        text("destination_iso3", "Receiving country.", code_list=CodeList.ISO3),
        number("amount", "Amount sent, in USD of the period.", required=True, minimum=0),
        number("fee", "Fee, in USD.", minimum=0),
        number(
            "fx_margin",
            "Exchange-rate margin, percent.",
        ),
        number("total_cost_pct", "Total cost as a percent of the amount.", minimum=0),
        text("firm_type", "Bank, money transfer operator, post office, mobile operator."),
    ),
)

REMITTANCE_FLOWS = Table(
    name="remittance_flows",
    family="remittances",
    description="Bilateral remittance flows in million USD per year.",
    key=("sender_iso3", "receiver_iso3", "year"),
    columns=(
        text("sender_iso3", "Country the money is sent from.", required=True, code_list=CodeList.ISO3),
        text("receiver_iso3", "Country the money is sent to.", required=True, code_list=CodeList.ISO3),
        integer("year", "Year.", required=True, minimum=1900, maximum=2100),
        number("usd_millions", "Flow in million current USD.", required=True, minimum=0),
    ),
)
