"""SPI / SPEI on small synthetic data: shapes, containers, NaN handling, validation, grid against series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from ruralmig.climate import accumulate, spei, spi

MONTHS = 240


@pytest.fixture
def rain() -> np.ndarray:
    return np.random.default_rng(7).gamma(2.0, 30.0, size=(MONTHS, 3, 4))


@pytest.fixture
def balance(rain: np.ndarray) -> np.ndarray:
    return rain - np.random.default_rng(8).gamma(4.0, 12.0, size=rain.shape)


def test_accumulate_sums_the_last_months() -> None:
    values = np.arange(1.0, 6.0).reshape(-1, 1)
    np.testing.assert_array_equal(accumulate(values, 3)[:, 0], [np.nan, np.nan, 6.0, 9.0, 12.0])


@pytest.mark.parametrize("function", [spei, spi])
@pytest.mark.parametrize("scale", [1, 3, 12, 48])
def test_grid_equals_the_one_dimensional_function_cell_by_cell(
    function: object, scale: int, rain: np.ndarray, balance: np.ndarray
) -> None:
    data = rain if function is spi else balance
    grid = function(data, scale)  # type: ignore[operator]
    assert grid.shape == data.shape
    for y in range(data.shape[1]):
        for x in range(data.shape[2]):
            np.testing.assert_array_equal(grid[:, y, x], function(data[:, y, x], scale))  # type: ignore[operator]


@pytest.mark.parametrize("scale", [1, 6, 24])
def test_first_months_are_nan_and_the_rest_standardised(balance: np.ndarray, scale: int) -> None:
    values = spei(balance[:, 0, 0], scale)
    assert np.isnan(values[: scale - 1]).all()
    assert np.isfinite(values[scale - 1 :]).all()
    assert abs(values[scale - 1 :].mean()) < 0.15
    assert 0.85 < values[scale - 1 :].std() < 1.15


def test_missing_months_blank_their_windows_only(balance: np.ndarray) -> None:
    series = balance[:, 0, 0].copy()
    series[100] = np.nan
    values = spei(series, 3)
    assert np.isnan(values[100:103]).all()
    assert np.isfinite(values[2:100]).all()
    assert np.isfinite(values[103:]).all()


def test_a_calendar_month_without_spread_or_enough_values_is_nan(rain: np.ndarray) -> None:
    series = rain[:, 0, 0].copy()
    series[0::12] = 5.0  # every January the same
    series[1::12][3:] = np.nan  # only three Februaries
    values = spi(series, 1)
    assert np.isnan(values[0::12]).all()
    assert np.isnan(values[1::12]).all()
    assert np.isfinite(values[2::12]).all()


def test_zero_precipitation_r_spei_gives_minus_infinity_and_probability_does_not(rain: np.ndarray) -> None:
    series = rain[:, 0, 0].copy()
    series[[12, 36, 60]] = 0.0  # three dry Januaries
    r_like = spi(series, 1)
    assert np.isneginf(r_like[[12, 36, 60]]).all()
    mixed = spi(series, 1, zero_precipitation="probability")
    assert np.isfinite(mixed[[12, 36, 60]]).all()
    np.testing.assert_allclose(mixed[[12, 36, 60]], special.ndtri(3 / 20), rtol=1e-12)  # q = 3 of 20 Januaries
    np.testing.assert_array_equal(r_like[1::12], mixed[1::12])  # other months untouched


def test_clip_bounds_the_values(rain: np.ndarray) -> None:
    series = rain[:, 0, 0].copy()
    series[12] = 0.0
    clipped = spi(series, 1, clip=3.09)
    assert clipped[12] == -3.09
    assert np.nanmax(np.abs(clipped)) <= 3.09


def test_pandas_series_keeps_its_index_and_takes_its_start_month(balance: np.ndarray) -> None:
    index = pd.date_range("2001-06-01", periods=MONTHS, freq="MS")
    series = pd.Series(balance[:, 0, 0], index=index, name="site")
    values = spei(series, 3)
    assert isinstance(values, pd.Series)
    assert values.index.equals(index)
    assert values.name == "site"
    np.testing.assert_array_equal(values.to_numpy(), spei(balance[:, 0, 0], 3, start_month=6))
    assert not np.array_equal(values.to_numpy(), spei(balance[:, 0, 0], 3))


def test_dataframe_and_two_dimensional_array(balance: np.ndarray) -> None:
    table = balance.reshape(MONTHS, -1)
    frame = pd.DataFrame(table, columns=[f"s{i}" for i in range(table.shape[1])])
    values = spei(frame, 2)
    assert isinstance(values, pd.DataFrame)
    assert list(values.columns) == list(frame.columns)
    np.testing.assert_array_equal(values.to_numpy(), spei(table, 2))


def test_xarray_grid_keeps_dims_coords_and_order(balance: np.ndarray) -> None:
    xarray = pytest.importorskip("xarray")
    time = pd.date_range("1990-03-01", periods=MONTHS, freq="MS")
    grid = xarray.DataArray(balance, dims=("time", "y", "x"), coords={"time": time, "y": [1.0, 2.0, 3.0]})
    turned = grid.transpose("y", "time", "x")
    values = spei(turned, 12)
    assert values.dims == ("y", "time", "x")
    assert values["time"].equals(grid["time"])
    expected = spei(balance, 12, start_month=3)
    np.testing.assert_array_equal(values.transpose("time", "y", "x").values, expected)


def test_float32_grid_gives_float32(balance: np.ndarray) -> None:
    values = spei(balance.astype(np.float32), 12)
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, spei(balance.astype(np.float32).astype(np.float64), 12), atol=1e-5)


def test_chunks_do_not_change_the_numbers(balance: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = spei(balance, 6)
    monkeypatch.setattr("ruralmig.climate.indices.CHUNK_VALUES", MONTHS * 5)
    np.testing.assert_array_equal(spei(balance, 6), whole)


def test_calibration_by_positions_and_by_dates_agree(balance: np.ndarray) -> None:
    index = pd.period_range("2000-01", periods=MONTHS, freq="M")
    by_dates = spei(pd.Series(balance[:, 0, 0], index=index), 6, calibration=("2002-01", "2011-12"))
    by_rows = spei(balance[:, 0, 0], 6, calibration=(24, 143))
    np.testing.assert_array_equal(by_dates.to_numpy(), by_rows)
    assert not np.array_equal(by_rows, spei(balance[:, 0, 0], 6))


@pytest.mark.parametrize("scale", [0, 49, 1.5, True, "12", None])
def test_scale_out_of_range_names_the_parameter_range_and_value(scale: object, balance: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"scale must be a whole number of months from 1 to 48; got") as caught:
        spei(balance[:, 0, 0], scale)  # type: ignore[arg-type]
    assert repr(scale) in str(caught.value)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"start_month": 13}, r"start_month must be .* 1 \(January\) to 12 \(December\); got 13"),
        ({"clip": -1.0}, r"clip must be None .* or a positive number .*; got -1.0"),
        ({"calibration": (50, 10)}, r"calibration must pick months 0 to 239 with first <= last; got rows \(50, 10\)"),
        ({"calibration": ("2000-01", "2001-01")}, r"calibration must hold two whole-number positions"),
        ({"calibration": (0, 5)}, r"calibration must cover at least scale=12 months; got 6"),
        (
            {"zero_precipitation": "mckee"},
            r"zero_precipitation must be one of \('r-spei', 'probability'\); got 'mckee'",
        ),
    ],
)
def test_settings_are_checked_with_clear_messages(keywords: dict[str, object], message: str, rain: np.ndarray) -> None:
    with pytest.raises(ValueError, match=message):
        spi(rain[:, 0, 0], 12, **keywords)  # type: ignore[arg-type]


def test_negative_precipitation_and_bad_shapes_are_refused(rain: np.ndarray) -> None:
    series = rain[:, 0, 0].copy()
    series[4] = -1.0
    with pytest.raises(ValueError, match=r"precipitation must not be negative; got a minimum of -1.0"):
        spi(series, 3)
    with pytest.raises(ValueError, match=r"water_balance must be 1-D .*; got 4 dimensions"):
        spei(np.zeros((24, 2, 2, 2)), 3)
    with pytest.raises(ValueError, match=r"water_balance must hold numbers; got an array of dtype <U1"):
        spei(np.array(["a"] * 24), 3)
