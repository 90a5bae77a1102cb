"""The rural migration and remittance indicator catalogue (``catalogue.yml``) computed on a survey design.

:func:`compute_catalogue` estimates every indicator for the whole population and for each breakdown (rural/urban,
sex of head, region) as domains of the full design (records outside a universe or a cell are zeroed, never
dropped), then applies the disclosure policy. The result is a tidy frame with the columns of the
``survey_results`` table (plus ``label`` and ``note``). Indicators whose variables are absent from the survey are
reported with ``flag = "unavailable"`` and the reason in ``note``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ruralmig.errors import InputError, Issue
from ruralmig.survey.design import SurveyDesign
from ruralmig.survey.disclosure import DisclosurePolicy, release
from ruralmig.survey.quantiles import survey_quantile
from ruralmig.survey.taylor import survey_mean, survey_ratio

__all__ = ["RESULT_COLUMNS", "Breakdown", "Catalogue", "Indicator", "compute_catalogue", "load_catalogue"]

RESULT_COLUMNS = [
    "survey_id",
    "indicator",
    "statistic",
    "domain",
    "domain_value",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "n",
    "cv",
    "unit",
    "flag",
]
STATISTICS = ("proportion", "mean", "ratio", "median")
_CELL = "__catalogue_cell"
_OUTSIDE = "__outside__"


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, how it is estimated and on which records."""

    id: str
    label: str
    definition: str
    statistic: str
    numerator: str
    unit: str
    denominator: str | None = None
    universe: str | None = None
    level: str = "household"
    skip_breakdowns: tuple[str, ...] = ()

    def variables(self) -> list[str]:
        """Variables the indicator needs from the data."""
        names = [self.numerator] + ([self.denominator] if self.statistic == "ratio" and self.denominator else [])
        return names + ([self.universe] if self.universe else [])


@dataclass(frozen=True)
class Breakdown:
    """A domain variable, with labels for its codes (e.g. 1 -> rural)."""

    name: str
    variable: str
    labels: dict[str, str] = field(default_factory=dict)

    def cells(self, data: pd.DataFrame) -> pd.Series:
        """The label of every record's cell; missing values form the cell 'unknown'."""
        values = data[self.variable]
        text = values.map(lambda value: self.labels.get(str(value), str(value)))
        return text.where(values.notna(), "unknown").astype(str)


