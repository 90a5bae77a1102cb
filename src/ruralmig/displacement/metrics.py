"""Accuracy against observed arrivals: Flee's averaged relative difference (ARD), per-camp errors and MASE."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["averaged_relative_difference", "camp_errors", "daily_errors", "mase"]


def daily_errors(simulated: pd.DataFrame, observed: pd.DataFrame, *, rescaled: bool = False) -> pd.Series:
    """E(t) = Σ_c |sim_c(t) − data_c(t)| / max(Σ_c data_c(t), 1).

    Rescaled: sim_c(t) is first scaled to the observed total and truncated to an integer, as Flee does.
    """
    sim = simulated[observed.columns].to_numpy(dtype=float)
    data = observed.to_numpy(dtype=float)
    data_total = data.sum(axis=1)
    if rescaled:
        sim_total = sim.sum(axis=1)
        factor = np.divide(data_total, sim_total, out=np.zeros_like(data_total), where=sim_total > 0)
        sim = np.trunc(sim * factor[:, None])
    errors = np.abs(sim - data).sum(axis=1) / np.maximum(data_total, 1.0)
    return pd.Series(errors, index=observed.index, name="rescaled error" if rescaled else "error")


def averaged_relative_difference(simulated: pd.DataFrame, observed: pd.DataFrame, *, rescaled: bool = False) -> float:
    """Mean of the daily errors over the days (Flee's and FabFlee's ARD)."""
    return float(daily_errors(simulated, observed, rescaled=rescaled).mean())


def camp_errors(simulated: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Per camp: mean absolute error, mean relative error (days with data ≥ 1) and the last day's counts."""
    rows = []
    for camp in observed.columns:
        sim, data = simulated[camp].to_numpy(dtype=float), observed[camp].to_numpy(dtype=float)
        seen = data >= 1
        relative = float(np.mean(np.abs(sim[seen] / data[seen] - 1))) if seen.any() else float("nan")
        rows.append(
            {
                "camp": camp,
                "mean_absolute_error": float(np.mean(np.abs(sim - data))),
                "mean_relative_error": relative,
                "simulated_last": sim[-1],
                "observed_last": data[-1],
            }
        )
    return pd.DataFrame(rows)


def mase(simulated: pd.DataFrame, observed: pd.DataFrame, *, origin: int = 30, naive: str = "flat") -> float:
    """Mean absolute scaled error of the simulation after day `origin` against a naive forecast from that day.

    naive "flat" keeps each camp at its count on day `origin`; "sloped" continues its trend over the `origin`
    days before. Below 1 the simulation beats the naive forecast.
    """
    data = observed.to_numpy(dtype=float)
    sim = simulated[observed.columns].to_numpy(dtype=float)
    if origin <= 0 or origin >= data.shape[0]:
        raise ValueError(f"origin must be between 1 and {data.shape[0] - 1}; got {origin}")
    ahead = np.arange(1, data.shape[0] - origin)[:, None]
    base = data[origin]
    if naive == "sloped":
        forecast = base + ahead * (data[origin] - data[0]) / origin
    elif naive == "flat":
        forecast = np.broadcast_to(base, (ahead.size, base.size))
    else:
        raise ValueError(f"naive must be 'flat' or 'sloped'; got {naive!r}")
    future = data[origin + 1 :]
    naive_error = np.abs(forecast - future).sum()
    model_error = np.abs(sim[origin + 1 :] - future).sum()
    return float(model_error / naive_error) if naive_error > 0 else float("inf")
