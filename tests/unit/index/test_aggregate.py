"""Each aggregation rule against a hand computation, with missing children skipped."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralmig.errors import InputError
from ruralmig.index import AGGREGATIONS, aggregate

ROWS = np.array([[0.2, 0.8, 0.5], [0.4, np.nan, 0.1], [np.nan, np.nan, np.nan]])
WEIGHTS = np.array([1.0, 2.0, 1.0])


def test_weighted_arithmetic_mean() -> None:
    result = aggregate(ROWS, WEIGHTS, "arithmetic")
    assert result[0] == pytest.approx((0.2 + 1.6 + 0.5) / 4)
    assert result[1] == pytest.approx((0.4 + 0.1) / 2)  # the missing child's weight is dropped
    assert np.isnan(result[2])


def test_weighted_geometric_mean() -> None:
    result = aggregate(ROWS, WEIGHTS, "geometric")
    assert result[0] == pytest.approx((0.2 * 0.8**2 * 0.5) ** (1 / 4))
    assert result[1] == pytest.approx(math.sqrt(0.4 * 0.1))
    assert np.isnan(result[2])


def test_weighted_harmonic_mean() -> None:
    result = aggregate(ROWS, WEIGHTS, "harmonic")
    assert result[0] == pytest.approx(4 / (1 / 0.2 + 2 / 0.8 + 1 / 0.5))
    assert result[1] == pytest.approx(2 / (1 / 0.4 + 1 / 0.1))


def test_zero_child_gives_zero_geometric_and_harmonic_means() -> None:
    scores = np.array([[0.0, 0.5]])
    assert aggregate(scores, np.ones(2), "geometric")[0] == 0.0
    assert aggregate(scores, np.ones(2), "harmonic")[0] == 0.0


def test_inform_reversed_geometric_mean() -> None:
    scores = np.array([[9.0, 1.0], [5.0, 5.0], [10.0, 0.0]])
    result = aggregate(scores, np.ones(2), "reversed_geometric", top=10.0)
    assert result[0] == pytest.approx(10 / 9 * (10 - math.sqrt(1.9 * 9.1)))
    assert round(result[0], 2) == 6.49  # composite_index.md: RGM(9, 1) = 6.49
    assert result[1] == pytest.approx(5.0)
    assert result[2] == pytest.approx(10 / 9 * (10 - math.sqrt(1.0 * 10.0)))


def test_reversed_geometric_mean_on_unit_range() -> None:
    result = aggregate(np.array([[1.0, 1.0], [0.0, 0.0]]), np.ones(2), "reversed_geometric", top=1.0)
    assert result == pytest.approx([1.0, 0.0])


def test_inform_human_rule_is_a_weighted_max() -> None:
    # Human = max(0.7 * projected conflict risk, current conflict intensity)
    scores = np.array([[8.0, 5.0], [6.0, 5.0], [np.nan, 3.0]])
    result = aggregate(scores, np.array([0.7, 1.0]), "max")
    assert result == pytest.approx([5.6, 5.0, 3.0])


def test_min() -> None:
    assert aggregate(ROWS, np.ones(3), "min")[:2] == pytest.approx([0.2, 0.1])


def test_geometric_mean_rejects_negative_scores_naming_the_node() -> None:
    with pytest.raises(InputError, match="sector_a") as raised:
        aggregate(np.array([[-0.1, 0.5]]), np.ones(2), "geometric", node="sector_a")
    assert raised.value.column == "sector_a"


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(InputError, match="median"):
        aggregate(ROWS, WEIGHTS, "median", node="n")


def test_zero_weight_child_is_ignored() -> None:
    result = aggregate(np.array([[0.0, 0.5]]), np.array([0.0, 1.0]), "geometric")
    assert result[0] == pytest.approx(0.5)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8), st.sampled_from(AGGREGATIONS))
def test_means_stay_within_the_children(values: list[float], rule: str) -> None:
    scores = np.array([values])
    result = aggregate(scores, np.ones(len(values)), rule, top=1.0)[0]
    assert min(values) - 1e-12 <= result <= max(values) + 1e-12
