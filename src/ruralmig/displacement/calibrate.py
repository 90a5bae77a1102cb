"""Honest forecasting: calibrate on a training window of observed arrivals, then forecast the days after it.

Spawning follows conflict and population (`pop_poisson`), not the observed totals, so the forecast also
predicts how many people arrive. Calibration sees only the observations before `train_days`; conflict
inputs for the whole period are treated as a scenario, as a planner would with a conflict forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.engine import simulate
from ruralmig.displacement.metrics import averaged_relative_difference, mase
from ruralmig.displacement.network import compile_network
from ruralmig.displacement.observed import observed_camp_counts
from ruralmig.displacement.result import SimulationResult
from ruralmig.displacement.rules import conflict_decay
from ruralmig.displacement.settings import SimSettings

__all__ = ["Calibration", "Forecast", "calibrate", "forecast"]

# Searched in log space: name -> (low, high) as multiples of the start value, or absolute bounds.
SEARCH_SPACE: dict[str, tuple[float, float]] = {
    "displaced_per_conflict_day": (1 / 4, 4.0),  # relative to the rate that matches the training arrivals
    "default_movechance": (0.05, 1.0),
    "camp_weight": (1.0, 10.0),
    "conflict_weight": (0.05, 1.0),
}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Calibration:
    """The best settings found on the training window, and every trial's loss."""

    settings: SimSettings
    train_days: int
    loss: float
    trials: pd.DataFrame
    seed: int


@dataclass(frozen=True)
class Forecast:
    """A calibrated run over the whole period and its errors after the training window."""

    result: SimulationResult
    calibration: Calibration
    ard_out_of_sample: float
    ard_rescaled_out_of_sample: float
    mase_flat: float
    mase_sloped: float


def _start_rate(case: DisplacementCase, settings: SimSettings, train_days: int) -> float:
    """Spawn rate r with Σ_t<K Σ_i r·pop_i·I_i(t)·decay_i(t) equal to the arrivals seen in the training window."""
    network = compile_network(case, settings)
    intensity = np.zeros((train_days, network.size))
    for column in case.conflicts.columns:
        name = str(column).strip()
        if name in network.names:
            values = case.conflicts[column].to_numpy(dtype=float)[:train_days]
            intensity[: values.size, network.index(name)] = values
    since = np.argmax(intensity > 0, axis=0)
    exposure = 0.0
    for day in range(train_days):
        decay = conflict_decay(settings, since, day)
        exposure += float(np.sum(network.population * intensity[day] * decay))
    observed = observed_camp_counts(case, settings.hasten).sum(axis=1).to_numpy()
    arrivals = float(observed[train_days - 1] - observed[0])
    return max(arrivals, 1.0) / max(exposure, 1.0)


def calibrate(
    case: DisplacementCase,
    *,
    train_days: int,
    seed: int = 0,
    trials: int = 32,
    settings: SimSettings | None = None,
    progress: Progress | None = None,
) -> Calibration:
    """Search the spawn rate, move chance and weights (Latin hypercube) for the lowest ARD before `train_days`."""
    if not 7 <= train_days < case.length:
        raise ValueError(f"train_days must be between 7 and {case.length - 1}; got {train_days}")
    if trials < 1:
        raise ValueError(f"trials must be 1 or more; got {trials}")
    base = (settings or case.settings).with_changes(
        spawn_mode="pop_poisson", take_from_population=True, conflict_driven_spawning=True
    )
    rate = _start_rate(case, base, train_days)
    names = list(SEARCH_SPACE)
    low = np.log([SEARCH_SPACE[n][0] * (rate if n == "displaced_per_conflict_day" else 1) for n in names])
    high = np.log([SEARCH_SPACE[n][1] * (rate if n == "displaced_per_conflict_day" else 1) for n in names])
    points = qmc.LatinHypercube(d=len(names), seed=seed).random(trials)
    candidates = np.exp(low + points * (high - low))
    rows = []
    best: tuple[float, SimSettings] | None = None
    for index, values in enumerate(candidates):
        trial = base.with_changes(**dict(zip(names, (float(v) for v in values), strict=True)))
        run = simulate(case, seed=seed, settings=trial, days=train_days, spawning="conflict")
        loss = averaged_relative_difference(run.camp_frame(), run.observed_frame())
        rows.append({**dict(zip(names, values, strict=True)), "loss": loss})
        if best is None or loss < best[0]:
            best = (loss, trial)
        if progress is not None:
            progress(index + 1, trials)
    assert best is not None  # trials >= 1
    return Calibration(best[1], train_days, best[0], pd.DataFrame(rows), seed)


def forecast(case: DisplacementCase, calibration: Calibration, *, seed: int | None = None) -> Forecast:
    """Run the calibrated settings over the whole period; score only the days after the training window."""
    run = simulate(
        case, seed=calibration.seed if seed is None else seed, settings=calibration.settings, spawning="conflict"
    )
    start = calibration.train_days
    sim, data = run.camp_frame().iloc[start:], run.observed_frame().iloc[start:]
    return Forecast(
        result=run,
        calibration=calibration,
        ard_out_of_sample=averaged_relative_difference(sim, data),
        ard_rescaled_out_of_sample=averaged_relative_difference(sim, data, rescaled=True),
        mase_flat=mase(run.camp_frame(), run.observed_frame(), origin=start - 1, naive="flat"),
        mase_sloped=mase(run.camp_frame(), run.observed_frame(), origin=start - 1, naive="sloped"),
    )
