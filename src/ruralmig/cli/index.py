"""`ruralmig index compute`: a composite index from a YAML definition and indicator values."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ruralmig.cli.common import STATE, console, fail_on_errors

app = typer.Typer(help="Composite indices of the drivers of rural migration (YAML trees, ND-GAIN, INFORM-style).")


@app.command()
def compute(
    definition: Annotated[Path, typer.Argument(help="Index definition (YAML), e.g. ND-GAIN's.")],
    data: Annotated[
        Path | None,
        typer.Option(help="Long CSV: area_id, period, indicator, value (default: the workspace's indicators table)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of every node's score.")] = Path("index_scores.csv"),
    node: Annotated[str | None, typer.Option(help="Node to rank units by (default: the root).")] = None,
) -> None:
    """Score every unit and period on every node of the tree; print the ranking on one node."""
    from ruralmig.index.composite import CompositeIndex
    from ruralmig.index.definition import IndexDefinition

    with fail_on_errors():
        tree = IndexDefinition.from_yaml(definition)
        if data is not None:
            values = pd.read_csv(data)
        else:
            from ruralmig.workspace import Workspace

            with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
                values = ws.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
        model = CompositeIndex(definition=tree, unit_column="area_id").fit(values)
        frame = model.to_frame()
        frame.to_csv(out, index=False)
    chosen = node or tree.root
    ranked = frame[(frame["node"] == chosen)].dropna(subset=["score"])
    latest = ranked[ranked["period"] == ranked["period"].max()].sort_values("score", ascending=False)
    console.print(f"[green]✓[/] {len(frame):,} scores written to {out}; {chosen}, {latest['period'].max()}:")
    console.print(latest.head(10)[["unit", "score", "missing_share"]].round(3).to_string(index=False))


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="index")
