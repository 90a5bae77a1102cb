"""Benchmark: 10 million agents for 100 days on one machine (target: under 4 GB of memory).

A synthetic network (conflict zones, towns and camps on a random geometric graph) whose observed camp total
rises to N agents in the first ten days, so that data-driven spawning creates N agents. Prints wall time,
agent-days per second, peak memory (VmHWM) and, for scale, the cost Flee's pure-Python loop would have at its
measured ~10 µs of CPU per agent-day (reference spec, section 14).

Usage: python benchmarks/displacement_scale.py [--agents N] [--days D] [--locations L] [--seed S]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from process_memory import status_kib

FLEE_SECONDS_PER_AGENT_DAY = 10e-6


def synthetic_case(agents: int, days: int, locations: int, seed: int):  # type: ignore[no-untyped-def]
    from ruralmig.displacement import DisplacementCase, SimSettings

    rng = np.random.default_rng(seed)
    xy = rng.random((locations, 2)) * 500.0  # km
    kinds = np.array(["town"] * locations, dtype=object)
    kinds[: locations // 5] = "conflict_zone"
    camps = np.arange(locations - locations // 10, locations)
    kinds[camps] = "camp"
    names = [f"L{i}" for i in range(locations)]
    frame = pd.DataFrame(
        {
            "name": names,
            "region": "r",
            "country": "X",
            "lat": xy[:, 0],
            "lon": xy[:, 1],
            "location_type": kinds,
            "conflict_date": 0,
            "population": rng.integers(10_000, 500_000, locations),
        }
    )
    frame.loc[camps, "population"] = 0
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    one, two = np.nonzero(np.triu(distance < 90.0, k=1))
    routes = pd.DataFrame(
        {
            "name1": [names[i] for i in one],
            "name2": [names[j] for j in two],
            "distance": distance[one, two].round(1),
            "forced_redirection": 0,
        }
    )
    conflicts = pd.DataFrame({n: np.ones(days) for n in names[: locations // 5]})
    start = date(2030, 1, 1)
    share = agents // len(camps)
    observations = {
        names[c]: pd.DataFrame({"date": [start, start + timedelta(days=10)], "count": [0, share]}) for c in camps
    }
    settings = SimSettings(max_move_speed=200, conflict_weight=0.25)
    return DisplacementCase(
        "synthetic", start, days, frame, routes, conflicts=conflicts, observations=observations, settings=settings
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--locations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from rich.console import Console
    from rich.progress import Progress

    from ruralmig.displacement import simulate

    console = Console(width=120)
    case = synthetic_case(args.agents, args.days, args.locations, args.seed)
    console.print(f"synthetic case: {args.locations} locations, {len(case.routes)} routes, {args.days} days")
    start = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simulating", total=args.days)
        result = simulate(case, seed=args.seed, progress=lambda done, _total: progress.update(task, completed=done))
    seconds = time.perf_counter() - start
    agents = int(result.counts[-1].sum() + result.travelling[-1])
    agent_days = float((result.counts.sum(axis=1) + result.travelling).sum())
    memory = status_kib() / 1024
    console.print(f"agents at the end: {agents:,}; agent-days: {agent_days:,.0f}")
    console.print(f"wall time: {seconds:,.1f} s; {agent_days / seconds:,.0f} agent-days per second")
    verdict = "PASS" if memory < 4096 else "MISS"
    console.print(f"peak memory: {memory:,.0f} MB (target < 4,096 MB) {verdict}")
    flee = agent_days * FLEE_SECONDS_PER_AGENT_DAY
    console.print(f"Flee at ~10 µs per agent-day would need about {flee:,.0f} s of CPU: {flee / seconds:,.0f}x longer")


if __name__ == "__main__":
    main()
