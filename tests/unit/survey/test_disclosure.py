"""Disclosure control: cell size and CV rules, the three actions, settings, and the microdata guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import DisclosureError
from ruralmig.survey.disclosure import DisclosurePolicy, apply_disclosure, guard_aggregates, release


def cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": ["a", "a", "a", "a"],
            "domain_value": ["big", "small", "noisy", "zero"],
            "estimate": [0.5, 0.4, 0.1, 0.0],
            "se": [0.05, 0.01, 0.05, 0.0],
            "ci_low": [0.4, 0.38, 0.0, 0.0],
            "ci_high": [0.6, 0.42, 0.2, 0.0],
            "n": [200, 12, 500, 40],
        }
    )


def test_suppress_empties_small_and_noisy_cells() -> None:
    result = apply_disclosure(cells(), DisclosurePolicy())
    assert list(result["flag"]) == ["ok", "suppressed", "suppressed", "ok"]
    assert result.loc[1, ["estimate", "se", "ci_low", "ci_high", "cv"]].isna().all()
    assert result.loc[0, "cv"] == pytest.approx(0.1)
    assert np.isnan(result.loc[3, "cv"])  # undefined CV never fails the rule
    assert list(result["n"]) == [200, 12, 500, 40]


def test_flag_keeps_noisy_cells_but_still_suppresses_small_ones() -> None:
    result = apply_disclosure(cells(), DisclosurePolicy(action="flag"))
    assert list(result["flag"]) == ["ok", "suppressed", "flagged", "ok"]
    assert result.loc[2, "estimate"] == pytest.approx(0.1)


def test_raise_refuses_a_small_cell_and_names_it() -> None:
    with pytest.raises(DisclosureError, match="domain_value=small"):
        apply_disclosure(cells(), DisclosurePolicy(action="raise"))
    kept = apply_disclosure(cells().drop(index=1), DisclosurePolicy(action="raise"))
    assert list(kept["flag"]) == ["ok", "flagged", "ok"]


def test_thresholds_are_configurable_and_checked() -> None:
    result = apply_disclosure(cells(), DisclosurePolicy(min_n=10, max_cv=0.6))
    assert list(result["flag"]) == ["ok", "ok", "ok", "ok"]
    with pytest.raises(ValueError, match="min_n"):
        DisclosurePolicy(min_n=0)
    with pytest.raises(ValueError, match="action"):
        DisclosurePolicy(action="ignore")  # type: ignore[arg-type]


def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RURALMIG_DISCLOSURE_MIN_N", "50")
    monkeypatch.setenv("RURALMIG_DISCLOSURE_MAX_CV", "0.2")
    monkeypatch.setenv("RURALMIG_DISCLOSURE_ACTION", "flag")
    assert DisclosurePolicy.from_settings() == DisclosurePolicy(min_n=50, max_cv=0.2, action="flag")


def test_release_refuses_microdata() -> None:
    records = pd.DataFrame({"household_id": ["1", "2"], "estimate": [1.0, 2.0], "se": [0.1, 0.1], "n": [1, 1]})
    with pytest.raises(DisclosureError, match="household_id"):
        release(records)
    with pytest.raises(DisclosureError, match="'n'"):
        guard_aggregates(pd.DataFrame({"estimate": [1.0], "se": [0.1]}))
    released = release(cells())
    assert released["estimate"][released["n"] < 30].isna().all()
