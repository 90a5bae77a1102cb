"""Run a harmonisation recipe (YAML): a raw survey's files -> the canonical ``households`` and ``persons`` frames.

The frames are flat: the canonical columns of the model (survey_id, household_id, weight, stratum, psu, rural, ...)
followed by one column per attribute. Loading them into a workspace puts the attributes in the JSON column
``attributes`` (the tables accept extra columns). Files are read with pandas (CSV, Parquet, Stata ``.dta``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ruralmig.errors import InputError, Issue

__all__ = ["BUNDLED_RECIPES", "HarmonisedSurvey", "harmonise", "load_recipe"]

BUNDLED_RECIPES = ("gseps_w1",)
HOUSEHOLD_COLUMNS = ("survey_id", "household_id", "area_id", "weight", "stratum", "psu", "fpc", "rural")
PERSON_COLUMNS = ("survey_id", "household_id", "person_id", "weight", "sex", "age", "is_migrant")


@dataclass(frozen=True)
class HarmonisedSurvey:
    """The canonical tables of one survey, with its design declaration and citation."""

    survey_id: str
    title: str
    citation: str
    design: dict[str, Any]
    households: pd.DataFrame
    persons: pd.DataFrame | None


def load_recipe(recipe: str | Path) -> dict[str, Any]:
    """A recipe from a YAML file, or a bundled one by name (``gseps_w1``)."""
    if isinstance(recipe, str) and recipe in BUNDLED_RECIPES:
        text = resources.files("ruralmig.survey.harmonise").joinpath(f"{recipe}.yml").read_text(encoding="utf-8")
        source = f"{recipe}.yml"
    else:
        path = Path(recipe)
        if not path.is_file():
            raise InputError(Issue(file=str(recipe), reason=f"is neither a recipe file nor one of {BUNDLED_RECIPES}"))
        text, source = path.read_text(encoding="utf-8"), path.name
    loaded = yaml.safe_load(text)
    for key in ("survey_id", "design", "households"):
        if not isinstance(loaded, dict) or key not in loaded:
            raise InputError(Issue(file=source, column=key, reason="is required in a harmonisation recipe"))
    result: dict[str, Any] = loaded
    return result


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise InputError(Issue(file=str(path), reason="is named in the recipe but does not exist"))
    if path.suffix == ".dta":
        return pd.read_stata(path, convert_categoricals=False)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def _column(frame: pd.DataFrame, spec: str | dict[str, Any], file: str) -> pd.Series:
    """A source column, with its codes relabelled when the spec gives labels."""
    name = spec if isinstance(spec, str) else str(spec["column"])
    if name not in frame.columns:
        raise InputError(Issue(file=file, column=name, reason="is named in the recipe but not in the file"))
    values = frame[name]
    if isinstance(spec, dict) and "labels" in spec:
        labels = {float(code): str(label) for code, label in spec["labels"].items()}
        mapped = pd.to_numeric(values, errors="coerce").map(labels)
        unknown = values.notna() & mapped.isna()
        if unknown.any():
            position = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(
                Issue(
                    file=file, row=position + 1, column=name, value=str(values.iloc[position]), reason="has no label"
                ),
                total=int(unknown.sum()),
            )
        return mapped
    return values


def _identifier(frame: pd.DataFrame, keys: list[str] | str, file: str) -> pd.Series:
    columns = [keys] if isinstance(keys, str) else list(keys)
    missing = [key for key in columns if key not in frame.columns]
    if missing:
        raise InputError(Issue(file=file, column=missing[0], reason="is an identifier key missing from the file"))
    parts = [frame[key].astype("Int64").astype(str) for key in columns]
    identifier = parts[0]
    for part in parts[1:]:
        identifier = identifier + "-" + part
    return identifier


def _aggregate(folder: Path, spec: dict[str, Any]) -> pd.Series:
    """Household sums of ``value`` over the rows of a file that satisfy ``where`` (missing numbers count as 0)."""
    frame = _read(folder, spec["file"])
    numeric = frame.select_dtypes("number").fillna(0)
    numeric["value"] = numeric.eval(spec["value"])
    if spec.get("where"):
        numeric = numeric.query(spec["where"])
    identifier = _identifier(numeric, spec["keys"], spec["file"])
    return numeric["value"].groupby(identifier).sum()


def _households(recipe: dict[str, Any], folder: Path) -> pd.DataFrame:
    spec = recipe["households"]
    raw = _read(folder, spec["file"])
    frame = pd.DataFrame(
        {"survey_id": recipe["survey_id"], "household_id": _identifier(raw, spec["household_id"], spec["file"])}
    )
    for canonical, source in spec.get("columns", {}).items():
        frame[canonical] = _column(raw, source, spec["file"])
    for column in HOUSEHOLD_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    for name in ("stratum", "psu"):
        frame[name] = frame[name].astype("Int64").astype(str).where(frame[name].notna())
    frame["rural"] = frame["rural"].astype("boolean")
    for attribute, source in spec.get("attributes", {}).items():
        frame[attribute] = _column(raw, source, spec["file"]).to_numpy()
    for aggregate in spec.get("aggregates", []):
        sums = _aggregate(folder, aggregate)
        frame[aggregate["name"]] = frame["household_id"].map(sums).fillna(0.0).to_numpy()
    duplicated = frame["household_id"].duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise InputError(
            Issue(file=spec["file"], row=position + 1, column="household_id", reason="identifies two households")
        )
    return frame


def _persons(recipe: dict[str, Any], folder: Path, households: pd.DataFrame) -> pd.DataFrame:
    spec = recipe["persons"]
    raw = _read(folder, spec["file"])
    household_ids = _identifier(raw, spec["household_id"], spec["file"])
    if spec.get("match_on"):
        # Link members to households on keys that are unique on their own (the full keys can disagree).
        household_spec = recipe["households"]
        household_raw = _read(folder, household_spec["file"])
        lookup = pd.Series(
            _identifier(household_raw, household_spec["household_id"], household_spec["file"]).to_numpy(),
            index=_identifier(household_raw, spec["match_on"], household_spec["file"]).to_numpy(),
        )
        household_ids = _identifier(raw, spec["match_on"], spec["file"]).map(lookup)
    unmatched = household_ids.isna() | ~household_ids.isin(households["household_id"])
    if unmatched.any():
        position = int(np.flatnonzero(unmatched.to_numpy())[0])
        raise InputError(
            Issue(file=spec["file"], row=position + 1, column="household_id", reason="matches no household"),
            total=int(unmatched.sum()),
        )
    frame = pd.DataFrame(
        {
            "survey_id": recipe["survey_id"],
            "household_id": household_ids.to_numpy(),
            "person_id": _identifier(raw, spec["person_id"], spec["file"]).to_numpy(),
        }
    )
    for canonical, source in spec.get("columns", {}).items():
        frame[canonical] = _column(raw, source, spec["file"]).to_numpy()
    inherited = households.set_index("household_id")[list(spec.get("inherit", []))]
    frame = frame.join(inherited, on="household_id")
    for flag, flag_spec in spec.get("flags", {}).items():
        other = _read(folder, flag_spec["file"])
        if flag_spec.get("where"):
            other = other.query(flag_spec["where"])
        marked = set(_identifier(other, flag_spec["right"], flag_spec["file"]))
        frame[flag] = _identifier(raw, flag_spec["left"], spec["file"]).isin(marked).astype(float).to_numpy()
    if spec.get("is_migrant"):
        frame["is_migrant"] = frame[spec["is_migrant"]].astype(bool)
    ordered = [c for c in PERSON_COLUMNS if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]


def harmonise(recipe: str | Path | dict[str, Any], source: str | Path) -> HarmonisedSurvey:
    """Apply a recipe to the survey files in the folder ``source``."""
    loaded = recipe if isinstance(recipe, dict) else load_recipe(recipe)
    folder = Path(source)
    if not folder.is_dir():
        raise InputError(Issue(file=str(folder), reason="is not a folder with the survey files"))
    households = _households(loaded, folder)
    persons = _persons(loaded, folder, households) if loaded.get("persons") else None
    return HarmonisedSurvey(
        survey_id=str(loaded["survey_id"]),
        title=str(loaded.get("title", loaded["survey_id"])),
        citation=str(loaded.get("citation", "")),
        design=dict(loaded["design"]),
        households=households,
        persons=persons,
    )