@dataclass(frozen=True)
class Catalogue:
    """Indicators and breakdowns, as read from a catalogue YAML file."""

    indicators: tuple[Indicator, ...]
    breakdowns: dict[str, Breakdown]

    def ids(self) -> list[str]:
        """Indicator identifiers in catalogue order."""
        return [indicator.id for indicator in self.indicators]


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The bundled catalogue, or one from a YAML file of the same layout."""
    if path is None:
        text = resources.files("ruralmig.survey").joinpath("catalogue.yml").read_text(encoding="utf-8")
        source = "catalogue.yml"
    else:
        text, source = Path(path).read_text(encoding="utf-8"), str(path)
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("indicators"), list):
        raise InputError(Issue(file=source, column="indicators", reason="a catalogue needs a list of indicators"))
    indicators = []
    for position, entry in enumerate(loaded["indicators"]):
        try:
            indicator = Indicator(**{**entry, "skip_breakdowns": tuple(entry.get("skip_breakdowns", ()))})
        except TypeError as error:
            raise InputError(Issue(file=source, row=position + 1, column="indicators", reason=str(error))) from None
        if indicator.statistic not in STATISTICS:
            raise InputError(
                Issue(
                    file=source,
                    row=position + 1,
                    column="statistic",
                    value=indicator.statistic,
                    reason=f"is not one of {', '.join(STATISTICS)}",
                )
            )
        if indicator.statistic == "ratio" and not indicator.denominator:
            raise InputError(Issue(file=source, row=position + 1, column="denominator", reason="a ratio needs one"))
        indicators.append(indicator)
    identifiers = [indicator.id for indicator in indicators]
    duplicated = {name for name in identifiers if identifiers.count(name) > 1}
    if duplicated:
        raise InputError(Issue(file=source, column="id", value=sorted(duplicated)[0], reason="is used twice"))
    breakdowns = {
        name: Breakdown(
            name=name,
            variable=str(spec["variable"]),
            labels={str(k): str(v) for k, v in spec.get("labels", {}).items()},
        )
        for name, spec in (loaded.get("breakdowns") or {}).items()
    }
    return Catalogue(tuple(indicators), breakdowns)


def _estimate(design: SurveyDesign, indicator: Indicator, by: str | None) -> pd.DataFrame:
    """The estimator of the indicator on the design, by the cell column when given."""
    if indicator.statistic == "ratio":
        result = survey_ratio(design, indicator.numerator, str(indicator.denominator), by=by, na_rm=True)
    elif indicator.statistic == "median":
        result = survey_quantile(design, indicator.numerator, (0.5,), by=by, na_rm=True)
    else:
        result = survey_mean(design, indicator.numerator, by=by, na_rm=True)
    return result.to_frame()


def _unavailable(indicator: Indicator, domain: str, note: str) -> dict[str, Any]:
    return {
        "indicator": indicator.id,
        "label": indicator.label,
        "statistic": _statistic_name(indicator),
        "domain": domain,
        "domain_value": "all",
        "n": 0,
        "unit": indicator.unit,
        "flag": "unavailable",
        "note": note,
    }


def _statistic_name(indicator: Indicator) -> str:
    return "quantile" if indicator.statistic == "median" else indicator.statistic


def _missing_variables(design: SurveyDesign | None, names: Sequence[str]) -> list[str]:
    if design is None:
        return list(names)
    data = design.data
    return [name for name in names if name not in data.columns or not data[name].notna().any()]


def _indicator_rows(design: SurveyDesign, indicator: Indicator, breakdown: Breakdown | None) -> pd.DataFrame:
    """Estimates of one indicator for one breakdown (None = the whole population), universe as a domain."""
    data = design.data
    inside = pd.Series(True, index=data.index)
    if indicator.universe:
        inside = pd.to_numeric(data[indicator.universe], errors="coerce").fillna(0).astype(float) == 1.0
    cells = breakdown.cells(data) if breakdown is not None else pd.Series("all", index=data.index)
    if breakdown is None and not indicator.universe:
        table = _estimate(design, indicator, None)
        table["domain_value"] = "all"
    else:
        column = cells.where(inside, _OUTSIDE)
        table = _estimate(replace(design, data=data.assign(**{_CELL: column.to_numpy()})), indicator, _CELL)
        table = table[table["domain"] != _OUTSIDE].rename(columns={"domain": "domain_value"})
    table["domain"] = breakdown.name if breakdown is not None else "all"
    table["indicator"] = indicator.id
    table["label"] = indicator.label
    table["statistic"] = _statistic_name(indicator)
    table["unit"] = indicator.unit
    table["note"] = None
    return table.drop(columns=["term"])


def compute_catalogue(
    design: SurveyDesign,
    catalogue: Catalogue | None = None,
    breakdowns: Sequence[str] | None = None,
    policy: DisclosurePolicy | None = None,
    *,
    survey_id: str = "survey",
    person_design: SurveyDesign | None = None,
) -> pd.DataFrame:
    """Every indicator of the catalogue, overall and by each breakdown, with disclosure control applied.

    ``design`` is the household design; ``person_design`` (optional) serves the person-level indicators.
    ``breakdowns`` names the catalogue breakdowns to use (default: all of them); a requested breakdown whose
    variable is absent gives 'unavailable' rows, like an indicator whose variables are absent.
    """
    chosen = catalogue or load_catalogue()
    names = list(chosen.breakdowns) if breakdowns is None else list(breakdowns)
    unknown = [name for name in names if name not in chosen.breakdowns]
    if unknown:
        raise InputError(
            Issue(
                file="catalogue", column=unknown[0], reason=f"is not a breakdown; choose from {list(chosen.breakdowns)}"
            )
        )
    available: list[pd.DataFrame] = []
    unavailable: list[dict[str, Any]] = []
    for indicator in chosen.indicators:
        target = person_design if indicator.level == "person" else design
        missing = _missing_variables(target, indicator.variables())
        if target is None:
            unavailable.append(_unavailable(indicator, "all", "needs a person-level design (persons table)"))
            continue
        if missing:
            unavailable.append(
                _unavailable(indicator, "all", f"variables absent from the survey: {', '.join(missing)}")
            )
            continue
        available.append(_indicator_rows(target, indicator, None))
        for name in names:
            if name in indicator.skip_breakdowns:
                continue
            breakdown = chosen.breakdowns[name]
            if _missing_variables(target, [breakdown.variable]):
                unavailable.append(_unavailable(indicator, name, f"breakdown variable {breakdown.variable} is absent"))
                continue
            available.append(_indicator_rows(target, indicator, breakdown))
    columns = [*RESULT_COLUMNS, "label", "note"]
    frames = []
    if available:
        released = release(pd.concat(available, ignore_index=True), policy or DisclosurePolicy())
        frames.append(released)
    if unavailable:
        frames.append(pd.DataFrame(unavailable))
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    result["survey_id"] = survey_id
    for column in columns:
        if column not in result.columns:
            result[column] = np.nan
    order = {identifier: position for position, identifier in enumerate(chosen.ids())}
    result["_order"] = result["indicator"].map(order)
    result = result.sort_values(["_order", "domain", "domain_value"], kind="stable").drop(columns="_order")
    result["n"] = result["n"].astype(np.int64)
    return result[columns].reset_index(drop=True)
