"""The indicator catalogue on a synthetic survey: definitions, domains, unavailable indicators, disclosure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_mean
from ruralmig.survey.catalogue import RESULT_COLUMNS, compute_catalogue, load_catalogue
from ruralmig.survey.disclosure import DisclosurePolicy


def households(seed: int = 0, size: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 60, size)
    receives = rng.random(size) < 0.4
    value = np.where(receives, rng.gamma(2.0, 300.0, size), 0.0)
    return pd.DataFrame(
        {
            "weight": rng.uniform(50, 150, size),
            "stratum": (psu // 10).astype(str),
            "psu": psu.astype(str),
            "rural": psu % 2 == 0,
            "region": np.where(psu < 30, "North", "South"),
            "head_female": rng.integers(0, 2, size).astype(float),
            "has_intl_migrant": (rng.random(size) < 0.1).astype(int),
            "has_internal_migrant": (rng.random(size) < 0.4).astype(int),
            "receives_remittances": receives.astype(int),
            "receives_remittances_abroad": (receives & (rng.random(size) < 0.3)).astype(int),
            "receives_remittances_domestic": (receives & (rng.random(size) < 0.8)).astype(int),
            "remittance_value": value,
            "remittance_value_agriculture": value * (rng.random(size) < 0.2),
            "remittance_value_formal": value * (rng.random(size) < 0.5),
            "left_behind": (rng.random(size) < 0.5).astype(int),
            "has_return_migrant": (rng.random(size) < 0.2).astype(int),
        }
    )


def design(frame: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(frame, weights="weight", strata="stratum", psu="psu")


def cell(frame: pd.DataFrame, indicator: str, domain: str = "all", value: str = "all") -> pd.Series:
    chosen = frame[(frame["indicator"] == indicator) & (frame["domain"] == domain) & (frame["domain_value"] == value)]
    assert len(chosen) == 1
    return chosen.iloc[0]


def test_bundled_catalogue_lists_the_issue_indicators() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.ids()) == 13
    assert {"rural", "sex_of_head", "region"} == set(catalogue.breakdowns)
    for indicator in catalogue.indicators:
        assert indicator.definition
        assert indicator.unit
        assert indicator.numerator
    assert next(i for i in catalogue.indicators if i.id == "remittances_share_of_income").statistic == "ratio"


def test_estimates_follow_their_definitions() -> None:
    frame = households()
    result = compute_catalogue(design(frame), survey_id="SYN", policy=DisclosurePolicy(min_n=30, max_cv=10))
    assert list(result.columns) == [*RESULT_COLUMNS, "label", "note"]
    weights = frame["weight"]
    share = cell(result, "hh_with_international_migrant")
    assert share["estimate"] == pytest.approx(np.average(frame["has_intl_migrant"], weights=weights), rel=1e-12)
    assert share["n"] == len(frame)
    ratio = cell(result, "remittances_share_for_agriculture")
    expected = (weights * frame["remittance_value_agriculture"]).sum() / (weights * frame["remittance_value"]).sum()
    assert ratio["estimate"] == pytest.approx(expected, rel=1e-12)
    rural = frame[frame["rural"]]
    row = cell(result, "hh_receiving_remittances", "rural", "rural")
    assert row["estimate"] == pytest.approx(np.average(rural["receives_remittances"], weights=rural["weight"]))
    assert cell(result, "hh_receiving_remittances", "rural", "urban")["n"] == int((~frame["rural"]).sum())
    assert set(result.loc[result["domain"] == "sex_of_head", "domain_value"]) == {"female", "male"}


def test_universe_is_a_domain_of_the_full_design() -> None:
    frame = households(1)
    result = compute_catalogue(design(frame), policy=DisclosurePolicy(max_cv=10))
    row = cell(result, "remittances_mean_per_receiving_hh")
    direct = survey_mean(design(frame), "remittance_value", by="receives_remittances").to_frame()
    inside = direct[direct["domain"] == "1"].iloc[0]
    assert row["estimate"] == pytest.approx(inside["estimate"], rel=1e-12)
    assert row["se"] == pytest.approx(inside["se"], rel=1e-12)
    assert row["n"] == int(frame["receives_remittances"].sum())


def test_absent_variables_are_reported_not_dropped() -> None:
    frame = households(2).drop(columns=["remittance_value_formal"])
    result = compute_catalogue(design(frame), breakdowns=["rural"])
    for indicator, missing in [
        ("remittances_share_of_income", "income_total"),
        ("remittances_formal_channel_share", "remittance_value_formal"),
    ]:
        row = cell(result, indicator)
        assert row["flag"] == "unavailable"
        assert missing in row["note"]
    person = cell(result, "return_migrants")
    assert person["flag"] == "unavailable"
    assert "person-level" in person["note"]
    assert set(load_catalogue().ids()) == set(result["indicator"])


def test_disclosure_suppresses_small_cells() -> None:
    frame = households(3, size=300)
    frame["region"] = np.where(np.arange(len(frame)) < 10, "Tiny", "Large")
    result = compute_catalogue(design(frame), breakdowns=["region"], policy=DisclosurePolicy(min_n=30, max_cv=10))
    tiny = cell(result, "hh_receiving_remittances", "region", "Tiny")
    assert tiny["flag"] == "suppressed"
    assert np.isnan(tiny["estimate"])
    assert tiny["n"] == 10


def test_bad_catalogues_and_breakdowns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("indicators:\n  - {id: x, label: X, definition: d, statistic: mode, numerator: y, unit: u}\n")
    with pytest.raises(InputError, match="statistic"):
        load_catalogue(bad)
    ratio = tmp_path / "ratio.yml"
    ratio.write_text("indicators:\n  - {id: x, label: X, definition: d, statistic: ratio, numerator: y, unit: u}\n")
    with pytest.raises(InputError, match="denominator"):
        load_catalogue(ratio)
    with pytest.raises(InputError, match="breakdown"):
        compute_catalogue(design(households()), breakdowns=["caste"])
