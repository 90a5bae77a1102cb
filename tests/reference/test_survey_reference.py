"""Taylor estimators against R ``survey`` 4.1.1 on the API samples (shared/data/survey, see its README.md).

Every row of r_survey_reference_api.csv whose design is a Taylor design we build (one stage, ultimate cluster, two
stages without replacement, post-stratified, linear calibration; not yet raking) and whose
case is a mean, total, ratio or proportion (overall, by domain, via ``subset`` or with ``na.rm``) is rebuilt from
r_survey_designs_api.csv and the data, and compared on estimate, SE, the normal CI and deff (when R gives one) to
1e-8 relative. The other rows are listed as skipped with their reason; the covered count is asserted so that
coverage cannot shrink silently.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ruralmig.survey import SurveyDesign, survey_mean, survey_proportion, survey_ratio, survey_total

FOLDER = Path(__file__).resolve().parents[3] / "shared" / "data" / "survey"
RTOL = 1e-8
ATOL = 1e-12
EXPECTED_COVERED = 123

pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(not FOLDER.is_dir(), reason=f"R survey reference data not found at {FOLDER}"),
]

# design name -> (dataset, (column, value) the data are subset to before declaring, SurveyDesign.from_frame args)
DESIGNS: dict[str, tuple[str, tuple[str, str] | None, dict[str, Any]]] = {
    "apistrat_fpc": ("apistrat", None, {"weights": "pw", "strata": "stype", "fpc": "fpc"}),
    "apistrat_nofpc": ("apistrat", None, {"weights": "pw", "strata": "stype"}),
    "apiclus1_fpc": ("apiclus1", None, {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
    "apiclus1_nofpc": ("apiclus1", None, {"weights": "pw", "psu": "dnum"}),
    # two stages without replacement; R derives the weights from the fpcs, which equal pw here
    "apiclus2_fpc": (
        "apiclus2",
        None,
        {"weights": "pw", "psu": "dnum", "fpc": "fpc1", "ssu": "snum", "ssu_fpc": "fpc2"},
    ),
    # postStratify(apiclus1_fpc, ~stype, xtabs(~stype, apipop))
    "apiclus1_poststrat": ("apiclus1", None, {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
    # calibrate(apiclus1_fpc, ~stype+api99, c(`(Intercept)`=6194, stypeH=755, stypeM=1018, api99=3914069))
    "apiclus1_linear": ("apiclus1", None, {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
    # id=~dnum+snum without fpc: with replacement, so only the first stage enters the variance
    "apiclus2_wr": ("apiclus2", None, {"weights": "pw", "psu": "dnum"}),
    # the negative control: data subset before the design is declared (wrong on purpose, reproduced as R has it)
    "apiclus1_naiveH": ("apiclus1", ("stype", "H"), {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
}
POST_STRATA = {"apiclus1_poststrat": "stype"}
CASES = {
    "mean",
    "total",
    "ratio",
    "prop",
    "dom_mean",
    "dom_total",
    "dom_ratio",
    "dom_prop",
    "subset_mean",
    "naive_subset_data_mean",
    "mean_na",
    "total_na",
    "dom_total_na",
}


def _reference() -> pd.DataFrame:
    if not FOLDER.is_dir():
        return pd.DataFrame(columns=["case", "design", "variance", "call", "term"])
    return pd.read_csv(FOLDER / "r_survey_reference_api.csv", keep_default_na=False, na_values=[""])


REFERENCE = _reference()


def skip_reason(row: pd.Series) -> str | None:
    """Why a reference row is not covered yet, or None when it is."""
    if row["design"] not in DESIGNS:
        return f"design {row['design']} ({row['variance']}) not supported yet"
    if row["case"] not in CASES:
        return f"case {row['case']} not supported yet"
    return None


COVERED = [row for _, row in REFERENCE.iterrows() if skip_reason(row) is None]
SKIPPED = [row for _, row in REFERENCE.iterrows() if skip_reason(row) is not None]


@functools.cache
def design(name: str) -> SurveyDesign:
    dataset, subset, arguments = DESIGNS[name]
    data = pd.read_csv(FOLDER / "r_survey_api" / f"{dataset}.csv")
    if subset is not None:
        data = data[data[subset[0]] == subset[1]]
    survey = SurveyDesign.from_frame(data, source=f"{dataset}.csv", **arguments)
    if name in POST_STRATA:
        column = POST_STRATA[name]
        population = pd.read_csv(FOLDER / "r_survey_api" / "apipop.csv")[column].value_counts()
        survey = survey.post_stratify(column, population.to_dict())
    if name == "apiclus1_linear":
        auxiliary = pd.DataFrame(
            {
                "(Intercept)": 1.0,
                "stypeH": (data["stype"] == "H").astype(float),
                "stypeM": (data["stype"] == "M").astype(float),
                "api99": data["api99"].astype(float),
            }
        )
        totals = {"(Intercept)": 6194.0, "stypeH": 755.0, "stypeM": 1018.0, "api99": 3914069.0}
        survey = survey.calibrate_linear(auxiliary.reset_index(drop=True), totals)
    return survey


@functools.cache
def estimates(design_name: str, case: str, call: str) -> dict[str, pd.Series]:
    """Run the estimator behind one R call; rows keyed like the reference `term` column."""
    survey = design(design_name)
    na_rm = "na.rm=TRUE" in call
    subset = re.search(r"subset\(\w+, ([\w.]+)=='(\w+)'\)", call)
    if call.startswith("svyby("):
        found = re.match(r"svyby\(~([\w.]+), (?:by=)?~([\w.]+)", call)
        if found is None:
            raise ValueError(call)
        variable, by = found.groups()
    else:
        found = re.match(r"svy(?:mean|total|ratio)\(~([\w.+]+)", call)
        if found is None:
            raise ValueError(call)
        variable, by = found.group(1), (subset.group(1) if subset else None)
    variables = variable.split("+")
    if case in ("prop", "dom_prop"):
        result = survey_proportion(survey, variable, by=by, na_rm=na_rm)
    elif "svyratio" in call:
        named = re.search(r"denominator=~([\w.]+)", call)
        bottom = named.group(1) if named else re.findall(r"~([\w.]+)", call)[1]
        result = survey_ratio(survey, variables, [bottom], by=by, na_rm=na_rm)
    elif "svytotal" in call:
        result = survey_total(survey, variables, by=by, na_rm=na_rm)
    else:
        result = survey_mean(survey, variables, by=by, na_rm=na_rm)
    frame = result.to_frame()
    keyed: dict[str, pd.Series] = {}
    for _, out in frame.iterrows():
        if subset is not None:
            if out["domain"] == subset.group(2):
                keyed[out["term"]] = out
        elif by is None:
            keyed[out["term"]] = out
        elif case == "dom_prop":
            keyed[f"{out['domain']}:{out['term']}"] = out
        else:
            keyed[out["domain"]] = out
    return keyed


def relative_difference(actual: float, expected: float) -> float:
    if math.isnan(expected):
        return 0.0 if math.isnan(actual) else math.inf
    if actual == expected:
        return 0.0
    return abs(actual - expected) / max(abs(expected), ATOL)


def compare(row: pd.Series) -> dict[str, float]:
    """Relative differences on estimate, se, ci_low, ci_high and (when R has one) deff."""
    ours = estimates(row["design"], row["case"], row["call"])[row["term"]]
    fields = ["estimate", "se", "ci_low", "ci_high"] + (["deff"] if not pd.isna(row["deff"]) else [])
    return {name: relative_difference(float(ours[name]), float(row[name])) for name in fields}


@pytest.mark.parametrize("row", COVERED, ids=[f"{row['case']}-{row['design']}-{row['term']}" for row in COVERED])
def test_reference_row(row: pd.Series) -> None:
    differences = compare(row)
    for name, difference in differences.items():
        assert difference <= RTOL, f"{row['call']} [{row['term']}] {name}: relative difference {difference:.3g}"


def test_design_summaries_match_r() -> None:
    designs = pd.read_csv(FOLDER / "r_survey_designs_api.csv").set_index("design")
    for name in DESIGNS:
        expected = designs.loc[name]
        survey = design(name)
        assert survey.record_count == expected["n"]
        assert survey.degrees_of_freedom == expected["degf"]
        assert survey.stratum_count == expected["n_strata"]
        assert survey.psu_count == expected["n_psu"]
        assert math.isclose(survey.weight_total, expected["sum_weights"], rel_tol=1e-12)


def test_coverage_is_recorded_and_does_not_shrink(capsys: pytest.CaptureFixture[str]) -> None:
    worst = 0.0
    for row in COVERED:
        worst = max(worst, *compare(row).values())
    lines = [f"covered {len(COVERED)} of {len(REFERENCE)} reference rows; max relative difference {worst:.3g}"]
    covered = pd.DataFrame(COVERED).groupby(["case", "design"]).size()
    lines += [f"  covered {case:<24} {name:<22} {count} rows" for (case, name), count in covered.items()]
    skipped = pd.DataFrame(SKIPPED).assign(reason=[skip_reason(row) for row in SKIPPED])
    for (case, name, reason), count in skipped.groupby(["case", "design", "reason"]).size().items():
        lines.append(f"  skipped {case:<24} {name:<22} {count} rows: {reason}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(COVERED) == EXPECTED_COVERED
    assert worst <= RTOL
