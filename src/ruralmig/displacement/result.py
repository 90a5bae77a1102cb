"""The outcome of one simulation: agents per location and day, next to the observed counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ruralmig.displacement.metrics import averaged_relative_difference
from ruralmig.displacement.settings import SimSettings

__all__ = ["SimulationResult"]


@dataclass
class SimulationResult:
    """Counts of agents at each location at the end of each day, plus the run's inputs."""

    case_name: str
    seed: int
    settings: SimSettings
    spawning: str
    start_date: date
    locations: list[str]
    camps: list[str]
    counts: np.ndarray  # days × locations
    observed: pd.DataFrame  # days × camps
    travelling: np.ndarray
    spawned: np.ndarray
    debt: np.ndarray

    @property
    def days(self) -> int:
        return int(self.counts.shape[0])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start_date, periods=self.days, freq="D")

    def location_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.counts, columns=self.locations, index=pd.RangeIndex(self.days, name="day"))

    def camp_frame(self) -> pd.DataFrame:
        return self.location_frame()[self.camps]

    def observed_frame(self) -> pd.DataFrame:
        return self.observed[self.camps]

    def ard(self, *, rescaled: bool = False) -> float:
        return averaged_relative_difference(self.camp_frame(), self.observed_frame(), rescaled=rescaled)

    def to_frame(self, run_id: str = "") -> pd.DataFrame:
        """Tidy: run_id, location, day, date, agents, observed (observed only for camps with data)."""
        frame = self.location_frame().reset_index().melt(id_vars="day", var_name="location", value_name="agents")
        observed = self.observed_frame().reset_index().melt(id_vars="day", var_name="location", value_name="observed")
        frame = frame.merge(observed, on=["day", "location"], how="left")
        frame["date"] = (pd.Timestamp(self.start_date) + pd.to_timedelta(frame["day"], unit="D")).dt.date
        frame.insert(0, "run_id", run_id)
        return frame[["run_id", "location", "day", "date", "agents", "observed"]]

    def flee_out_frame(self) -> pd.DataFrame:
        """The columns of Flee's out.csv (Date is the day's own date; Flee prints the day after)."""
        sim, data = self.camp_frame(), self.observed_frame()
        frame = pd.DataFrame({"Day": np.arange(self.days), "Date": [d.date().isoformat() for d in self.dates]})
        for camp in self.camps:
            s, d = sim[camp].to_numpy(dtype=float), data[camp].to_numpy(dtype=float)
            error = np.where(d >= 1e-5, np.abs(np.divide(s, d, out=np.zeros_like(s), where=d > 0) - 1), 0.0)
            frame[f"{camp} sim"] = s.astype(np.int64)
            frame[f"{camp} data"] = d.astype(np.int64)
            frame[f"{camp} error"] = np.round(error, 4)
        in_camps = data.to_numpy().sum(axis=1)
        frame["Total error"] = np.abs(sim.to_numpy() - data.to_numpy()).sum(axis=1) / np.maximum(in_camps, 1)
        frame["refugees in camps (UNHCR)"] = in_camps
        frame["total refugees (simulation)"] = self.counts.sum(axis=1) + self.travelling
        frame["raw UNHCR refugee count"] = in_camps
        frame["refugees in camps (simulation)"] = sim.to_numpy().sum(axis=1)
        frame["refugee_debt"] = self.debt
        return frame
