"""COINr-compatible steps on small hand-checked tables: skew/kurtosis, Winsorisation, log_CT, denomination,
screening, group imputation, normalisation, tree aggregation, Copeland and weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ruralmig.errors import InputError
from ruralmig.index.coinr import (
    CoinrTree,
    aggregate_tree,
    check_skew_kurt,
    copeland,
    correlation_with_parent,
    denominate,
    effective_weights,
    impute_group,
    kurtosis,
    log_ct,
    normalise_frame,
    pca_weights,
    screen_units,
    skewness,
    treat,
    winsorise,
)

OUTLIERS = pd.Series([*range(1, 11), 30.0, 100.0], dtype=float, name="x")  # COINr's own winsorise example
LONG_TAIL = pd.Series([*range(1, 41), *[1000.0 * k for k in range(1, 9)]], dtype=float, name="tail")


def test_skewness_and_kurtosis_are_the_unbiased_sample_statistics() -> None:
    assert skewness(OUTLIERS) == pytest.approx(stats.skew(OUTLIERS, bias=False), rel=1e-12)
    assert kurtosis(OUTLIERS) == pytest.approx(stats.kurtosis(OUTLIERS, bias=False), rel=1e-12)
    assert skewness(pd.Series([1.0, 2.0, np.nan, 9.0])) == pytest.approx(stats.skew([1, 2, 9], bias=False))


def test_skew_kurt_check_passes_on_either_criterion() -> None:
    result = check_skew_kurt(OUTLIERS)
    assert not result.passed
    assert result.skew > 2
    assert result.kurt > 3.5
    assert check_skew_kurt(OUTLIERS, skew_thresh=4.0).passed
    assert check_skew_kurt(OUTLIERS, kurt_thresh=10.0).passed


def test_too_few_values_name_the_indicator() -> None:
    with pytest.raises(InputError, match="Flights"):
        kurtosis(pd.Series([1.0, 2.0, 3.0]), name="Flights")
    with pytest.raises(InputError, match="no variation"):
        skewness(pd.Series([2.0, 2.0, 2.0, 2.0]), name="Flat")


def test_winsorise_replaces_the_high_extreme_by_the_next_value() -> None:
    treated, nwin = winsorise(OUTLIERS)
    assert treated.tolist() == [*range(1, 11), 30.0, 30.0]
    assert nwin == 1


def test_winsorise_counts_tied_points_as_they_grow() -> None:
    values = pd.Series([*range(1, 41), *[1000.0 * k for k in range(1, 9)]], dtype=float)
    treated, nwin = winsorise(values, winmax=3)
    # 8000 → 7000 (1 point), then both 7000 → 6000 (2 points): 2 < 3 so a third step takes all three to 5000.
    assert nwin == 3
    assert treated.tolist()[-4:] == [5000.0, 5000.0, 5000.0, 5000.0]


def test_winsorise_on_the_low_side_when_skew_is_negative() -> None:
    treated, nwin = winsorise(-OUTLIERS)
    assert treated.tolist() == [-v for v in [*range(1, 11), 30.0, 30.0]]
    assert nwin == 1


def test_winsorise_keeps_missing_values() -> None:
    values = pd.concat([OUTLIERS, pd.Series([np.nan])], ignore_index=True)
    treated, nwin = winsorise(values)
    assert nwin == 1
    assert np.isnan(treated.iloc[-1])
    assert treated.iloc[11] == 30.0


def test_log_ct_formula() -> None:
    values = pd.Series([2.0, 4.0, 12.0])
    assert log_ct(values).tolist() == pytest.approx([math.log(0.1), math.log(2.1), math.log(10.1)])


def test_treat_leaves_passing_columns_and_winsorises_failing_ones() -> None:
    data = pd.DataFrame({"x": OUTLIERS, "even": np.arange(12.0)})
    treated, details = treat(data)
    assert treated["even"].tolist() == list(np.arange(12.0))
    assert treated["x"].iloc[-1] == 30.0
    assert bool(details.loc["even", "check_SkewKurt0.Pass"])
    assert np.isnan(details.loc["even", "winsorise.nwin"])
    assert details.loc["x", "winsorise.nwin"] == 1
    assert bool(details.loc["x", "check_SkewKurt1.Pass"])


def test_treat_falls_back_to_log_ct_of_the_original_values() -> None:
    treated, details = treat(LONG_TAIL.to_frame(), winmax=2)
    assert details.loc["tail", "winsorise.nwin"] == 2
    assert not details.loc["tail", "check_SkewKurt1.Pass"]
    assert bool(details.loc["tail", "check_SkewKurt2.Pass"])
    np.testing.assert_allclose(treated["tail"], log_ct(LONG_TAIL), rtol=1e-15)
    combined, _ = treat(LONG_TAIL.to_frame(), winmax=2, combine=True)
    np.testing.assert_allclose(combined["tail"], log_ct(winsorise(LONG_TAIL, winmax=2)[0]), rtol=1e-15)


def test_treat_skips_named_columns() -> None:
    treated, details = treat(pd.DataFrame({"x": OUTLIERS}), skip=["x"])
    assert treated["x"].tolist() == OUTLIERS.tolist()
    assert details.empty


def test_denominate_divides_by_the_named_denominator() -> None:
    data = pd.DataFrame({"gdp_trade": [10.0, 30.0], "score": [1.0, 2.0]}, index=["A", "B"])
    denominators = pd.DataFrame({"GDP": [2.0, 3.0]}, index=["B", "A"])
    result = denominate(data, denominators, {"gdp_trade": "GDP"}, scale=100.0)
    assert result["gdp_trade"].tolist() == [10.0 / 3.0 * 100, 30.0 / 2.0 * 100]
    assert result["score"].tolist() == [1.0, 2.0]


def test_denominate_names_unknown_denominators_and_indicators() -> None:
    data = pd.DataFrame({"a": [1.0]}, index=["A"])
    with pytest.raises(InputError, match="column a: 'Area' is not a denominator column"):
        denominate(data, pd.DataFrame({"GDP": [1.0]}, index=["A"]), {"a": "Area"})
    with pytest.raises(InputError, match="column b"):
        denominate(data, pd.DataFrame({"GDP": [1.0]}, index=["A"]), {"b": "GDP"})


def test_screen_units_by_availability_and_non_zero_share() -> None:
    data = pd.DataFrame(
        {"a": [1.0, np.nan, 0.0, 1.0], "b": [1.0, np.nan, 0.0, 2.0], "c": [1.0, 1.0, 0.0, np.nan]},
        index=list("WXYZ"),
    )
    kept, summary = screen_units(data, dat_thresh=0.6)
    assert list(kept.index) == ["W", "Y", "Z"]
    assert summary.loc["X", "Dat_Avail"] == pytest.approx(1 / 3)
    kept, _ = screen_units(data, dat_thresh=0.6, nonzero_thresh=0.5, force_include=["X"], force_exclude=["Z"])
    assert list(kept.index) == ["W", "X"]


def test_group_mean_and_median_imputation() -> None:
    data = pd.DataFrame({"a": [1.0, 3.0, np.nan, 10.0, np.nan, 20.0, 60.0]}, index=list("ABCDEFG"))
    groups = pd.Series(list("EEEAAAA"), index=list("ABCDEFG"))
    assert impute_group(data, groups)["a"].tolist() == [1.0, 3.0, 2.0, 10.0, 30.0, 20.0, 60.0]
    assert impute_group(data, groups, statistic="median")["a"].iloc[4] == 20.0
    with pytest.raises(InputError, match="statistic"):
        impute_group(data, groups, statistic="mode")  # type: ignore[arg-type]


def test_group_imputation_leaves_gaps_without_a_group_value() -> None:
    data = pd.DataFrame({"a": [np.nan, np.nan, 1.0]}, index=list("ABC"))
    groups = pd.Series(["x", "x", "y"], index=list("ABC"))
    assert impute_group(data, groups)["a"].isna().tolist() == [True, True, False]


VALUES = pd.DataFrame({"up": [1.0, 3.0, 2.0, 2.0], "down": [10.0, 30.0, np.nan, 20.0]}, index=list("ABCD"))
DIRECTIONS = {"up": 1, "down": -1}


def test_minmax_normalisation_with_directions() -> None:
    result = normalise_frame(VALUES, DIRECTIONS, bounds=(1.0, 100.0))
    assert result["up"].tolist() == pytest.approx([1.0, 100.0, 50.5, 50.5])
    assert result["down"].tolist()[:2] == pytest.approx([100.0, 1.0])
    assert np.isnan(result.loc["C", "down"])


def test_zscore_with_target_mean_and_sd() -> None:
    result = normalise_frame(VALUES, DIRECTIONS, method="zscore", bounds=(10.0, 2.0))
    assert result["up"].mean() == pytest.approx(10.0)
    assert result["up"].std() == pytest.approx(2.0)
    assert result.loc["A", "down"] > result.loc["B", "down"]


def test_rank_based_normalisations_use_min_ranks() -> None:
    assert normalise_frame(VALUES, DIRECTIONS, method="rank")["up"].tolist() == [1.0, 4.0, 2.0, 2.0]
    assert normalise_frame(VALUES, DIRECTIONS, method="borda")["up"].tolist() == [0.0, 3.0, 1.0, 1.0]
    prank = normalise_frame(VALUES, DIRECTIONS, method="prank")
    assert prank["up"].tolist() == pytest.approx([0.0, 1.0, 1 / 3, 1 / 3])
    assert prank["down"].tolist()[:2] == [1.0, 0.0]
    assert prank.loc["D", "down"] == 0.5


def test_normalisation_errors_name_the_column() -> None:
    with pytest.raises(InputError, match="column down: has no direction"):
        normalise_frame(VALUES, {"up": 1})
    with pytest.raises(InputError, match="column up: '2' must be 1 or -1"):
        normalise_frame(VALUES, {"up": 2, "down": 1})
    with pytest.raises(InputError, match="column flat: has no variation"):
        normalise_frame(pd.DataFrame({"flat": [1.0, 1.0]}), {"flat": 1})
    with pytest.raises(InputError, match="method"):
        normalise_frame(VALUES, DIRECTIONS, method="softmax")


IMETA = pd.DataFrame(
    {
        "iCode": ["a", "b", "c", "P", "Q", "Top", "GDP"],
        "Level": [1, 1, 1, 2, 2, 3, np.nan],
        "Parent": ["P", "P", "Q", "Top", "Top", np.nan, np.nan],
        "Weight": [1.0, 3.0, 1.0, 1.0, 1.0, 1.0, np.nan],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 3 + ["Denominator"],
    }
)
SCORES = pd.DataFrame({"a": [40.0, np.nan, 10.0], "b": [80.0, 20.0, np.nan], "c": [10.0, 50.0, np.nan]})


def test_tree_from_imeta() -> None:
    tree = CoinrTree.from_imeta(IMETA)
    assert tree.indicators() == ["a", "b", "c"]
    assert tree.nodes() == ["P", "Q", "Top"]
    assert tree.children("P") == ["a", "b"]


def test_tree_errors_name_the_code() -> None:
    broken = IMETA.assign(Parent=["P", "Top", "Q", "Top", "Top", np.nan, np.nan])
    with pytest.raises(InputError, match="column b: 'Top' has a parent"):
        CoinrTree.from_imeta(broken)
    with pytest.raises(InputError, match="column Type"):
        CoinrTree.from_imeta(IMETA.drop(columns="Type"))


def test_arithmetic_tree_aggregation_skips_missing_children() -> None:
    result = aggregate_tree(SCORES, CoinrTree.from_imeta(IMETA))
    assert result["P"].tolist()[:2] == pytest.approx([(40 + 240) / 4, 20.0])
    assert result["P"].iloc[2] == 10.0
    assert np.isnan(result.loc[2, "Q"])
    assert result["Top"].tolist() == pytest.approx([(70 + 10) / 2, (20 + 50) / 2, 10.0])


def test_geometric_and_harmonic_means_and_thresholds() -> None:
    tree = CoinrTree.from_imeta(IMETA)
    geometric = aggregate_tree(SCORES, tree, method={2: "gmean", 3: "amean"})
    assert geometric.loc[0, "P"] == pytest.approx((40 * 80**3) ** 0.25)
    harmonic = aggregate_tree(SCORES, tree, method="hmean")
    assert harmonic.loc[0, "P"] == pytest.approx(4 / (1 / 40 + 3 / 80))
    strict = aggregate_tree(SCORES, tree, dat_thresh=1.0)
    assert strict["P"].isna().tolist() == [False, True, True]


def test_geometric_mean_refuses_zero_and_names_the_node() -> None:
    with pytest.raises(InputError, match="column P"):
        aggregate_tree(SCORES.fillna(0.0), CoinrTree.from_imeta(IMETA), method="gmean")
    with pytest.raises(InputError, match="column c: is an indicator"):
        aggregate_tree(SCORES.drop(columns="c"), CoinrTree.from_imeta(IMETA))


def test_copeland_scores() -> None:
    data = pd.DataFrame({"x": [3.0, 2.0, 1.0], "y": [1.0, 2.0, 3.0], "z": [3.0, 3.0, 0.0]}, index=list("ABC"))
    # A–B: x for A, y for B, z tied → outranking 1/3 + 1/6 = 0.5, a draw; A and B beat C with 2/3.
    assert copeland(data).tolist() == [1.0, 1.0, -2.0]
    assert copeland(data, weights=[2.0, 1.0, 1.0]).tolist() == [2.0, 0.0, -2.0]
    with pytest.raises(InputError, match="weights"):
        copeland(data, weights=[1.0])


def test_effective_weights_multiply_down_the_tree() -> None:
    weights = effective_weights(CoinrTree.from_imeta(IMETA))
    assert weights.to_dict() == pytest.approx({"a": 0.125, "b": 0.375, "c": 0.5, "P": 0.5, "Q": 0.5, "Top": 1.0})


def test_pca_weights_and_correlations_with_the_parent() -> None:
    tree = CoinrTree.from_imeta(IMETA)
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"])
    data["b"] = data["a"] * 2 + rng.normal(scale=0.01, size=30)
    data = aggregate_tree(data, tree)
    weights = pca_weights(data, tree, level=1)
    assert weights[["a", "b"]].tolist() == pytest.approx([math.sqrt(0.5)] * 2, abs=1e-3)
    assert weights["c"] == pytest.approx(1.0)
    correlations = correlation_with_parent(data, tree, pval=None)
    assert correlations[("P", "b")] == pytest.approx(1.0, abs=1e-3)
    assert correlations[("Q", "c")] == pytest.approx(1.0)


def test_denominate_refuses_denominators_for_other_units() -> None:
    data = pd.DataFrame({"a": [1.0]}, index=["A"])
    with pytest.raises(InputError, match="share no unit"):
        denominate(data, pd.DataFrame({"GDP": [1.0]}, index=["Z"]), {"a": "GDP"})
