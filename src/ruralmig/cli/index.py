"""`ruralmig index compute`: a composite index from a YAML definition and indicator values."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ruralmig.cli.common import STATE, console, fail_on_errors
from ruralmig.errors import DataQualityWarning

app = typer.Typer(help="Composite indices of the drivers of rural migration (YAML trees, ND-GAIN, INFORM-style).")


@app.command()
def compute(
    definition: Annotated[
        str, typer.Argument(help="A YAML file, or a bundled definition: ndgain, inform_style_risk, adverse_drivers.")
    ],
    data: Annotated[
        Path | None,
        typer.Option(help="Long CSV: area_id, period, indicator, value (default: the workspace's indicators table)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of every node's score.")] = Path("index_scores.csv"),
    node: Annotated[str | None, typer.Option(help="Node to rank units by (default: the root).")] = None,
    allow_absent: Annotated[
        bool, typer.Option(help="Count indicators with no data as missing (reported) instead of refusing.")
    ] = True,
) -> None:
    """Score every unit and period on every node of the tree; print the ranking on one node."""
    from ruralmig.index.composite import CompositeIndex
    from ruralmig.index.definition import IndexDefinition

    with fail_on_errors():
        from ruralmig.index.bundled import BUNDLED_DEFINITIONS, bundled_definition

        path = bundled_definition(definition) if definition in BUNDLED_DEFINITIONS else Path(definition)
        tree = IndexDefinition.from_yaml(path)
        if data is not None:
            values = pd.read_csv(data)
        else:
            from ruralmig.workspace import Workspace

            with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
                values = ws.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataQualityWarning)
            absent = "missing" if allow_absent else "raise"
            model = CompositeIndex(definition=tree, unit_column="area_id", absent=absent).fit(values)
        for warning in caught:
            console.print(f"[yellow]note:[/] {warning.message}")
        frame = model.to_frame()
        frame.to_csv(out, index=False)
    chosen = node or tree.root
    ranked = frame[(frame["node"] == chosen)].dropna(subset=["score"])
    latest = ranked[ranked["period"] == ranked["period"].max()].sort_values("score", ascending=False)
    console.print(f"[green]✓[/] {len(frame):,} scores written to {out}; {chosen}, {latest['period'].max()}:")
    console.print(latest.head(10)[["unit", "score", "missing_share"]].round(3).to_string(index=False))


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="index")
