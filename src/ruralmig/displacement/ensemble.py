"""Ensembles: one case run under many seeds, with percentile bands, on local processes or on Dask.

Replica seeds come from `numpy.random.SeedSequence(seed).spawn(replicas)`: each child gives a 63-bit integer
seed (it fits a signed 64-bit column in DuckDB, PostgreSQL and pandas), recorded in `EnsembleResult.seeds`,
so `simulate(case, seed=result.seeds[i])` reproduces replica `i`. Every replica depends on its own seed only,
so the result is the same on one process, many, or a Dask cluster: all three run the same function,
`simulate_one`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.engine import simulate
from ruralmig.displacement.metrics import averaged_relative_difference
from ruralmig.displacement.network import compile_network
from ruralmig.displacement.result import SimulationResult
from ruralmig.displacement.settings import SimSettings
from ruralmig.errors import RuralmigError

__all__ = ["EnsembleResult", "replica_seeds", "run_ensemble", "simulate_one"]

Progress = Callable[[int, int], None]
DASK_INSTALL = "pip install 'ruralmig[dask]'"


def replica_seeds(seed: int, replicas: int) -> list[int]:
    """One seed per replica: the top 63 bits of a 64-bit word from each child of `SeedSequence(seed).spawn(...)`."""
    children = np.random.SeedSequence(seed).spawn(replicas)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) >> 1 for child in children]


def simulate_one(
    case: DisplacementCase, seed: int, settings: SimSettings | None, days: int | None, spawning: str
) -> SimulationResult:
    """One replica: the task that runs in-process, in a worker process or on a Dask worker alike."""
    return simulate(case, seed=seed, settings=settings, days=days, spawning=spawning)


def run_ensemble(
    case: DisplacementCase,
    *,
    replicas: int,
    seed: int,
    settings: SimSettings | None = None,
    spawning: str = "data",
    days: int | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> EnsembleResult:
    """Run `replicas` simulations of `case` and stack their daily counts.

    `workers` (default: the number of CPUs) processes run the replicas; 1 runs them in this process.
    Worker processes are started with forkserver (spawn where that is missing), so a script that calls
    this must guard its entry point with `if __name__ == "__main__":`. With `dask_address` the replicas run on
    that Dask scheduler instead and `workers` is ignored. `progress(done, total)` is called after each replica.
    """
    replicas = _whole_number("replicas", replicas, minimum=1)
    seed = _whole_number("seed", seed, minimum=0)
    if workers is not None:
        workers = _whole_number("workers", workers, minimum=1)
    if spawning not in ("data", "conflict"):
        raise ValueError(f"spawning must be 'data' or 'conflict'; got {spawning!r}")
    if days is not None:
        days = _whole_number("days", days, minimum=1)
    # Check the settings and the network here: an InputError raised in a worker process does not survive
    # the trip back (errors.InputError cannot be unpickled), so the user would see BrokenProcessPool instead.
    (settings or case.settings).check()
    compile_network(case, settings or case.settings)
    seeds = replica_seeds(seed, replicas)
    jobs = [(case, replica_seed, settings, days, spawning) for replica_seed in seeds]
    processes = min(workers or os.cpu_count() or 1, replicas)
    if dask_address is not None:
        results = _run_on_dask(dask_address, jobs, progress)
    elif processes > 1:
        results = _run_on_processes(processes, jobs, progress)
    else:
        results = []
        for job in jobs:
            results.append(simulate_one(*job))
            if progress is not None:
                progress(len(results), replicas)
    return EnsembleResult.from_replicas(seed, seeds, results)


def _whole_number(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number of {minimum} or more; got {value!r}")
    return int(value)


def _process_context() -> multiprocessing.context.BaseContext:
    """Forkserver where it exists (no fork of a process that may hold threads), else spawn."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


Job = tuple[DisplacementCase, int, SimSettings | None, int | None, str]


def _run_on_processes(workers: int, jobs: Sequence[Job], progress: Progress | None) -> list[SimulationResult]:
    results: list[SimulationResult | None] = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_process_context()) as pool:
        futures: dict[Future[SimulationResult], int] = {
            pool.submit(simulate_one, *job): i for i, job in enumerate(jobs)
        }
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(jobs))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [r for r in results if r is not None]


