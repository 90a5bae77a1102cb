"""Replicate-weight designs on small synthetic designs: generated JK1/JKn/BRR/Fay/bootstrap weights against the
Taylor variance they reproduce exactly for totals, the vectorised estimators against a replicate-by-replicate loop,
and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import DataQualityWarning, InputError
from ruralmig.survey import (
    ReplicateDesign,
    SurveyDesign,
    replicate_design,
    survey_mean,
    survey_proportion,
    survey_ratio,
    survey_total,
)
from ruralmig.survey.replicates import matrix_rank, sylvester_hadamard


def sample(strata: int = 4, psus: int = 2, records: int = 3, seed: int = 7) -> pd.DataFrame:
    """A stratified two-level sample: ``psus`` PSUs per stratum, ``records`` records per PSU, varied weights."""
    rng = np.random.default_rng(seed)
    n = strata * psus * records
    stratum = np.repeat(np.arange(strata), psus * records)
    psu = np.repeat(np.arange(strata * psus), records)
    return pd.DataFrame(
        {
            "stratum": [f"s{s}" for s in stratum],
            "psu": psu,
            "w": rng.uniform(5.0, 15.0, n),
            "y": rng.normal(10.0, 3.0, n) + stratum,
            "x": rng.uniform(1.0, 4.0, n),
            "group": rng.choice(["a", "b"], n),
            "fpc": 40.0,
        }
    )


def taylor_total(design: SurveyDesign, variable: str = "y") -> pd.Series:
    return survey_total(design, variable).to_frame().iloc[0]


def test_jk1_total_variance_equals_taylor_and_scale_includes_fpc() -> None:
    frame = sample(strata=1, psus=6)
    for fpc in (None, "fpc"):
        design = SurveyDesign.from_frame(frame, weights="w", psu="psu", fpc=fpc)
        jackknife = design.to_replicate("JK1")
        assert jackknife.replicate_count == 6
        assert jackknife.scale == pytest.approx(5 / 6 * (1 - (6 / 40 if fpc else 0.0)), rel=1e-14)
        assert jackknife.degrees_of_freedom == 5
        ours = survey_total(jackknife, "y").to_frame().iloc[0]
        assert ours["se"] == pytest.approx(taylor_total(design)["se"], rel=1e-12)


def test_jkn_total_variance_equals_taylor_with_and_without_fpc() -> None:
    frame = sample(strata=3, psus=3)
    for fpc in (None, "fpc"):
        design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc=fpc)
        jackknife = replicate_design(design, "JKn")
        assert jackknife.replicate_count == 9
        expected_rscale = 2 / 3 * (1 - (3 / 40 if fpc else 0.0))
        np.testing.assert_allclose(jackknife.rscales, expected_rscale, rtol=1e-14)
        assert survey_total(jackknife, "y").to_frame().iloc[0]["se"] == pytest.approx(
            taylor_total(design)["se"], rel=1e-12
        )
        # R's degf: rank of the weights minus one; the strata add linear dependencies
        assert jackknife.degrees_of_freedom == 9 - 3


@pytest.mark.parametrize(("kind", "rho"), [("BRR", 0.0), ("Fay", 0.5), ("Fay", 0.3)])
def test_balanced_half_samples_reproduce_the_taylor_variance_of_totals(kind: str, rho: float) -> None:
    frame = sample(strata=5, psus=2)
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    half = design.to_replicate(kind, rho=rho)  # type: ignore[arg-type]
    assert half.replicate_count == 8  # smallest power of two above 5 strata + 1
    assert half.scale == pytest.approx(1 / (8 * (1 - rho) ** 2), rel=1e-14)
    factors = half.replicate_weights / half.weights[:, None]
    assert set(np.round(np.unique(factors), 12)) == {round(rho, 12), round(2 - rho, 12)}
    assert survey_total(half, "y").to_frame().iloc[0]["se"] == pytest.approx(taylor_total(design)["se"], rel=1e-12)
    # the mean is not linear: close to, not equal to, the Taylor value
    mean = survey_mean(half, "y").to_frame().iloc[0]["se"]
    assert mean == pytest.approx(survey_mean(design, "y").to_frame().iloc[0]["se"], rel=0.05)


def test_brr_needs_two_psus_per_stratum() -> None:
    design = SurveyDesign.from_frame(sample(strata=2, psus=3), weights="w", strata="stratum", psu="psu")
    with pytest.raises(ValueError, match="exactly two PSUs per stratum"):
        design.to_replicate("BRR")


def test_hadamard_rows_are_orthogonal() -> None:
    matrix = sylvester_hadamard(5)
    assert matrix.shape == (8, 8)
    np.testing.assert_array_equal(matrix @ matrix.T, 8 * np.eye(8))


def test_bootstrap_is_seeded_and_close_to_taylor_with_many_replicates() -> None:
    frame = sample(strata=4, psus=5, records=2)
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    first = design.to_replicate("bootstrap", replicates=4000, seed=11)
    again = design.to_replicate("bootstrap", replicates=4000, seed=11)
    np.testing.assert_array_equal(first.replicate_weights, again.replicate_weights)
    assert first.scale == pytest.approx(1 / 3999)
    factors = first.replicate_weights / first.weights[:, None]
    assert factors.mean() == pytest.approx(1.0, abs=0.01)
    # Rao-Wu: n_h - 1 draws, each PSU weighted n_h / (n_h - 1) per draw
    assert set(np.round(np.unique(factors), 12)) <= {round(5 / 4 * k, 12) for k in range(5)}
    taylor = taylor_total(design)["se"]
    assert survey_total(first, "y").to_frame().iloc[0]["se"] == pytest.approx(taylor, rel=0.05)
    other = design.to_replicate("bootstrap", replicates=50, seed=12)
    assert not np.array_equal(other.replicate_weights[:, :50], first.replicate_weights[:, :50])


def test_bootstrap_with_fpc_shrinks_the_variance() -> None:
    frame = sample(strata=3, psus=6, records=2).assign(fpc=12.0)
    plain = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")
    finite = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu", fpc="fpc")
    se_plain = survey_total(plain.to_replicate("bootstrap", replicates=3000, seed=1), "y").to_frame()["se"].iloc[0]
    se_fpc = survey_total(finite.to_replicate("bootstrap", replicates=3000, seed=1), "y").to_frame()["se"].iloc[0]
    assert se_fpc / se_plain == pytest.approx(np.sqrt(1 - 6 / 12), rel=0.03)


def domain_value(statistic: str, part: pd.DataFrame, weights: np.ndarray) -> float:
    w = weights[part.index.to_numpy()]
    if statistic == "mean":
        return float((w * part["y"]).sum() / w.sum())
    if statistic == "total":
        return float((w * part["y"]).sum())
    return float((w * part["y"]).sum() / (w * part["x"]).sum())


def loop_replicates(design: ReplicateDesign, statistic: str, frame: pd.DataFrame, by: str) -> dict[str, float]:
    """Replicate SEs computed one replicate and one domain at a time, as an independent check."""
    result = {}
    for level, part in frame.groupby(by):
        full = domain_value(statistic, part, design.weights)
        replicates = np.array(
            [domain_value(statistic, part, design.replicate_weights[:, r]) for r in range(design.replicate_count)]
        )
        centre = full if design.mse else replicates.mean()
        result[str(level)] = float(np.sqrt(design.scale * np.sum(design.rscales * (replicates - centre) ** 2)))
    return result


@pytest.mark.parametrize("mse", [False, True])
def test_vectorised_domain_estimates_match_a_loop_over_replicates(mse: bool) -> None:
    frame = sample(strata=3, psus=4)
    design = SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu").to_replicate("JKn", mse=mse)
    for statistic, run in [
        ("mean", lambda: survey_mean(design, "y", by="group")),
        ("total", lambda: survey_total(design, "y", by="group")),
        ("ratio", lambda: survey_ratio(design, "y", "x", by="group")),
    ]:
        ours = run().to_frame().set_index("domain")["se"]
        expected = loop_replicates(design, statistic, frame, "group")
        for level, se in expected.items():
            assert ours[level] == pytest.approx(se, rel=1e-12), (statistic, level)


def test_user_supplied_weights_combined_or_factors_give_the_same_design() -> None:
    frame = sample(strata=1, psus=5)
    generated = SurveyDesign.from_frame(frame, weights="w", psu="psu").to_replicate("JK1")
    names = [f"rep{r}" for r in range(generated.replicate_count)]
    combined = pd.concat([frame, pd.DataFrame(generated.replicate_weights, columns=names)], axis=1)
    given = ReplicateDesign.from_frame(combined, weights="w", replicate_weights=names, kind="JK1")
    assert given.scale == pytest.approx(4 / 5)
    assert given.degrees_of_freedom == matrix_rank(generated.replicate_weights) - 1 == 4
    factors = generated.replicate_weights / generated.weights[:, None]
    from_factors = ReplicateDesign.from_frame(frame, weights="w", replicate_weights=factors, kind="JK1", combined=False)
    np.testing.assert_allclose(from_factors.replicate_weights, given.replicate_weights, rtol=1e-14)
    se = survey_mean(given, "y").to_frame()["se"].iloc[0]
    assert se == pytest.approx(survey_mean(generated, "y").to_frame()["se"].iloc[0], rel=1e-14)
    proportion = survey_proportion(given, "group").to_frame()
    assert proportion["estimate"].sum() == pytest.approx(1.0)
    assert proportion["se"].iloc[0] == pytest.approx(proportion["se"].iloc[1], rel=1e-10)


def test_default_scales_follow_r() -> None:
    frame = sample(strata=1, psus=4)
    factors = np.ones((len(frame), 10))
    factors[:, ::2] = 2.0
    factors[:, 1::2] = 0.5

    def scale(kind: str, **extra: object) -> float:
        made = ReplicateDesign.from_frame(
            frame,
            weights="w",
            replicate_weights=factors,
            kind=kind,
            combined=False,
            **extra,  # type: ignore[arg-type]
        )
        return made.scale

    assert scale("BRR") == pytest.approx(1 / 10)
    assert scale("Fay", rho=0.5) == pytest.approx(1 / (10 * 0.25))
    assert scale("bootstrap") == pytest.approx(1 / 9)
    assert scale("successive-difference") == pytest.approx(4 / 10)
    assert scale("other") == 1.0
    with pytest.raises(ValueError, match="rscales"):
        scale("JKn")
    with pytest.raises(ValueError, match="rho"):
        scale("Fay")


def test_replicate_weights_of_the_wrong_shape_or_values_are_named() -> None:
    frame = sample(strata=1, psus=4)
    with pytest.raises(InputError, match="wrong shape") as shape:
        ReplicateDesign.from_frame(frame, weights="w", replicate_weights=np.ones((len(frame) - 1, 4)))
    assert shape.value.column == "replicate_weights"
    with pytest.raises(InputError, match="not in the data") as missing:
        ReplicateDesign.from_frame(frame, weights="w", replicate_weights=["w", "nope"])
    assert missing.value.column == "nope"
    bad = frame.assign(r1=frame["w"], r2=frame["w"])
    bad.loc[3, "r2"] = -1.0
    with pytest.raises(InputError, match="non-negative replicate weight") as negative:
        ReplicateDesign.from_frame(bad, weights="w", replicate_weights=["r1", "r2"])
    assert (negative.value.row, negative.value.column) == (4, "r2")
    with pytest.raises(InputError, match="one per replicate") as scales:
        ReplicateDesign.from_frame(frame, weights="w", replicate_weights=np.ones((len(frame), 3)), rscales=[1.0, 1.0])
    assert scales.value.column == "rscales"


def test_domain_variable_must_exist_for_replicate_designs() -> None:
    design = SurveyDesign.from_frame(sample(strata=1, psus=4), weights="w", psu="psu").to_replicate("JK1")
    with pytest.raises(InputError, match="domain column is not in the data") as error:
        survey_mean(design, "y", by="region")
    assert error.value.column == "region"


def test_a_domain_missing_from_a_replicate_is_dropped_with_a_warning_as_r() -> None:
    frame = sample(strata=1, psus=5)
    frame["group"] = np.where(frame["psu"] == 0, "only-first-psu", "rest")
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu").to_replicate("JK1")
    with pytest.warns(DataQualityWarning, match="left out of the variance"):
        table = survey_mean(design, "y", by="group").to_frame().set_index("domain")
    assert np.isfinite(table.loc["only-first-psu", "se"])


def test_post_stratified_replicates_each_reach_the_population_counts() -> None:
    frame = sample(strata=1, psus=6)
    design = SurveyDesign.from_frame(frame, weights="w", psu="psu").to_replicate("JK1")
    counts = {"a": 300.0, "b": 500.0}
    calibrated = design.post_stratify("group", counts)
    for level, total in counts.items():
        rows = (frame["group"] == level).to_numpy()
        np.testing.assert_allclose(calibrated.replicate_weights[rows].sum(axis=0), total, rtol=1e-12)
        assert calibrated.weights[rows].sum() == pytest.approx(total)
    assert calibrated.calibration == "post-stratified on group"
    row = survey_total(calibrated, "y").to_frame().iloc[0]
    assert np.isnan(row["deff"])
    assert row["df"] == calibrated.degrees_of_freedom
