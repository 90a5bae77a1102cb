"""Population-weighted roll-ups of area scores up the admin hierarchy (admin 2 → admin 1 → country).

INFORM Subnational and its open implementations (e.g. rodekruis/CommunityRisk ``2_create_risk_framework_NP.sql``)
give a parent area the population-weighted mean of its children's scores. Here every parent without a score of its
own gets ``Σ pop·score / Σ pop`` over its children that have a score, level by level from the deepest admin level
up, so that a country is rolled up from its admin-1 areas (observed or themselves rolled up). Where a child with a
score has no population (missing, zero or negative), the whole sibling group falls back to equal weights and the
parent row is flagged (``equal_weights``): mixing people with counts of areas would mean nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue

__all__ = ["rollup"]

_AREA_COLUMNS = ("area_id", "parent_id", "admin_level")


def _check_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """The areas table indexed by area_id, with a clean numeric population (NaN where unusable)."""
    absent = [c for c in _AREA_COLUMNS if c not in areas.columns]
    if absent:
        raise InputError([Issue("areas", "is a required column of the areas table", column=c) for c in absent])
    table = areas[[*_AREA_COLUMNS, *(["population"] if "population" in areas.columns else [])]].copy()
    table["area_id"] = table["area_id"].astype(str)
    repeated = table["area_id"].duplicated()
    if repeated.any():
        raise InputError(
            Issue(
                "areas",
                f"has {int(repeated.sum())} repeated area ids",
                row=int(np.flatnonzero(repeated.to_numpy())[0]) + 1,
                column="area_id",
                value=str(table.loc[repeated, "area_id"].iloc[0]),
            )
        )
    population = pd.to_numeric(table.get("population", pd.Series(np.nan, index=table.index)), errors="coerce")
    table["population"] = population.where(np.isfinite(population) & (population > 0))
    table["parent_id"] = table["parent_id"].where(table["parent_id"].notna(), None)
    table["admin_level"] = pd.to_numeric(table["admin_level"], errors="coerce")
    bad = table["admin_level"].isna()
    if bad.any():
        raise InputError(
            Issue(
                "areas",
                "has no numeric admin_level",
                column="admin_level",
                value=str(table.loc[bad, "area_id"].iloc[0]),
            )
        )
    return table.set_index("area_id")


def rollup(
    scores: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    unit_column: str = "unit",
    value_columns: Sequence[str] | None = None,
    by: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Scores of parent areas as population-weighted means of their children's scores, up to the top level.

    Parameters
    ----------
    scores:
        Long scores, e.g. ``CompositeIndex.to_frame()``: a unit column, the ``by`` keys and the value columns.
    areas:
        Areas table with area_id, parent_id, admin_level and population (like the workspace's ``areas``).
    unit_column:
        Column of ``scores`` holding area ids.
    value_columns:
        Columns to roll up with the same weights (default: score, missing_share and imputed_share when present).
        Children are weighted only where their ``score`` (or first value column) is present.
    by:
        Keys rolled up separately (default: those of period, node and kind present in ``scores``).

    Returns the observed rows (``method`` = "observed") plus one row per parent area and key without a score of its
    own (``method`` = "rollup"), with admin_level, parent_id, the weighted values, ``equal_weights`` (True where some
    child lacked a population), ``children_scored`` and ``children_total`` (child areas in the areas table).
    """
    if unit_column not in scores.columns:
        raise InputError(Issue("scores", "is a required column of the scores", column=unit_column))
    keys = list(by) if by is not None else [c for c in ("period", "node", "kind") if c in scores.columns]
    values = (
        list(value_columns)
        if value_columns is not None
        else [c for c in ("score", "missing_share", "imputed_share") if c in scores.columns]
    )
    absent = [c for c in [*keys, *values] if c not in scores.columns]
    if absent or not values:
        names = absent or ["score"]
        raise InputError([Issue("scores", "is a required column of the scores", column=c) for c in names])
    table = _check_areas(areas)
    frame = scores[[unit_column, *keys, *values]].rename(columns={unit_column: "unit"})
    frame["unit"] = frame["unit"].astype(str)
    unknown = frame.loc[~frame["unit"].isin(table.index), "unit"].unique()
    if len(unknown):
        raise InputError(
            [Issue("scores", "is not an area of the areas table", column=unit_column, value=u) for u in unknown[:20]],
            total=len(unknown),
        )
    for column in values:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["admin_level"] = frame["unit"].map(table["admin_level"])
    frame["parent_id"] = frame["unit"].map(table["parent_id"])
    frame["method"] = "observed"
    frame["equal_weights"] = False
    frame["children_scored"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    children_total = table.groupby("parent_id").size()
    parts = [frame]
    current = frame
    weight_on = values[0]
    top = frame["admin_level"].max() if len(frame) else -np.inf
    levels = sorted({float(v) for v in table["admin_level"].unique() if v <= top}, reverse=True)
    for level in levels:  # deepest first, so that rolled-up parents roll up in turn
        children = current[(current["admin_level"] == level) & current["parent_id"].notna()]
        children = children[children[weight_on].notna()]
        if children.empty:
            continue
        _check_parents(children, table, int(level))
        rolled = _weighted(children, table, keys, values, weight_on)
        observed = pd.MultiIndex.from_frame(current[["unit", *keys]]) if keys else pd.Index(current["unit"])
        mine = pd.MultiIndex.from_frame(rolled[["unit", *keys]]) if keys else pd.Index(rolled["unit"])
        rolled = rolled[~mine.isin(observed)]
        rolled["admin_level"] = rolled["unit"].map(table["admin_level"])
        rolled["parent_id"] = rolled["unit"].map(table["parent_id"])
        rolled["method"] = "rollup"
        parts.append(rolled)
        current = pd.concat([current, rolled], ignore_index=True)
    out = pd.concat(parts, ignore_index=True)
    out["children_total"] = out["unit"].map(children_total).fillna(0).astype("Int64")
    out["equal_weights"] = out["equal_weights"].astype(bool)
    columns = [
        "unit",
        *keys,
        "admin_level",
        "parent_id",
        *values,
        "method",
        "equal_weights",
        "children_scored",
        "children_total",
    ]
    return out[columns].rename(columns={"unit": unit_column}).reset_index(drop=True)


def _check_parents(children: pd.DataFrame, table: pd.DataFrame, level: int) -> None:
    """Every parent is in the areas table at a higher (smaller) admin level than its child."""
    parents = children["parent_id"].astype(str)
    missing = children.loc[~parents.isin(table.index), "unit"].unique()
    if len(missing):
        raise InputError(
            [
                Issue("areas", "has a parent_id that is not an area of the areas table", column="parent_id", value=u)
                for u in missing[:20]
            ],
            total=len(missing),
        )
    parent_level = parents.map(table["admin_level"])
    wrong = children.loc[parent_level.to_numpy() >= level, "unit"].unique()
    if len(wrong):
        raise InputError(
            [
                Issue(
                    "areas",
                    f"has a parent at admin level {level} or deeper (parents must be higher up)",
                    column="parent_id",
                    value=u,
                )
                for u in wrong[:20]
            ],
            total=len(wrong),
        )


def _weighted(
    children: pd.DataFrame, table: pd.DataFrame, keys: list[str], values: list[str], weight_on: str
) -> pd.DataFrame:
    """Weighted means of the value columns per (parent, keys); equal weights where a child lacks a population."""
    work = children.copy()
    work["parent"] = work["parent_id"].astype(str)
    groups = ["parent", *keys]
    population = work["unit"].map(table["population"])
    has_population = population.notna()
    all_known = has_population.groupby([work[g] for g in groups]).transform("all").astype(bool)
    weight = population.where(all_known, 1.0).astype(float)
    sums: dict[str, pd.Series] = {}
    grouper = [work[g] for g in groups]
    for column in values:
        present = work[column].notna()
        numerator = (weight * work[column]).where(present).groupby(grouper).sum(min_count=1)
        denominator = weight.where(present).groupby(grouper).sum(min_count=1)
        sums[column] = numerator / denominator
    result = pd.DataFrame(sums)
    result["equal_weights"] = ~all_known.groupby(grouper).all()
    result["children_scored"] = work[weight_on].notna().groupby(grouper).sum().astype("Int64")
    result = result.reset_index().rename(columns={"parent": "unit"})
    return result
