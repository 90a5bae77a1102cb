"""Raking (iterative proportional fitting) and calibration residuals on small synthetic designs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import ConvergenceWarning, InputError
from ruralmig.survey import SurveyDesign, survey_mean, survey_total
from ruralmig.survey.calibration import Raking


def sample(seed: int = 3, psus: int = 8, records: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = psus * records
    return pd.DataFrame(
        {
            "psu": np.repeat(np.arange(psus), records),
            "w": rng.uniform(8.0, 12.0, n),
            "sex": rng.choice(["f", "m"], n),
            "zone": rng.choice(["rural", "urban", "peri"], n, p=[0.5, 0.3, 0.2]),
            "y": rng.normal(50.0, 10.0, n),
        }
    )


SEX = {"f": 260.0, "m": 240.0}
ZONE = {"rural": 250.0, "urban": 150.0, "peri": 100.0}


def test_raking_reaches_every_margin() -> None:
    frame = sample()
    raked = SurveyDesign.from_frame(frame, weights="w", psu="psu").rake({"sex": SEX, "zone": ZONE}, epsilon=1e-9)
    for column, totals in (("sex", SEX), ("zone", ZONE)):
        sums = pd.Series(raked.weights).groupby(frame[column]).sum()
        for level, total in totals.items():
            assert sums[level] == pytest.approx(total, rel=1e-9)
    assert isinstance(raked.calibration, Raking)


def test_raking_on_one_margin_is_post_stratification() -> None:
    frame = sample()
    frame["w"] = frame["zone"].map({"rural": 9.0, "urban": 11.0, "peri": 10.0})  # constant within the margin
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    raked = design.rake({"zone": ZONE})
    post = design.post_stratify("zone", ZONE)
    np.testing.assert_allclose(raked.weights, post.weights, rtol=1e-14)
    raked_row = survey_mean(raked, "y").to_frame().iloc[0]
    post_row = survey_mean(post, "y").to_frame().iloc[0]
    assert raked_row["estimate"] == pytest.approx(post_row["estimate"], rel=1e-14)
    assert raked_row["se"] == pytest.approx(post_row["se"], rel=1e-10)


def test_raked_population_size_and_margin_counts_have_no_variance() -> None:
    frame = sample().assign(one=1.0, female=lambda f: (f["sex"] == "f").astype(float))
    raked = SurveyDesign.from_frame(frame, weights="w", psu="psu").rake({"sex": SEX, "zone": ZONE}, epsilon=1e-10)
    table = survey_total(raked, ["one", "female", "y"]).to_frame().set_index("term")
    assert table.loc["one", "estimate"] == pytest.approx(500.0)
    assert table.loc["one", "se"] < 1e-6 * 500
    assert table.loc["female", "se"] < 1e-6 * 260
    assert table.loc["y", "se"] > 1.0


def test_margins_that_disagree_or_do_not_converge_warn_or_raise() -> None:
    design = SurveyDesign.from_frame(sample(), weights="w", psu="psu")
    disagree = {"sex": SEX, "zone": {"rural": 300.0, "urban": 150.0, "peri": 100.0}}  # 500 vs 550
    with pytest.warns(ConvergenceWarning, match="disagree on the population total"):
        design.rake(disagree)
    with pytest.raises(InputError, match="cannot all be reached") as error:
        design.rake(disagree, on_failure="error")
    assert error.value.column == "zone"
    with pytest.warns(ConvergenceWarning, match="did not converge after 1 sweeps"):
        design.rake({"sex": SEX, "zone": ZONE}, epsilon=1e-12, max_iterations=1)
    with pytest.raises(InputError, match="did not converge"):
        design.rake({"sex": SEX, "zone": ZONE}, epsilon=1e-12, max_iterations=1, on_failure="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        design.rake({"sex": SEX, "zone": ZONE})  # consistent margins: no warning


def test_unreachable_or_missing_levels_are_named() -> None:
    design = SurveyDesign.from_frame(sample(), weights="w", psu="psu")
    with pytest.raises(InputError, match="no record in the sample") as unreachable:
        design.rake({"sex": {**SEX, "x": 10.0}})
    assert (unreachable.value.column, unreachable.value.issues[0].value) == ("sex", "x")
    with pytest.raises(InputError, match="has no population total") as missing:
        design.rake({"zone": {"rural": 250.0, "urban": 250.0}})
    assert missing.value.column == "zone"
    with pytest.raises(InputError, match="not in the data"):
        design.rake({"region": {"a": 1.0}})
    with pytest.raises(ValueError, match="already calibrated"):
        design.rake({"sex": SEX}).rake({"zone": ZONE})


def test_replicate_raking_calibrates_every_replicate() -> None:
    frame = sample()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu").to_replicate("JK1")
    raked = design.rake({"sex": SEX, "zone": ZONE}, epsilon=1e-10, max_iterations=50)
    rows = (frame["zone"] == "urban").to_numpy()
    np.testing.assert_allclose(raked.replicate_weights[rows].sum(axis=0), 150.0, rtol=1e-8)
    assert raked.calibration == "raked on sex, zone"
    assert raked.degrees_of_freedom == 7


def test_post_stratification_residuals_use_weighted_means_as_r() -> None:
    """R 4.1: residual x - w * sum_g(x) / sum_g(w); the post-stratified total of w itself has zero variance."""
    frame = sample().assign(one=1.0)
    post = SurveyDesign.from_frame(frame, weights="w", psu="psu").post_stratify("zone", ZONE)
    assert survey_total(post, "one").to_frame()["se"].iloc[0] < 1e-9


def dummies(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "(Intercept)": 1.0,
            "sexm": (frame["sex"] == "m").astype(float),
            "zoneperi": (frame["zone"] == "peri").astype(float),
            "zoneurban": (frame["zone"] == "urban").astype(float),
        }
    )


def test_calibrate_with_the_raking_function_equals_converged_raking() -> None:
    frame = sample()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    totals = {"(Intercept)": 500.0, "sexm": 240.0, "zoneperi": 100.0, "zoneurban": 150.0}
    calibrated = design.calibrate(dummies(frame), totals, calfun="raking")
    raked = design.rake({"sex": SEX, "zone": ZONE}, epsilon=1e-12, max_iterations=500)
    np.testing.assert_allclose(calibrated.weights, raked.weights, rtol=1e-6)
    assert (calibrated.weights / design.weights).min() > 0  # multiplicative: never negative, unlike linear
    linear = design.calibrate(dummies(frame), totals)
    np.testing.assert_allclose(dummies(frame).T @ linear.weights, list(totals.values()), rtol=1e-10)


def test_calibration_targets_that_cannot_be_reached_are_named() -> None:
    frame = sample()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    impossible = {"(Intercept)": 500.0, "sexm": 600.0, "zoneperi": 100.0, "zoneurban": 150.0}  # more men than people
    with pytest.raises(InputError, match="did not reach its total") as error:
        design.calibrate(dummies(frame), impossible, calfun="raking")
    assert error.value.column in impossible
    with pytest.raises(InputError, match="not an auxiliary column"):
        design.calibrate(dummies(frame), {"sexf": 1.0})
