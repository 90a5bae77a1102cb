"""R SPEI 1.8.1 reference: PET, SPI and SPEI on the package's Wichita and 11-site balance data.

The inputs and R's outputs are read at test time from `shared/data/climate/spei_r_wichita/` (GPL-2 package data,
so they are not copied here; see its SOURCE.md). The tests skip only when that folder is absent.

Tolerances: Thornthwaite and Hargreaves PET and SPEI (log-logistic, ub-pwm) within 1e-6 (observed about 1e-13).
SPI (gamma) within 1e-6 too; observed 3e-8, most likely R `lmom`'s gamma numerics against scipy's `gammainc`.

Conventions checked:
- zero-rain months: R SPEI fits the gamma to positive values only and never applies the probability of zero, so a
  window with no rain gets SPI = −Inf (Wichita rows 72, 118, 133 and 313 for SPI-1); we give −Inf in the same
  rows (the default `zero_precipitation="r-spei"`);
- clipping: R does not clip; ±Inf and NaN (the first `scale − 1` months) must sit exactly where R has them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig.climate import hargreaves, spei, spi, thornthwaite

pytestmark = pytest.mark.reference

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "climate" / "spei_r_wichita"
LATITUDE = 37.6475
TOLERANCE = 1e-6

if not SHARED.is_dir():
    pytest.skip(f"R SPEI reference data not found at {SHARED}", allow_module_level=True)


@pytest.fixture(scope="module")
def wichita() -> pd.DataFrame:
    return pd.read_csv(SHARED / "wichita_input.csv")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(SHARED / "wichita_expected.csv")


def assert_matches_r(got: object, want: object, tolerance: float = TOLERANCE) -> float:
    """Same NaN and ±Inf positions as R, finite values within `tolerance`; returns the max abs difference."""
    got_values = np.asarray(got, dtype=np.float64)
    want_values = np.asarray(want, dtype=np.float64)
    assert got_values.shape == want_values.shape
    np.testing.assert_array_equal(np.isnan(got_values), np.isnan(want_values))
    infinite = np.isinf(want_values)
    np.testing.assert_array_equal(got_values[infinite], want_values[infinite])
    finite = np.isfinite(want_values)
    difference = float(np.max(np.abs(got_values[finite] - want_values[finite])))
    assert difference <= tolerance
    return difference


def test_thornthwaite_pet(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    pet = thornthwaite(wichita["TMED"].to_numpy(), LATITUDE)
    assert_matches_r(pet, expected["pet_thornthwaite_lat37.6475"])
    assert pet[2] == pytest.approx(10.8386, abs=1e-4)


def test_hargreaves_pet(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    pet = hargreaves(wichita["TMIN"].to_numpy(), wichita["TMAX"].to_numpy(), LATITUDE)
    assert_matches_r(pet, expected["pet_hargreaves_lat37.6475"])


@pytest.mark.parametrize("scale", [1, 12])
def test_spi_gamma(wichita: pd.DataFrame, expected: pd.DataFrame, scale: int) -> None:
    assert_matches_r(spi(wichita["PRCP"].to_numpy(), scale), expected[f"spi_{scale}_gamma"])


def test_spi_zero_rain_months_are_minus_infinity_as_in_r(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    values = spi(wichita["PRCP"].to_numpy(), 1)
    rows = np.flatnonzero(np.isneginf(values)).tolist()
    assert rows == [72, 118, 133, 313]
    assert rows == np.flatnonzero(np.isneginf(expected["spi_1_gamma"].to_numpy())).tolist()
    assert (wichita["PRCP"].to_numpy()[rows] == 0).all()
    np.testing.assert_allclose(values[:3], [1.2118, -0.1922, 0.8783], atol=1e-4)


def test_spi_with_a_calibration_period(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    values = spi(wichita["PRCP"].to_numpy(), 12, calibration=(108, 299))
    assert_matches_r(values, expected["spi_12_gamma_ref_idx108_299"])


@pytest.mark.parametrize("scale", [1, 12])
def test_spei_log_logistic(wichita: pd.DataFrame, expected: pd.DataFrame, scale: int) -> None:
    balance = wichita["PRCP"].to_numpy() - expected["pet_thornthwaite_lat37.6475"].to_numpy()
    assert_matches_r(spei(balance, scale), expected[f"spei_{scale}_loglogistic"])


def test_spei_from_our_own_pet_and_spot_values(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    balance = wichita["PRCP"].to_numpy() - thornthwaite(wichita["TMED"].to_numpy(), LATITUDE)
    one = spei(balance, 1)
    assert_matches_r(one, expected["spei_1_loglogistic"])
    np.testing.assert_allclose(one[:3], [1.3466, -0.0263, 1.1074], atol=1e-4)
    assert spei(balance, 12)[11] == pytest.approx(-1.7298, abs=1e-4)


def test_spei_with_a_calibration_period(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    balance = wichita["PRCP"].to_numpy() - expected["pet_thornthwaite_lat37.6475"].to_numpy()
    values = spei(balance, 12, calibration=(108, 299))
    assert_matches_r(values, expected["spei_12_loglogistic_ref_idx108_299"])


def test_calibration_by_dates_on_a_dated_series(wichita: pd.DataFrame, expected: pd.DataFrame) -> None:
    index = pd.period_range("1980-01", periods=len(wichita), freq="M")
    balance = pd.Series(wichita["PRCP"].to_numpy() - expected["pet_thornthwaite_lat37.6475"].to_numpy(), index=index)
    values = spei(balance, 12, calibration=("1989-01", "2004-12"))
    assert isinstance(values, pd.Series)
    assert_matches_r(values, expected["spei_12_loglogistic_ref_idx108_299"])


@pytest.mark.parametrize("scale", [1, 12])
def test_spei_on_eleven_sites_as_a_table_and_as_a_grid(scale: int) -> None:
    balance = pd.read_csv(SHARED / "balance_input.csv")
    want = pd.read_csv(SHARED / f"balance_expected_spei_{scale}.csv").to_numpy()
    assert_matches_r(spei(balance, scale).to_numpy(), want)
    xarray = pytest.importorskip("xarray")
    grid = xarray.DataArray(balance.to_numpy().reshape(len(balance), 1, -1), dims=("time", "y", "x"))
    assert_matches_r(spei(grid, scale).values.reshape(len(balance), -1), want)
