"""`ruralmig index compute`: a composite index from a YAML definition and indicator values."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

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
    save: Annotated[bool, typer.Option(help="Store the scores in the workspace with the definition.")] = False,
    trends: Annotated[
        Path | None, typer.Option(help="Panel data: CSV of each unit's change, slope per year and trend class.")
    ] = None,
    higher_is: Annotated[str, typer.Option(help="For trend classes: a higher score is 'worse' or 'better'.")] = "worse",
    trend_threshold: Annotated[
        float, typer.Option(help="Slope below this share of the node's range per year is 'stable'.")
    ] = 0.01,
    classes: Annotated[
        Path | None,
        typer.Option(help="CSV of INFORM risk class, rank and reliability per unit and period on --node."),
    ] = None,
    rollup: Annotated[
        Path | None,
        typer.Option(help="CSV of scores rolled up to parent areas (population-weighted, workspace areas table)."),
    ] = None,
) -> None:
    """Score every unit and period on every node of the tree; print the ranking on one node."""
    from ruralmig.index.composite import CompositeIndex

    with fail_on_errors():
        tree, values = _definition_and_values(definition, data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataQualityWarning)
            absent = "missing" if allow_absent else "raise"
            model = CompositeIndex(definition=tree, unit_column="area_id", absent=absent).fit(values)
        for warning in caught:
            console.print(f"[yellow]note:[/] {warning.message}")
        frame = model.to_frame()
        frame.to_csv(out, index=False)
        if trends is not None:
            from ruralmig.index.trends import panel_trends

            table = panel_trends(model.result_, threshold=trend_threshold, higher_is=higher_is)  # type: ignore[arg-type]
            table.to_csv(trends, index=False)
            counts = table[table["node"] == tree.root]["trend"].value_counts().to_dict()
            console.print(f"trends of {tree.root} in {trends}: {counts}")
        classified = _classes(frame, node or tree.root)
        if classes is not None:
            classified.to_csv(classes, index=False)
            counts = classified["risk_class"].value_counts().to_dict()
            console.print(f"classes of {node or tree.root} in {classes}: {counts}")
        if rollup is not None:
            _write_rollup(frame, rollup)
        if save:
            from ruralmig.workspace import Workspace

            stored = frame.merge(
                classified[["unit", "period", "node", "score_rank", "risk_class", "reliability"]],
                on=["unit", "period", "node"],
                how="left",
            )
            with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
                run_id = ws.save_index_run(stored, _definition_text(definition), values)
            console.print(f"stored in the workspace as run {run_id}")
    chosen = node or tree.root
    ranked = frame[(frame["node"] == chosen)].dropna(subset=["score"])
    latest = ranked[ranked["period"] == ranked["period"].max()].sort_values("score", ascending=False)
    console.print(f"[green]✓[/] {len(frame):,} scores written to {out}; {chosen}, {latest['period'].max()}:")
    console.print(latest.head(10)[["unit", "score", "missing_share"]].round(3).to_string(index=False))


@app.command()
def uncertainty(
    definition: Annotated[str, typer.Argument(help="A YAML file or a bundled definition name.")],
    data: Annotated[Path | None, typer.Option(help="Long CSV (default: the workspace's indicators).")] = None,
    replications: Annotated[int, typer.Option(help="Monte Carlo replications.")] = 1000,
    weights: Annotated[float, typer.Option(help="Weight perturbation, as a fraction (0.2 = ±20 %).")] = 0.2,
    seed: Annotated[int, typer.Option(help="Random seed (recorded).")] = 0,
    imputation: Annotated[
        list[str] | None,
        typer.Option(
            help="Imputation alternatives to draw from (repeat): nominal, none, group_mean, regression, "
            "last_observation. Default: the definition's own rules only."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of rank intervals per unit.")] = Path(
        "index_uncertainty.csv"
    ),
) -> None:
    """Rank intervals per unit over imputation, normalisation, aggregation and weight choices (latest period)."""
    from ruralmig.index.uncertainty import UncertaintyAnalysis

    with fail_on_errors():
        tree, values = _definition_and_values(definition, data)
        analysis = UncertaintyAnalysis(
            definition=tree,
            unit_column="area_id",
            n_replications=replications,
            weight_perturbation=weights,
            seed=seed,
            imputations=tuple(imputation or ("nominal",)),
        ).fit(values)
        frame = analysis.result_.to_frame()
        frame.to_csv(out, index=False)
    console.print(f"[green]✓[/] {replications:,} replications (seed {seed}); rank intervals in {out}")
    console.print(frame.head(10).round(2).to_string(index=False))


@app.command()
def compare(
    first: Annotated[str, typer.Argument(help="A YAML file or bundled definition name.")],
    second: Annotated[str | None, typer.Argument(help="The variant to compare it with.")] = None,
    data: Annotated[Path | None, typer.Option(help="Long CSV (default: the workspace's indicators).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of scores and ranks side by side.")] = Path(
        "index_compare.csv"
    ),
    leave_one_out: Annotated[
        str | None, typer.Option(help="Instead of a variant: drop each child of this node in turn.")
    ] = None,
) -> None:
    """Ranks under two definitions (a variant), or with each child of a node left out, and how far units move."""
    from ruralmig.index.composite import CompositeIndex

    if (second is None) == (leave_one_out is None):
        console.print("[bold red]error:[/] give either a second definition or --leave-one-out NODE (not both)")
        raise typer.Exit(code=2)
    if second is None:
        _leave_one_out(first, str(leave_one_out), data, out)
        return
    with fail_on_errors():
        frames = []
        for label, name in (("first", first), ("second", second)):
            tree, values = _definition_and_values(name, data)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                scored = CompositeIndex(definition=tree, unit_column="area_id", absent="missing").fit(values)
            root = scored.to_frame().query("node == @tree.root")[["unit", "period", "score"]]
            root = root.assign(rank=root.groupby("period")["score"].rank(ascending=False, method="min"))
            frames.append(root.rename(columns={"score": f"score_{label}", "rank": f"rank_{label}"}))
        both = frames[0].merge(frames[1], on=["unit", "period"], how="outer")
        both["rank_shift"] = both["rank_second"] - both["rank_first"]
        both.to_csv(out, index=False)
    moved = both["rank_shift"].abs()
    console.print(
        f"[green]✓[/] {len(both):,} unit-periods; mean absolute rank shift {moved.mean():.2f}, "
        f"largest {moved.max():.0f}; table in {out}"
    )


def _leave_one_out(definition: str, node: str, data: Path | None, out: Path) -> None:
    from ruralmig.index.leave_one_out import leave_one_out

    with fail_on_errors():
        tree, values = _definition_and_values(definition, data)
        table = leave_one_out(tree, values, node, unit_column="area_id", absent="missing")
        table.to_csv(out, index=False)
    moved = table.assign(moved=table["rank_shift"].abs()).groupby("dropped", sort=False)["moved"].agg(["mean", "max"])
    console.print(
        f"[green]✓[/] leave-one-out on {node}: mean and largest absolute rank shift per child; table in {out}"
    )
    console.print(moved.round(2).to_string())


def _definition_text(definition: str) -> str:
    from ruralmig.index.bundled import BUNDLED_DEFINITIONS, bundled_definition

    path = bundled_definition(definition) if definition in BUNDLED_DEFINITIONS else Path(definition)
    return path.read_text(encoding="utf-8")


def _classes(frame: pd.DataFrame, node: str) -> pd.DataFrame:
    from ruralmig.index.classes import classify

    classified = classify(frame, node=node).rename(columns={"rank": "score_rank"})
    classified["risk_class"] = classified["risk_class"].astype(object).where(classified["risk_class"].notna(), None)
    return classified


def _write_rollup(frame: pd.DataFrame, target: Path) -> None:
    from ruralmig.index.rollup import rollup as roll_up
    from ruralmig.workspace import Workspace

    with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        areas = ws.read("areas")[["area_id", "parent_id", "admin_level", "population"]]
    rolled = roll_up(frame[frame["kind"] == "node"], areas)
    rolled.to_csv(target, index=False)
    added = rolled[rolled["method"] == "rollup"]
    console.print(f"roll-up in {target}: {added['unit'].nunique():,} parent areas scored from their children")


def _definition_and_values(definition: str, data: Path | None) -> tuple[Any, pd.DataFrame]:
    from ruralmig.index.bundled import BUNDLED_DEFINITIONS, bundled_definition
    from ruralmig.index.definition import IndexDefinition

    path = bundled_definition(definition) if definition in BUNDLED_DEFINITIONS else Path(definition)
    tree = IndexDefinition.from_yaml(path)
    if data is not None:
        return tree, pd.read_csv(data)
    from ruralmig.workspace import Workspace

    with Workspace.open(STATE.workspace, database_url=STATE.database_url) as ws:
        return tree, ws.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="index")
