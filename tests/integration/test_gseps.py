"""GSEPS wave 1 (Ghana, 2009-10): the harmonisation recipe, the catalogue and a few figures checked by hand.

Reads ../shared/data/survey/gseps_wave1 (microdata, not shipped); skipped only when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig.datasets.demo_survey import gseps_indicators
from ruralmig.survey import SurveyDesign
from ruralmig.survey.catalogue import compute_catalogue
from ruralmig.survey.harmonise import HarmonisedSurvey, harmonise

SHARED = Path(__file__).resolve().parents[3] / "shared"
GSEPS = SHARED / "data" / "survey" / "gseps_wave1"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the project")


@pytest.fixture(scope="module")
def survey() -> HarmonisedSurvey:
    return harmonise("gseps_w1", GSEPS)


@pytest.fixture(scope="module")
def derived() -> pd.DataFrame:
    return pd.read_csv(GSEPS / "gseps_w1_households.csv")


@pytest.fixture(scope="module")
def catalogue(survey: HarmonisedSurvey) -> pd.DataFrame:
    options = {key: survey.design[key] for key in ("weights", "strata", "psu", "fpc", "lonely_psu")}
    households = SurveyDesign.from_frame(survey.households, **options)
    persons = SurveyDesign.from_frame(survey.persons, **options) if survey.persons is not None else None
    return compute_catalogue(households, survey_id=survey.survey_id, person_design=persons)


def cell(frame: pd.DataFrame, indicator: str, domain: str = "all", value: str = "all") -> pd.Series:
    chosen = frame[(frame["indicator"] == indicator) & (frame["domain"] == domain) & (frame["domain_value"] == value)]
    assert len(chosen) == 1, (indicator, domain, value)
    return chosen.iloc[0]


def test_recipe_gives_the_documented_tables(survey: HarmonisedSurvey) -> None:
    households = survey.households
    assert len(households) == 5009
    assert households["household_id"].is_unique
    assert households["psu"].nunique() == 334
    assert households["stratum"].nunique() == 20
    assert households["weight"].sum() == pytest.approx(7_108_790.096, rel=1e-9)
    assert survey.persons is not None
    assert len(survey.persons) == 18889
    assert set(survey.persons["household_id"]) <= set(households["household_id"])
    assert "ISSER" in survey.citation


def test_national_shares_match_weighted_means_by_hand(catalogue: pd.DataFrame, derived: pd.DataFrame) -> None:
    weights = derived["hhweight3"].to_numpy()
    for indicator, column in [
        ("hh_with_international_migrant", "child_abroad"),
        ("hh_with_internal_migrant", "child_internal"),
        ("hh_receiving_remittances", "recv_any"),
        ("hh_receiving_remittances_abroad", "recv_intl"),
        ("hh_receiving_remittances_domestic", "recv_dom"),
    ]:
        expected = np.sum(weights * derived[column]) / weights.sum()
        assert cell(catalogue, indicator)["estimate"] == pytest.approx(expected, rel=1e-12), indicator
    receivers = derived["recv_any"] == 1
    mean_receiving = np.average(derived.loc[receivers, "remit_value"], weights=weights[receivers])
    row = cell(catalogue, "remittances_mean_per_receiving_hh")
    assert row["estimate"] == pytest.approx(mean_receiving, rel=1e-12)
    assert row["n"] == int(receivers.sum())
    agriculture = np.sum(weights * derived["remit_value_agri"]) / np.sum(weights * derived["remit_value"])
    assert cell(catalogue, "remittances_share_for_agriculture")["estimate"] == pytest.approx(agriculture, rel=1e-12)


def test_rural_and_female_head_domains_by_hand(catalogue: pd.DataFrame, derived: pd.DataFrame) -> None:
    rural = derived[derived["rural"] == 1]
    expected = np.average(rural["recv_any"], weights=rural["hhweight3"])
    row = cell(catalogue, "hh_receiving_remittances", "rural", "rural")
    assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert row["n"] == len(rural)
    left_behind = derived[derived["migrant_hh"] == 1]
    female = np.average(left_behind["head_female"], weights=left_behind["hhweight3"])
    assert cell(catalogue, "left_behind_hh_headed_by_women")["estimate"] == pytest.approx(female, rel=1e-12)


def test_standard_error_by_hand_with_the_assumed_design(catalogue: pd.DataFrame, derived: pd.DataFrame) -> None:
    """Ultimate-cluster variance of a ratio mean, lonely stratum centred on the grand mean (R 'adjust')."""
    weights, values = derived["hhweight3"].to_numpy(), derived["recv_any"].to_numpy()
    mean = np.sum(weights * values) / weights.sum()
    scores = weights * (values - mean) / weights.sum()
    psu_totals = pd.Series(scores).groupby([derived["stratum"], derived["eacode"]]).sum()
    grand = psu_totals.mean()
    variance = 0.0
    for _, totals in psu_totals.groupby(level=0):
        count = len(totals)
        if count == 1:
            variance += float(((totals - grand) ** 2).sum())
        else:
            variance += count / (count - 1) * float(((totals - totals.mean()) ** 2).sum())
    assert cell(catalogue, "hh_receiving_remittances")["se"] == pytest.approx(np.sqrt(variance), rel=1e-10)


def test_unavailable_indicators_are_reported_and_small_cells_suppressed(catalogue: pd.DataFrame) -> None:
    income = cell(catalogue, "remittances_share_of_income")
    assert income["flag"] == "unavailable"
    assert "income_total" in income["note"]
    unknown_head = cell(catalogue, "hh_receiving_remittances", "sex_of_head", "unknown")
    assert unknown_head["flag"] == "suppressed"
    assert np.isnan(unknown_head["estimate"])
    assert set(catalogue["domain"]) == {"all", "rural", "sex_of_head", "region"}


def test_bundled_aggregates_are_the_catalogue_output(catalogue: pd.DataFrame) -> None:
    bundled = gseps_indicators()
    assert list(bundled["indicator"]) == list(catalogue["indicator"])
    assert list(bundled["flag"]) == list(catalogue["flag"])
    np.testing.assert_allclose(bundled["estimate"], catalogue["estimate"].astype(float), rtol=1e-9, equal_nan=True)
    assert (bundled.loc[bundled["n"] < 30, "estimate"].isna()).all()
