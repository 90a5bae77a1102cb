"""Quantiles with Woodruff intervals and svyciprop-style proportion intervals on small synthetic designs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_ciprop, survey_mean, survey_quantile
from ruralmig.survey.ciprop import fmm_spline, proportion_interval
from ruralmig.survey.quantiles import quantile_rule


def clustered(seed: int = 5, psus: int = 12, records: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = psus * records
    effect = np.repeat(rng.normal(0.0, 1.0, psus), records)
    return pd.DataFrame(
        {
            "psu": np.repeat(np.arange(psus), records),
            "w": rng.uniform(5.0, 20.0, n),
            "y": np.round(rng.normal(100.0, 15.0, n) + 5 * effect, 1),
            "event": (rng.random(n) < special.expit(1.0 + effect)).astype(int),
            "zone": rng.choice(["north", "south"], n),
        }
    )


def test_math_rule_is_the_smallest_value_reaching_p() -> None:
    values = np.array([3.0, 1.0, 4.0, 2.0])
    weights = np.ones(4)
    assert quantile_rule(values, weights, 0.5) == 2.0  # cumulative share reaches 0.5 exactly at 2
    assert quantile_rule(values, weights, 0.51) == 3.0
    assert quantile_rule(values, weights, 0.0) == 2.0  # R's qrule_math: below the first share it takes the next value
    assert quantile_rule(values, weights, 1.0) == 4.0
    assert quantile_rule(values, np.array([1.0, 1.0, 6.0, 1.0]), 0.5) == 4.0
    assert quantile_rule(values, np.array([0.0, 1.0, 1.0, 1.0]), 0.3) == 2.0  # zero weights are dropped


def test_hf7_with_equal_weights_is_the_usual_linear_quantile() -> None:
    values = np.random.default_rng(1).normal(size=37)
    for p in (0.1, 0.25, 0.5, 0.9):
        assert quantile_rule(values, np.ones(37), p, "hf7") == pytest.approx(np.quantile(values, p), rel=1e-12)


def test_woodruff_interval_inverts_the_cdf_interval() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    table = survey_quantile(design, "y", [0.25, 0.5], rule="math").to_frame().set_index("term")
    median = table.loc["y.0.5"]
    below = (frame["y"] <= median["estimate"]).astype(float)
    mean = survey_mean(
        SurveyDesign.from_frame(frame.assign(below=below), weights="w", psu="psu"), "below", interval="t"
    ).to_frame()
    t = stats.t.ppf(0.975, design.degrees_of_freedom)
    low_p = mean["estimate"].iloc[0] - t * mean["se"].iloc[0]
    high_p = mean["estimate"].iloc[0] + t * mean["se"].iloc[0]
    values, weights = frame["y"].to_numpy(), frame["w"].to_numpy()
    assert median["ci_low"] == quantile_rule(values, weights, low_p)
    assert median["ci_high"] == quantile_rule(values, weights, high_p)
    assert median["se"] == pytest.approx((median["ci_high"] - median["ci_low"]) / (2 * t), rel=1e-14)
    assert median["ci_low"] <= median["estimate"] <= median["ci_high"]
    assert median["df"] == design.degrees_of_freedom


def test_quantiles_by_domain_use_the_domain_records_and_the_whole_design() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    table = survey_quantile(design, "y", [0.5], by="zone", rule="hf7").to_frame().set_index("domain")
    for zone, part in frame.groupby("zone"):
        expected = quantile_rule(part["y"].to_numpy(), part["w"].to_numpy(), 0.5, "hf7")
        assert table.loc[zone, "estimate"] == pytest.approx(expected, rel=1e-14)
        assert table.loc[zone, "n"] == len(part)
    replicate = survey_quantile(design.to_replicate("JK1"), "y", [0.5], by="zone").to_frame()
    assert np.all(replicate["se"] > 0)


def test_quantile_input_errors() -> None:
    design = SurveyDesign.from_frame(clustered(), weights="w", psu="psu")
    with pytest.raises(InputError, match=r"must lie in \[0, 1\]"):
        survey_quantile(design, "y", [1.5])
    with pytest.raises(InputError, match="not in the data"):
        survey_quantile(design, "income", [0.5])
    with pytest.raises(ValueError, match="rule must be"):
        survey_quantile(design, "y", [0.5], rule="hf9")  # type: ignore[arg-type]


def test_mean_xlogit_and_logit_intervals() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    mean = survey_mean(design, "event").to_frame().iloc[0]
    p, se = mean["estimate"], mean["se"]
    t = stats.t.ppf(0.975, design.degrees_of_freedom)
    plain = survey_ciprop(design, "event", method="mean").to_frame().iloc[0]
    assert (plain["ci_low"], plain["ci_high"]) == pytest.approx((p - t * se, p + t * se), rel=1e-12)
    assert plain["se"] == pytest.approx(se, rel=1e-12)
    xlogit = survey_ciprop(design, "event", method="xlogit").to_frame().iloc[0]
    centre, half = math.log(p / (1 - p)), t * se / (p * (1 - p))
    assert xlogit["ci_low"] == pytest.approx(special.expit(centre - half), rel=1e-12)
    logit = survey_ciprop(design, "event", method="logit").to_frame().iloc[0]
    assert logit["estimate"] == pytest.approx(p, rel=1e-9)
    assert (logit["ci_low"], logit["ci_high"]) == pytest.approx((xlogit["ci_low"], xlogit["ci_high"]), rel=1e-7)


def test_beta_interval_is_clopper_pearson_on_the_effective_size() -> None:
    p, variance, df, records = 0.3, 0.3 * 0.7 / 50, 49, 50
    low, high = proportion_interval(p, variance, "beta", df, records, 0.95)
    assert low == pytest.approx(stats.beta.ppf(0.025, 15, 36), rel=1e-10)
    assert high == pytest.approx(stats.beta.ppf(0.975, 16, 35), rel=1e-10)
    wilson_low, wilson_high = proportion_interval(p, variance, "wilson", math.inf, records, 0.95)
    z = stats.norm.ppf(0.975)
    centre = (p + z * z / 100) / (1 + z * z / 50)
    assert (wilson_low + wilson_high) / 2 == pytest.approx(centre, rel=1e-12)
    asin_low, _ = proportion_interval(p, variance, "asin", df, records, 0.95)
    assert 0 < asin_low < p


def test_likelihood_interval_is_close_to_the_logit_one_and_holds_p() -> None:
    design = SurveyDesign.from_frame(clustered(psus=20), weights="w", psu="psu")
    likelihood = survey_ciprop(design, "event", method="likelihood").to_frame().iloc[0]
    logit = survey_ciprop(design, "event", method="logit").to_frame().iloc[0]
    assert likelihood["ci_low"] < likelihood["estimate"] < likelihood["ci_high"]
    assert likelihood["ci_low"] == pytest.approx(logit["ci_low"], rel=0.02)
    assert likelihood["ci_high"] == pytest.approx(logit["ci_high"], rel=0.02)


def test_fmm_spline_reproduces_cubics_exactly() -> None:
    x = np.array([0.0, 0.4, 1.1, 1.5, 2.6, 3.0])
    y = 1.0 - 2.0 * x + 0.5 * x**2 + 0.3 * x**3
    grid, values = fmm_spline(x, y, 18)
    np.testing.assert_allclose(grid, np.linspace(0.0, 3.0, 18))
    np.testing.assert_allclose(values, 1.0 - 2.0 * grid + 0.5 * grid**2 + 0.3 * grid**3, rtol=1e-12, atol=1e-12)


def test_ciprop_by_domain_success_level_and_bad_input() -> None:
    frame = clustered().assign(label=lambda f: np.where(f["event"] == 1, "yes", "no"))
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu")
    by_level = survey_ciprop(design, "label", success="yes", by="zone", method="mean").to_frame()
    by_number = survey_ciprop(design, "event", by="zone", method="mean").to_frame()
    np.testing.assert_allclose(by_level["estimate"], by_number["estimate"], rtol=1e-14)
    assert list(by_level["domain"]) == ["north", "south"]
    assert by_level["term"].iloc[0] == "label==yes"
    with pytest.raises(InputError, match="is not 0 or 1") as error:
        survey_ciprop(design, "y")
    assert error.value.column == "y"
    with pytest.raises(ValueError, match="method must be"):
        survey_ciprop(design, "event", method="exact")  # type: ignore[arg-type]
