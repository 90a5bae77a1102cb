"""Survey design and Taylor estimators on tiny hand-computable designs, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_mean, survey_proportion, survey_ratio, survey_total

Y = [3.0, 5.0, 8.0, 1.0, 7.0, 6.0]


def srs(population: float | None = None) -> SurveyDesign:
    weight = (population or 60.0) / len(Y)
    frame = pd.DataFrame({"y": Y, "w": weight, "N": population or 0.0})
    return SurveyDesign.from_frame(frame, weights="w", fpc="N" if population else None)


def clustered() -> pd.DataFrame:
    """Two strata; stratum a has PSUs 1, 2, 3 and stratum b has PSUs 4, 5."""
    return pd.DataFrame(
        {
            "stratum": ["a", "a", "a", "a", "a", "b", "b", "b"],
            "psu": [1, 1, 2, 3, 3, 4, 5, 5],
            "w": [2.0, 2.0, 3.0, 1.0, 1.0, 4.0, 5.0, 5.0],
            "y": [1.0, 2.0, 4.0, 3.0, 5.0, 2.0, 6.0, 7.0],
            "x": [2.0, 2.0, 5.0, 4.0, 5.0, 3.0, 6.0, 9.0],
            "group": ["p", "q", "p", "q", "q", "p", "p", "q"],
        }
    )


def hand_variance(frame: pd.DataFrame, score: pd.Series) -> float:
    """The textbook with-replacement formula, written with plain loops as an independent check."""
    total = 0.0
    for _, stratum in frame.assign(z=score).groupby("stratum"):
        psu_totals = stratum.groupby("psu")["z"].sum().to_numpy()
        count = len(psu_totals)
        total += count / (count - 1) * float(((psu_totals - psu_totals.mean()) ** 2).sum())
    return total


def test_srs_mean_se_is_sd_over_root_n() -> None:
    row = survey_mean(srs(), "y").to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(np.mean(Y), rel=1e-12)
    assert row["se"] == pytest.approx(np.std(Y, ddof=1) / math.sqrt(len(Y)), rel=1e-12)
    assert row["n"] == len(Y)


def test_srs_with_fpc_scales_by_root_one_minus_f_and_deff_is_one() -> None:
    row = survey_mean(srs(population=24.0), "y").to_frame().iloc[0]
    expected = np.std(Y, ddof=1) / math.sqrt(len(Y)) * math.sqrt(1 - len(Y) / 24.0)
    assert row["se"] == pytest.approx(expected, rel=1e-12)
    assert row["deff"] == pytest.approx(1.0, rel=1e-12)
    total = survey_total(srs(population=24.0), "y").to_frame().iloc[0]
    assert total["estimate"] == pytest.approx(24.0 * np.mean(Y), rel=1e-12)
    assert total["se"] == pytest.approx(24.0 * expected, rel=1e-12)


def test_confidence_intervals_normal_by_default_t_on_request() -> None:
    design = SurveyDesign.from_frame(clustered(), weights="w", strata="stratum", psu="psu")
    assert design.degrees_of_freedom == 3
    normal = survey_mean(design, "y").to_frame().iloc[0]
    student = survey_mean(design, "y", interval="t", level=0.9).to_frame().iloc[0]
    z, t = stats.norm.ppf(0.975), stats.t.ppf(0.95, 3)
    assert normal["ci_high"] == pytest.approx(normal["estimate"] + z * normal["se"], rel=1e-12)
    assert student["ci_low"] == pytest.approx(student["estimate"] - t * student["se"], rel=1e-12)


def test_stratified_cluster_mean_total_ratio_match_hand_formula() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    population = frame["w"].sum()
    mean = (frame["w"] * frame["y"]).sum() / population
    row = survey_mean(design, "y").to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(mean, rel=1e-12)
    expected = hand_variance(frame, frame["w"] * (frame["y"] - mean) / population)
    assert row["se"] == pytest.approx(math.sqrt(expected), rel=1e-12)

    total = survey_total(design, "y").to_frame().iloc[0]
    assert total["se"] == pytest.approx(math.sqrt(hand_variance(frame, frame["w"] * frame["y"])), rel=1e-12)

    x_total = (frame["w"] * frame["x"]).sum()
    ratio = (frame["w"] * frame["y"]).sum() / x_total
    out = survey_ratio(design, "y", "x").to_frame().iloc[0]
    assert out["term"] == "y/x"
    assert out["estimate"] == pytest.approx(ratio, rel=1e-12)
    linear = frame["w"] * (frame["y"] - ratio * frame["x"]) / x_total
    assert out["se"] == pytest.approx(math.sqrt(hand_variance(frame, linear)), rel=1e-12)


def test_domain_zeroes_scores_and_keeps_every_psu() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    result = survey_mean(design, "y", by="group").to_frame().set_index("domain")
    inside = frame["group"] == "p"
    population = frame["w"][inside].sum()
    mean = (frame["w"] * frame["y"])[inside].sum() / population
    score = (frame["w"] * (frame["y"] - mean) / population).where(inside, 0.0)
    assert result.loc["p", "estimate"] == pytest.approx(mean, rel=1e-12)
    assert result.loc["p", "se"] == pytest.approx(math.sqrt(hand_variance(frame, score)), rel=1e-12)
    assert result.loc["p", "n"] == int(inside.sum())
    assert math.isnan(result.loc["p", "deff"])


def test_proportions_sum_to_one_with_equal_se() -> None:
    design = SurveyDesign.from_frame(clustered(), weights="w", strata="stratum", psu="psu")
    frame = survey_proportion(design, "group").to_frame()
    assert list(frame["term"]) == ["groupp", "groupq"]
    assert frame["estimate"].sum() == pytest.approx(1.0, rel=1e-12)
    assert frame["se"].iloc[0] == pytest.approx(frame["se"].iloc[1], rel=1e-12)


def test_na_rm_treats_missing_as_outside_the_domain() -> None:
    frame = clustered()
    frame.loc[2, "y"] = np.nan
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    with pytest.raises(InputError) as caught:
        survey_mean(design, "y")
    assert caught.value.column == "y"
    assert caught.value.row == 3
    row = survey_mean(design, "y", na_rm=True).to_frame().iloc[0]
    kept = frame["y"].notna()
    assert row["estimate"] == pytest.approx(np.average(frame["y"][kept], weights=frame["w"][kept]), rel=1e-12)
    assert row["n"] == 7


def test_to_frame_columns_and_summary() -> None:
    result = survey_total(srs(), "y")
    assert list(result.to_frame().columns) == [
        "statistic",
        "domain",
        "term",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "deff",
        "df",
        "n",
    ]
    assert (result.to_frame()["df"] == 5).all()
    assert "Taylor" in result.summary()


@pytest.mark.parametrize(("value", "reason"), [(-1.0, "negative"), (np.nan, "not a finite weight")])
def test_bad_weight_names_row_and_column(value: float, reason: str) -> None:
    frame = clustered()
    frame.loc[4, "w"] = value
    with pytest.raises(InputError, match=reason) as caught:
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    assert caught.value.column == "w"
    assert caught.value.row == 5


def test_psu_in_two_strata_is_an_input_error() -> None:
    frame = clustered()
    frame.loc[5, "psu"] = 3
    with pytest.raises(InputError, match="two strata") as caught:
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    assert caught.value.column == "psu"
    assert caught.value.row == 6


def test_lonely_psu_fails_by_default_and_can_be_removed() -> None:
    frame = clustered()
    frame.loc[[6, 7], "psu"] = 4
    with pytest.raises(InputError, match="single PSU") as caught:
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    assert caught.value.column == "stratum"
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", lonely_psu="remove")
    inside = frame["stratum"] == "a"
    population = frame["w"].sum()
    mean = (frame["w"] * frame["y"]).sum() / population
    score = frame["w"] * (frame["y"] - mean) / population
    expected = hand_variance(frame[inside], score[inside])
    assert survey_mean(design, "y").to_frame().iloc[0]["se"] == pytest.approx(math.sqrt(expected), rel=1e-12)


def test_bad_settings_and_columns() -> None:
    frame = clustered()
    with pytest.raises(ValueError, match="lonely_psu"):
        SurveyDesign.from_frame(frame, weights="w", lonely_psu="sometimes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not in the data"):
        SurveyDesign.from_frame(frame, weights="weight")
    frame["N"] = [10, 10, 10, 12, 12, 20, 20, 20]
    with pytest.raises(InputError, match="constant") as caught:
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc="N")
    assert caught.value.column == "N"
    frame["N"] = 2
    with pytest.raises(InputError, match="smaller than"):
        SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc="N")
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    with pytest.raises(InputError, match="not a number"):
        survey_mean(design, "group")


def test_lonely_psu_certainty_and_adjust() -> None:
    frame = clustered()
    frame.loc[[6, 7], "psu"] = 4
    se = {
        option: survey_mean(
            SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", lonely_psu=option), "y"
        )
        .to_frame()
        .iloc[0]["se"]
        for option in ("remove", "certainty", "adjust")
    }
    assert se["certainty"] == se["remove"]
    population = frame["w"].sum()
    score = frame["w"] * (frame["y"] - (frame["w"] * frame["y"]).sum() / population) / population
    totals = frame.assign(z=score).groupby("psu")["z"].sum()
    lonely = totals.loc[4] - totals.mean()  # the lonely PSU is centred on the mean of all PSU totals
    inside = frame["stratum"] == "a"
    expected = hand_variance(frame[inside], score[inside]) + lonely**2
    assert se["adjust"] == pytest.approx(math.sqrt(expected), rel=1e-12)


def test_two_stage_adds_within_psu_variance() -> None:
    frame = pd.DataFrame(
        {
            "psu": [1, 1, 1, 2, 2, 3, 3, 3],
            "ssu": [1, 2, 3, 1, 2, 1, 2, 3],
            "N1": 10,
            "N2": [6, 6, 6, 4, 4, 3, 3, 3],
            "y": [1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 2.0, 7.0],
        }
    )
    frame["w"] = 10 / 3 * frame["N2"] / frame.groupby("psu")["ssu"].transform("size")
    one = SurveyDesign.from_frame(frame, weights="w", psu="psu", fpc="N1")
    two = SurveyDesign.from_frame(frame, weights="w", psu="psu", fpc="N1", ssu="ssu", ssu_fpc="N2")
    score = frame["w"] * frame["y"]
    within = 0.0
    for _, group in score.groupby(frame["psu"]):
        count, size = len(group), frame.loc[group.index, "N2"].iloc[0]
        within += (1 - count / size) * count / (count - 1) * float(((group - group.mean()) ** 2).sum())
    first = survey_total(one, "y").to_frame().iloc[0]["se"] ** 2
    second = survey_total(two, "y").to_frame().iloc[0]["se"] ** 2
    assert second == pytest.approx(first + 3 / 10 * within, rel=1e-12)
    with pytest.raises(ValueError, match="second stage"):
        SurveyDesign.from_frame(frame, weights="w", psu="psu", ssu="ssu", ssu_fpc="N2")


def test_second_stage_fpc_must_be_constant_within_psu() -> None:
    frame = pd.DataFrame({"psu": [1, 1, 2, 2], "ssu": [1, 2, 1, 2], "N1": 5, "N2": [4, 5, 4, 4], "w": 1.0, "y": 1.0})
    with pytest.raises(InputError, match="varies within PSU 1") as caught:
        SurveyDesign.from_frame(frame, weights="w", psu="psu", fpc="N1", ssu="ssu", ssu_fpc="N2")
    assert caught.value.column == "N2"


def test_post_stratified_counts_are_exact_with_zero_se() -> None:
    frame = clustered()
    frame["in_p"] = (frame["group"] == "p").astype(float)
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    calibrated = design.post_stratify("group", {"p": 40.0, "q": 60.0})
    assert calibrated.weight_total == pytest.approx(100.0, rel=1e-12)
    row = survey_total(calibrated, "in_p").to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(40.0, rel=1e-12)
    assert row["se"] == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(survey_mean(calibrated, "y").to_frame().iloc[0]["deff"])
    with pytest.raises(InputError, match="no population total") as caught:
        design.post_stratify("group", {"p": 40.0})
    assert caught.value.column == "group"


def test_linear_calibration_reproduces_the_totals_with_zero_se() -> None:
    frame = clustered()
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    auxiliary = pd.DataFrame({"one": 1.0, "x": frame["x"]})
    calibrated = design.calibrate_linear(auxiliary, {"one": 30.0, "x": 150.0})
    row = survey_total(calibrated, "x").to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(150.0, rel=1e-12)
    assert row["se"] == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(InputError, match="not an auxiliary column"):
        design.calibrate_linear(auxiliary, {"two": 1.0})
