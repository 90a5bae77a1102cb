"""Transformations and normalisations: goalposts min-max, direction flip, data-driven rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.index import Indicator, Normalisation
from ruralmig.index.normalise import normalise, score_indicator, transform


def series(values: list[float], periods: list[int] | None = None) -> pd.Series:
    periods = periods or [2020] * len(values)
    index = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(len(values))], periods], names=["unit", "period"])
    return pd.Series(values, index=index, dtype=float)


def test_goalposts_min_max_with_clipping() -> None:
    rule = Normalisation(method="goalposts", low=10.0, high=20.0)
    assert list(normalise(series([5.0, 10.0, 12.5, 20.0, 30.0]), rule, 1)) == [0.0, 0.0, 0.25, 1.0, 1.0]


def test_goalposts_direction_flip() -> None:
    rule = Normalisation(method="goalposts", low=10.0, high=20.0)
    assert list(normalise(series([10.0, 12.5, 20.0]), rule, -1)) == [1.0, 0.75, 0.0]


def test_goalposts_to_another_range_without_clipping() -> None:
    rule = Normalisation(method="goalposts", low=0.0, high=10.0, range=(0.0, 100.0), clip=False)
    assert list(normalise(series([5.0, 15.0]), rule, 1)) == pytest.approx([50.0, 150.0])


def test_ndgain_style_goalposts_match_the_published_formula() -> None:
    # ND-GAIN id_food_01: direction 1 (reversed), goalposts -0.388669 .. 3.563; AFG value 0.883307785
    rule = Normalisation(method="goalposts", low=-0.388669, high=3.563)
    assert normalise(series([0.883307785]), rule, -1).iloc[0] == pytest.approx(0.678116566696, abs=1e-11)


def test_minmax_from_the_data_globally_and_per_period() -> None:
    values = series([1.0, 3.0, 2.0, 6.0], periods=[2020, 2020, 2021, 2021])
    assert list(normalise(values, Normalisation(method="minmax"), 1)) == pytest.approx([0.0, 0.4, 0.2, 1.0])
    per_period = normalise(values, Normalisation(method="minmax", scope="period"), 1)
    assert list(per_period) == pytest.approx([0.0, 1.0, 0.0, 1.0])


def test_zscore_uses_the_sample_standard_deviation_and_direction() -> None:
    result = normalise(series([1.0, 2.0, 3.0]), Normalisation(method="zscore"), -1)
    assert list(result) == pytest.approx([1.0, 0.0, -1.0])


def test_rank_to_unit_range_with_ties() -> None:
    result = normalise(series([10.0, 30.0, 20.0, 20.0]), Normalisation(method="rank"), 1)
    assert list(result) == pytest.approx([0.0, 1.0, 0.5, 0.5])


def test_distance_to_target() -> None:
    rule = Normalisation(method="distance_to_target", target=80.0, low=0.0)
    assert list(normalise(series([40.0, 80.0, 100.0]), rule, 1)) == pytest.approx([0.5, 1.0, 1.0])
    lower_is_better = Normalisation(method="distance_to_target", target=5.0, high=25.0)
    assert list(normalise(series([5.0, 15.0, 30.0]), lower_is_better, -1)) == pytest.approx([1.0, 0.5, 0.0])


def test_none_keeps_values_and_applies_direction() -> None:
    assert list(normalise(series([1.0, -2.0]), Normalisation(), -1)) == [-1.0, 2.0]


def test_log_transform_then_goalposts() -> None:
    indicator = Indicator(
        name="gdp",
        label="GDP per capita",
        transformation="log10",
        normalisation=Normalisation(method="goalposts", low=2.0, high=4.0),
    )
    result = score_indicator(series([100.0, 1000.0, np.nan]), indicator)
    assert result.iloc[:2].tolist() == pytest.approx([0.0, 0.5])
    assert np.isnan(result.iloc[2])


def test_log_of_a_non_positive_value_names_the_indicator() -> None:
    with pytest.raises(InputError, match="cannot take log") as raised:
        transform(series([1.0, 0.0]), "log", indicator="oda_per_capita")
    assert raised.value.column == "oda_per_capita"