def _run_on_dask(address: str, jobs: Sequence[Job], progress: Progress | None) -> list[SimulationResult]:
    """The same `simulate_one` as Dask tasks; the case is sent to the workers once."""
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_as_completed
    except ImportError as error:
        raise RuralmigError(f"running an ensemble on Dask needs the dask extra: {DASK_INSTALL} ({error})") from error
    case = jobs[0][0]
    with Client(address, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        shared = client.scatter(case, broadcast=True)
        columns = list(zip(*jobs, strict=True))
        futures = client.map(simulate_one, [shared] * len(jobs), *columns[1:], pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        results: list[SimulationResult | None] = [None] * len(jobs)
        try:
            for done, future in enumerate(dask_as_completed(futures, loop=client.loop), start=1):  # type: ignore[no-untyped-call]
                results[index[future.key]] = future.result()
                if progress is not None:
                    progress(done, len(jobs))
        except BaseException:
            client.cancel(futures)
            raise
    return [r for r in results if r is not None]


@dataclass
class EnsembleResult:
    """Counts of agents per replica, day and location (int32), the replica seeds and the observed counts."""

    case_name: str
    seed: int
    seeds: list[int]
    settings: SimSettings
    spawning: str
    start_date: date
    locations: list[str]
    camps: list[str]
    counts: np.ndarray  # replicas × days × locations, int32
    observed: pd.DataFrame  # days × camps
    travelling: np.ndarray  # replicas × days
    spawned: np.ndarray  # replicas × days

    @classmethod
    def from_replicas(cls, seed: int, seeds: list[int], results: Sequence[SimulationResult]) -> EnsembleResult:
        """Stack the replicas (in seed order)."""
        counts = np.stack([r.counts for r in results])
        if counts.size and counts.max() > np.iinfo(np.int32).max:
            raise RuralmigError("a count of agents exceeds the int32 range of ensemble counts")
        first = results[0]
        return cls(
            case_name=first.case_name,
            seed=seed,
            seeds=list(seeds),
            settings=first.settings,
            spawning=first.spawning,
            start_date=first.start_date,
            locations=list(first.locations),
            camps=list(first.camps),
            counts=counts.astype(np.int32),
            observed=first.observed,
            travelling=np.stack([r.travelling for r in results]),
            spawned=np.stack([r.spawned for r in results]),
        )

    @property
    def replicas(self) -> int:
        return int(self.counts.shape[0])

    @property
    def days(self) -> int:
        return int(self.counts.shape[1])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start_date, periods=self.days, freq="D")

    def median_counts(self) -> np.ndarray:
        """Median over replicas per day and location (float; halves occur with an even number of replicas)."""
        median: np.ndarray = np.median(self.counts, axis=0)
        return median

    def percentiles(self, q: Sequence[float] = (5, 50, 95)) -> pd.DataFrame:
        """Tidy: location, day, date, one column per percentile (p5, p50, p95 by default), mean over replicas."""
        levels = [float(level) for level in q]
        if not levels or any(not 0 <= level <= 100 for level in levels):
            raise ValueError(f"q must hold percentiles between 0 and 100; got {list(q)!r}")
        values = np.percentile(self.counts, levels, axis=0)  # len(q) × days × locations
        frame = pd.DataFrame(
            {
                "location": np.repeat(self.locations, self.days),
                "day": np.tile(np.arange(self.days), len(self.locations)),
            }
        )
        frame["date"] = self._dates_of(frame["day"])
        for level, value in zip(levels, values, strict=True):
            frame[f"p{level:g}"] = value.T.ravel()
        frame["mean"] = self.counts.mean(axis=0).T.ravel()
        return frame

    def camp_bands(self, q: Sequence[float] = (5, 50, 95)) -> pd.DataFrame:
        """The percentiles of the camps that have observed data, with the observed count beside them."""
        bands = self.percentiles(q)
        bands = bands[bands["location"].isin(self.camps)]
        observed = self._observed_long()
        return bands.merge(observed, on=["location", "day"], how="left").reset_index(drop=True)

    def replica_ards(self, *, rescaled: bool = False) -> np.ndarray:
        """Flee's averaged relative difference of each replica against the observed camp counts."""
        observed = self.observed[self.camps]
        ards = [
            averaged_relative_difference(pd.DataFrame(counts, columns=self.locations), observed, rescaled=rescaled)
            for counts in self.counts
        ]
        return np.array(ards, dtype=float)

    def ard(self) -> dict[str, float]:
        """Mean and sample standard deviation over replicas of the ARD, plain and rescaled (sd NaN for one)."""
        summary: dict[str, float] = {}
        for prefix, rescaled in (("", False), ("rescaled_", True)):
            values = self.replica_ards(rescaled=rescaled)
            summary[f"{prefix}mean"] = float(values.mean())
            summary[f"{prefix}sd"] = float(values.std(ddof=1)) if values.size > 1 else float("nan")
        return summary

    def to_frame(self, run_id: str = "") -> pd.DataFrame:
        """Tidy: run_id, replica, seed, location, day, date, agents, observed (observed only for camps with data)."""
        replicas, days, locations = self.counts.shape
        frame = pd.DataFrame(
            {
                "run_id": run_id,
                "replica": np.repeat(np.arange(replicas), days * locations),
                "seed": np.repeat(np.array(self.seeds, dtype=np.int64), days * locations),
                "location": np.tile(np.repeat(self.locations, days), replicas),
                "day": np.tile(np.arange(days), replicas * locations),
                "agents": self.counts.transpose(0, 2, 1).ravel(),
            }
        )
        frame = frame.merge(self._observed_long(), on=["location", "day"], how="left")
        frame["date"] = self._dates_of(frame["day"])
        return frame[["run_id", "replica", "seed", "location", "day", "date", "agents", "observed"]]

    def _observed_long(self) -> pd.DataFrame:
        observed = self.observed[self.camps].iloc[: self.days]
        return observed.reset_index(names="day").melt(id_vars="day", var_name="location", value_name="observed")

    def _dates_of(self, day: pd.Series) -> pd.Series:
        return (pd.Timestamp(self.start_date) + pd.to_timedelta(day, unit="D")).dt.date
