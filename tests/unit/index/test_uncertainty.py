"""Uncertainty (Monte Carlo over the analyst's choices) and Sobol sensitivity of composite-index ranks, on small
synthetic trees."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ruralmig.errors import DataQualityWarning, InputError, NotFittedError
from ruralmig.index import CompositeIndex, aggregate
from ruralmig.index.sensitivity import SobolSensitivity, sobol_indices
from ruralmig.index.uncertainty import (
    ChoiceModel,
    UncertaintyAnalysis,
    aggregate_replications,
    rank_descending,
    rank_quantile,
)

INDICATORS = ["x1", "x2", "x3", "x4"]


def tree() -> dict[str, Any]:
    return {
        "name": "toy",
        "root": "index",
        "nodes": {
            "index": {"scale": 10, "range": [0, 10], "children": ["a", {"name": "b", "weight": 2, "direction": -1}]},
            "a": {"aggregation": "geometric", "children": ["x1", "x2"]},
            "b": {"children": ["x3", {"name": "x4", "direction": -1, "weight": 0.5}]},
        },
        "indicators": {
            "x1": {"normalisation": {"method": "goalposts", "min": 0, "max": 10}},
            "x2": {"transformation": "log", "normalisation": "minmax"},
            "x3": {"direction": -1, "normalisation": "rank"},
            "x4": {"normalisation": "minmax"},
        },
    }


def panel(units: int = 25, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for period in (2019, 2020):
        frame = pd.DataFrame({"unit": [f"u{i:02d}" for i in range(units)], "period": period})
        for name in INDICATORS:
            frame[name] = rng.uniform(0.5, 10.0, units)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data.loc[3, "x2"] = np.nan  # one missing value, skipped by the aggregation
    return data


def run(**settings: Any) -> UncertaintyAnalysis:
    options: dict[str, Any] = {"definition": tree(), "n_replications": 500, "seed": 11, **settings}
    return UncertaintyAnalysis(**options).fit(panel())


# --- the vectorised engine agrees with the existing one ---------------------------------------------------------


@pytest.mark.parametrize("rule", ["arithmetic", "geometric", "harmonic", "reversed_geometric", "max", "min"])
def test_vectorised_aggregation_matches_aggregate_on_each_replication(rule: str) -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.1, 1.0, size=(3, 6, 4))
    scores[0, 1, 2] = np.nan
    scores[1, 2, :] = np.nan
    weights = rng.uniform(0.5, 1.5, size=(3, 1, 4))
    result = aggregate_replications(scores, weights, rule)
    for r in range(3):
        np.testing.assert_allclose(result[r], aggregate(scores[r], weights[r, 0], rule), rtol=1e-12)


def test_nominal_replication_reproduces_composite_index_scores() -> None:
    from ruralmig.index.composite import _to_wide
    from ruralmig.index.definition import IndexDefinition

    definition = IndexDefinition.from_mapping(tree())
    data = panel()
    values, _ = _to_wide(data, definition, "unit")
    model = ChoiceModel.build(definition, values, 2020, ("nominal", "minmax"), ("nominal", "arithmetic"))
    ones = [np.ones((1, n)) for n in model.edge_counts]
    scores = model.root_scores(np.array([0]), np.array([0]), ones)[0]
    expected = CompositeIndex(definition=definition).fit(data).scores_["index"].xs(2020, level="period")
    np.testing.assert_allclose(scores, expected.to_numpy(), rtol=1e-12)


def test_geometric_mean_of_negative_z_scores_is_refused_naming_the_node() -> None:
    with pytest.raises(InputError, match="geometric mean needs child scores") as caught:
        run(normalisations=("zscore",), aggregations=("geometric",))
    assert caught.value.column == "a"


# --- Monte Carlo ranks ---------------------------------------------------------------------------------------------


def test_same_seed_same_result_and_chunking_does_not_matter() -> None:
    first = run(chunk_size=64).to_frame()
    second = run(chunk_size=500).to_frame()
    pd.testing.assert_frame_equal(first, second)
    other = run(seed=12).result_
    assert not np.array_equal(other.mean_rank_shift, run().result_.mean_rank_shift)


def test_seed_is_recorded_even_when_drawn() -> None:
    analysis = run(seed=None)
    assert analysis.seed_ == analysis.result_.seed == analysis.result_.parameters["seed"]
    again = run(seed=analysis.seed_)
    np.testing.assert_array_equal(again.result_.mean_rank_shift, analysis.result_.mean_rank_shift)


def test_rank_intervals_contain_the_nominal_rank() -> None:
    frame = run(normalisations=("nominal",), aggregations=("nominal",), weight_perturbation=0.1).to_frame()
    assert ((frame["rank_q05"] <= frame["nominal_rank"]) & (frame["nominal_rank"] <= frame["rank_q95"])).all()
    assert (frame["rank_q05"] <= frame["median_rank"]).all()
    assert (frame["median_rank"] <= frame["rank_q95"]).all()
    assert (frame["rank_interval_width"] > 0).any()
    assert (frame["score_q05"] <= frame["score_q95"]).all()
    assert (frame["score_q95"] > frame["score_q05"]).any()


def test_zero_perturbation_gives_zero_width_intervals_at_the_nominal_rank() -> None:
    analysis = run(normalisations=("nominal",), aggregations=("nominal",), weight_perturbation=0.0)
    frame = analysis.to_frame()
    assert (frame["rank_interval_width"] == 0).all()
    np.testing.assert_allclose(frame["score_q05"], frame["nominal_score"], rtol=1e-6)  # float32 store
    np.testing.assert_allclose(frame["score_q95"], frame["nominal_score"], rtol=1e-6)
    np.testing.assert_array_equal(frame["median_rank"], frame["nominal_rank"])
    assert (analysis.result_.mean_rank_shift == 0).all()
    assert analysis.result_.summary()["mean_interval_width"] == 0


def test_result_frames_and_period_choice() -> None:
    analysis = run(period=2019, normalisations=("minmax", "rank"), aggregations=("arithmetic", "geometric"))
    frame = analysis.to_frame()
    assert list(frame.columns) == [
        "unit",
        "period",
        "nominal_score",
        "nominal_rank",
        "median_rank",
        "mean_rank",
        "rank_q05",
        "rank_q95",
        "rank_interval_width",
        "score_q05",
        "score_q95",
    ]
    assert len(frame) == 25
    assert (frame["period"] == 2019).all()
    replications = analysis.result_.replications()
    assert len(replications) == 500
    assert set(replications["normalisation"]) == {"minmax", "rank"}
    assert set(replications["aggregation"]) == {"arithmetic", "geometric"}
    assert analysis.result_.rank_counts.sum() == 500 * 25


def test_rank_helpers() -> None:
    np.testing.assert_array_equal(rank_descending(np.array([0.2, 0.9, np.nan, 0.9])), [3.0, 1.0, np.nan, 1.0])
    counts = np.array([[0, 5, 5, 0], [0, 0, 0, 0]], dtype=np.int64)
    np.testing.assert_array_equal(rank_quantile(counts, 0.5), [1.0, np.nan])
    np.testing.assert_array_equal(rank_quantile(counts, 0.95), [2.0, np.nan])


@pytest.mark.parametrize(
    ("settings", "parameter"),
    [
        ({"normalisations": ("minmax", "borda")}, "normalisations"),
        ({"normalisations": "minmax"}, "normalisations"),
        ({"normalisations": ("rank", "rank")}, "normalisations"),
        ({"aggregations": ()}, "aggregations"),
        ({"weight_perturbation": 1.5}, "weight_perturbation"),
        ({"weight_perturbation": -0.1}, "weight_perturbation"),
        ({"n_replications": 0}, "n_replications"),
        ({"n_replications": 2.5}, "n_replications"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"interval": (0.9, 0.1)}, "interval"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"period": 1999}, "period"),
    ],
)
def test_bad_parameters_are_named(settings: dict[str, Any], parameter: str) -> None:
    with pytest.raises(InputError) as caught:
        run(**settings)
    assert caught.value.column == parameter
    assert parameter in str(caught.value)


def test_not_fitted_and_get_params() -> None:
    analysis = UncertaintyAnalysis(definition=tree(), seed=1)
    with pytest.raises(NotFittedError, match="fit"):
        _ = analysis.result_
    assert analysis.get_params()["seed"] == 1


# --- Sobol sensitivity --------------------------------------------------------------------------------------------


def one_factor_data(units: int = 12) -> pd.DataFrame:
    """Evenly spaced values (min-max scores equal rank scores) where arithmetic and geometric means rank apart,
    with no near-ties in either mean."""
    x2 = [1, 2, 5, 8, 0, 4, 7, 9, 11, 6, 10, 3]
    return pd.DataFrame(
        {"unit": [f"u{i:02d}" for i in range(units)], "period": 2020, "x1": np.arange(units, dtype=float)}
        | {"x2": np.array(x2[:units], dtype=float)}
    )


def one_factor_tree() -> dict[str, Any]:
    return {
        "name": "one",
        "root": "index",
        "nodes": {"index": {"children": ["x1", "x2"]}},
        "indicators": {"x1": {"normalisation": "minmax"}, "x2": {"normalisation": "minmax"}},
    }


def test_sobol_indices_when_only_the_aggregation_matters() -> None:
    sensitivity = SobolSensitivity(
        definition=one_factor_tree(),
        normalisations=("minmax", "rank"),  # identical scores on evenly spaced data
        aggregations=("arithmetic", "geometric"),
        weight_perturbation=1e-9,  # varies, but far too little to reorder anyone
        n_base=512,
        seed=4,
    ).fit(one_factor_data())
    result = sensitivity.result_
    assert result.factors == ("normalisation", "aggregation", "weights")
    first = dict(zip(result.factors, result.first_order, strict=True))
    total = dict(zip(result.factors, result.total_order, strict=True))
    assert first["aggregation"] == pytest.approx(1.0, abs=0.1)
    assert total["aggregation"] == pytest.approx(1.0, abs=0.1)
    for factor in ("normalisation", "weights"):
        assert abs(first[factor]) < 0.05
        assert total[factor] == pytest.approx(0.0, abs=1e-12)
    ranks = result.unit_total_order
    assert np.nanmax(np.abs(ranks[[0, 2]])) < 1e-12  # unit ranks move only with the aggregation
    frame = sensitivity.to_frame()
    assert set(frame["target"]) == {"mean_rank_shift", "rank"}
    assert len(frame) == 3 + 3 * 12


def test_vectorised_unit_indices_match_salib() -> None:
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}
    sample = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    outputs = np.column_stack([sample[:, 0] + 0.3 * sample[:, 1] ** 2, np.sin(3 * sample[:, 1])])
    first, total = sobol_indices(outputs, 2)
    for column in range(2):
        found = sobol_analyze.analyze(problem, outputs[:, column], calc_second_order=False, num_resamples=10, seed=1)
        np.testing.assert_allclose(first[:, column], found["S1"], rtol=1e-10)
        np.testing.assert_allclose(total[:, column], found["ST"], rtol=1e-10)


def test_sobol_is_deterministic_with_a_seed() -> None:
    settings: dict[str, Any] = {"definition": tree(), "n_base": 64, "num_resamples": 20, "seed": 9}
    first = SobolSensitivity(**settings).fit(panel()).to_frame()
    second = SobolSensitivity(**settings).fit(panel()).to_frame()
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize(
    ("settings", "parameter"),
    [
        ({"n_base": 100}, "n_base"),
        ({"n_weight_sets": 0}, "n_weight_sets"),
        ({"num_resamples": 0}, "num_resamples"),
        ({"aggregations": ("mean",)}, "aggregations"),
        ({"normalisations": ("nominal",), "aggregations": ("nominal",), "weight_perturbation": 0.0}, "normalisations"),
    ],
)
def test_sobol_bad_parameters_are_named(settings: dict[str, Any], parameter: str) -> None:
    with pytest.raises(InputError) as caught:
        SobolSensitivity(definition=tree(), seed=1, **settings).fit(panel())
    assert caught.value.column == parameter
    assert parameter in str(caught.value)


def test_axis_zero_layout_matches_the_last_axis_layout() -> None:
    rng = np.random.default_rng(1)
    scores = rng.uniform(0.1, 1.0, size=(4, 5, 3))
    scores[2, 1, 0] = np.nan
    weights = rng.uniform(0.5, 1.5, size=(4, 1, 3))
    for rule in ("arithmetic", "geometric", "max"):
        last = aggregate_replications(scores, weights, rule)
        first = aggregate_replications(np.moveaxis(scores, -1, 0), np.moveaxis(weights, -1, 0), rule, axis=0)
        np.testing.assert_allclose(first, last, rtol=1e-13)


def test_z_scores_with_arithmetic_means_and_custom_interval_labels() -> None:
    analysis = run(normalisations=("zscore", "minmax"), aggregations=("arithmetic",), interval=(0.025, 0.975))
    frame = analysis.to_frame()
    assert {"rank_q2.5", "rank_q97.5"} <= set(frame.columns)
    assert frame["median_rank"].between(1, 25).all()


def test_rank_shift_is_zero_exactly_when_the_nominal_choices_are_drawn() -> None:
    analysis = UncertaintyAnalysis(
        definition=one_factor_tree(),
        normalisations=("minmax", "rank"),
        aggregations=("arithmetic", "geometric"),
        weight_perturbation=0.0,
        n_replications=200,
        seed=2,
    ).fit(one_factor_data())
    replications = analysis.result_.replications()
    arithmetic = replications["aggregation"] == "arithmetic"
    assert (replications.loc[arithmetic, "mean_rank_shift"] == 0).all()
    assert (replications.loc[~arithmetic, "mean_rank_shift"] > 0).all()


def test_sobol_records_a_drawn_seed() -> None:
    sensitivity = SobolSensitivity(definition=tree(), n_base=16, num_resamples=10, seed=None).fit(panel())
    assert sensitivity.seed_ == sensitivity.result_.seed == sensitivity.result_.parameters["seed"]
    assert sensitivity.result_.runs == 16 * 5
    with pytest.raises(NotFittedError):
        _ = SobolSensitivity(definition=tree()).result_


@pytest.mark.parametrize("rule", ["arithmetic", "geometric"])
def test_complete_data_shortcut_matches_aggregate(rule: str) -> None:
    rng = np.random.default_rng(5)
    scores = rng.uniform(0.0, 1.0, size=(3, 6, 4))
    scores[0, 0, 1] = 0.0  # a zero child gives a zero geometric mean
    weights = rng.uniform(0.5, 1.5, size=(3, 1, 4))
    result = aggregate_replications(scores, weights, rule)
    for r in range(3):
        np.testing.assert_allclose(result[r], aggregate(scores[r], weights[r, 0], rule), rtol=1e-12)


# --- imputation as an uncertain choice -----------------------------------------------------------------------------


def gappy_panel() -> pd.DataFrame:
    data = panel()
    later = data["period"] == 2020
    data.loc[later & data["unit"].isin(["u01", "u04", "u07", "u09"]), "x1"] = np.nan
    data.loc[later & data["unit"].isin(["u02", "u05"]), "x3"] = np.nan
    return data


def test_imputation_alternatives_are_drawn_and_move_the_ranks_of_units_with_gaps() -> None:
    options: dict[str, Any] = {"definition": tree(), "n_replications": 400, "seed": 5, "weight_perturbation": 0.0}
    fixed = UncertaintyAnalysis(**options, normalisations=("nominal",), aggregations=("nominal",)).fit(gappy_panel())
    varied = UncertaintyAnalysis(
        **options,
        normalisations=("nominal",),
        aggregations=("nominal",),
        imputations=("none", "group_mean", "last_observation"),
    ).fit(gappy_panel())
    drawn = varied.result_.replications()["imputation"].value_counts()
    assert set(drawn.index) == {"none", "group_mean", "last_observation"}
    assert drawn.min() > 100  # equal probabilities over 400 draws
    fixed_width = fixed.result_.rank_high - fixed.result_.rank_low
    varied_width = varied.result_.rank_high - varied.result_.rank_low
    assert np.all(fixed_width == 0)  # nothing varies without the imputation choice
    units = list(varied.result_.units)
    gaps = [units.index(u) for u in ("u01", "u04", "u07", "u09", "u02", "u05")]
    assert (varied_width[gaps] > 0).any()


def test_a_single_imputation_alternative_reproduces_composite_index_with_that_method() -> None:
    definition = tree()
    for name in definition["indicators"]:
        definition["indicators"][name]["impute"] = "group_mean"
    direct = CompositeIndex(definition=definition).fit(gappy_panel()).scores_["index"]
    nominal = direct[direct.index.get_level_values(1) == 2020].to_numpy()
    analysis = UncertaintyAnalysis(
        definition=tree(),
        n_replications=20,
        seed=1,
        weight_perturbation=0.0,
        normalisations=("nominal",),
        aggregations=("nominal",),
        imputations=("group_mean",),
    ).fit(gappy_panel())
    ranks = analysis.result_.median_rank
    np.testing.assert_array_equal(ranks, rank_descending(nominal))


def test_unknown_imputation_choice_is_named() -> None:
    with pytest.raises(InputError, match="imputations"):
        run(imputations=("mice",))


def test_indicators_without_data_can_count_as_missing() -> None:
    data = panel().drop(columns=["x4"])
    with pytest.raises(InputError, match="x4"):
        UncertaintyAnalysis(definition=tree(), n_replications=50, seed=2).fit(data)
    with pytest.warns(DataQualityWarning, match="x4"):
        analysis = UncertaintyAnalysis(definition=tree(), n_replications=50, seed=2, absent="missing").fit(data)
    frame = analysis.to_frame()
    assert frame["nominal_score"].notna().all()
    assert (frame["rank_q05"] <= frame["rank_q95"]).all()


def test_score_intervals_use_only_replications_on_the_nominal_scale() -> None:
    mixed = run(normalisations=("nominal", "rank"), aggregations=("nominal",), weight_perturbation=0.0).to_frame()
    # with the weights fixed, every nominal-scale replication gives the nominal score: rank-normalised ones are ignored
    np.testing.assert_allclose(mixed["score_q05"], mixed["nominal_score"], rtol=1e-6)
    np.testing.assert_allclose(mixed["score_q95"], mixed["nominal_score"], rtol=1e-6)
    other = run(normalisations=("minmax", "rank"), aggregations=("nominal",)).to_frame()
    assert other["score_q05"].isna().all()
    assert other["score_q95"].isna().all()


def test_sobol_treats_the_imputation_method_as_a_factor() -> None:
    sensitivity = SobolSensitivity(
        definition=tree(),
        imputations=("none", "group_mean", "last_observation"),
        normalisations=("nominal",),
        aggregations=("nominal",),
        weight_perturbation=0.0,
        n_base=64,
        num_resamples=20,
        seed=3,
    ).fit(gappy_panel())
    result = sensitivity.result_
    assert result.factors == ("imputation",)
    assert result.total_order[0] > 0  # units with gaps move with the imputation drawn
    assert result.parameters["imputations"] == ("none", "group_mean", "last_observation")
