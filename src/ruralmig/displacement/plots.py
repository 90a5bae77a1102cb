"""Charts of simulated against observed arrivals per camp (Plotly; the HTML embeds plotly.js, no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ruralmig.displacement.result import SimulationResult

__all__ = ["arrivals_figure", "write_arrivals_html"]


def arrivals_figure(result: SimulationResult, *, title: str | None = None, split_day: int | None = None) -> Any:
    """One panel per camp: simulated agents (line) and observed registrations (dots)."""
    from plotly.subplots import make_subplots

    camps = result.camps
    columns = min(3, max(1, len(camps)))
    rows = -(-len(camps) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=camps, shared_xaxes=True)
    dates = result.dates
    simulated, observed = result.camp_frame(), result.observed_frame()
    for index, camp in enumerate(camps):
        row, column = index // columns + 1, index % columns + 1
        figure.add_scatter(
            x=dates,
            y=simulated[camp],
            name="simulated",
            mode="lines",
            line={"color": "#1f77b4"},
            showlegend=index == 0,
            row=row,
            col=column,
        )
        figure.add_scatter(
            x=dates,
            y=observed[camp],
            name="observed (UNHCR)",
            mode="markers",
            marker={"color": "#d62728", "size": 3},
            showlegend=index == 0,
            row=row,
            col=column,
        )
        if split_day is not None:
            figure.add_vline(x=dates[split_day], line_dash="dot", line_color="grey", row=row, col=column)
    heading = title or f"{result.case_name}: simulated and observed arrivals (seed {result.seed})"
    figure.update_layout(title=heading, height=280 * rows + 80, template="plotly_white")
    return figure


def write_arrivals_html(result: SimulationResult, path: Path, **options: Any) -> Path:
    """Self-contained HTML (plotly.js inside), readable offline in a field office."""
    figure = arrivals_figure(result, **options)
    figure.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path


def errors_table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:,.3f}")
