"""Calibration on a training window and the honest forecast after it, on a small synthetic case."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ruralmig.displacement import DisplacementCase, SimSettings
from ruralmig.displacement.calibrate import calibrate, forecast


def growing_case(days: int = 40) -> DisplacementCase:
    """Two conflict zones feed a town and two camps; the camps fill steadily."""
    locations = pd.DataFrame(
        {
            "name": ["A", "B", "T", "C1", "C2"],
            "region": ["r"] * 5,
            "country": ["X", "X", "X", "Y", "Z"],
            "lat": [0.0] * 5,
            "lon": [0.0] * 5,
            "location_type": ["conflict_zone", "conflict_zone", "town", "camp", "camp"],
            "conflict_date": [0] * 5,
            "population": [200_000, 100_000, 50_000, 0, 0],
        }
    )
    routes = pd.DataFrame(
        {"name1": ["A", "B", "T", "T"], "name2": ["T", "T", "C1", "C2"], "distance": [80.0, 60.0, 150.0, 300.0]}
    )
    routes["forced_redirection"] = 0
    conflicts = pd.DataFrame({"A": np.ones(days), "B": np.r_[np.zeros(10), np.ones(days - 10)]})
    end = date(2021, 1, 1) + pd.Timedelta(days=days - 1)
    observations = {
        "C1": pd.DataFrame({"date": [date(2021, 1, 1), end], "count": [0, 3000]}),
        "C2": pd.DataFrame({"date": [date(2021, 1, 1), end], "count": [0, 1000]}),
    }
    return DisplacementCase(
        name="growing", start_date=date(2021, 1, 1), length=days, locations=locations, routes=routes,
        conflicts=conflicts, observations=observations, settings=SimSettings(max_move_speed=200),
    )  # fmt: skip


def test_calibration_is_seeded_and_records_every_trial() -> None:
    case = growing_case()
    first = calibrate(case, train_days=20, trials=6, seed=3)
    again = calibrate(case, train_days=20, trials=6, seed=3)
    assert first.settings == again.settings
    assert len(first.trials) == 6
    assert first.loss == pytest.approx(first.trials["loss"].min())
    assert first.settings.spawn_mode == "pop_poisson"


def test_forecast_scores_only_days_after_the_training_window() -> None:
    case = growing_case()
    calibration = calibrate(case, train_days=20, trials=6, seed=1)
    result = forecast(case, calibration)
    assert result.result.days == case.length
    assert 0 <= result.ard_out_of_sample < 2
    assert np.isfinite(result.mase_flat)
    # the forecast did not follow the observed totals: its agent count is its own
    spawned = int(result.result.spawned.sum())
    assert spawned != int(result.result.observed_frame().iloc[-1].sum())


@pytest.mark.parametrize(("train_days", "trials"), [(3, 4), (40, 4), (20, 0)])
def test_bad_calibration_parameters_name_the_parameter(train_days: int, trials: int) -> None:
    with pytest.raises(ValueError, match=r"train_days|trials"):
        calibrate(growing_case(), train_days=train_days, trials=trials)
