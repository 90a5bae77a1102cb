"""Benchmark: Monte Carlo uncertainty analysis of a 200-unit × 50-indicator composite index, 10,000 replications.

The synthetic index has three levels: the root averages 5 pillars, each pillar averages 2 sub-pillars and each
sub-pillar 5 indicators (min-max normalised, random weights, a few reversed directions, 2 % of values missing).
Each replication draws a normalisation (nominal / minmax / rank), an aggregation (arithmetic / geometric) and
weights perturbed by ± 20 %. Prints the wall time, replications per second and the peak memory (VmHWM from
/proc/self/status), then (unless ``--sobol-base 0``) the time of a Sobol sensitivity run with SALib.

Peer: COINr (R) is not packaged for Debian, so its approach is timed instead in the same run: recompute the whole
index once per replication (COINr's get_sensitivity re-runs the coin for every replication), here with ruralmig's
own CompositeIndex on ``--loop-sample`` replications, extrapolated to all of them; the ratio is printed.

Usage:
    python benchmarks/index_uncertainty.py [--units 200] [--replications 10000] [--chunk-size 256]
                                           [--sobol-base 1024] [--loop-sample 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from process_memory import status_kib
from ruralmig.index import CompositeIndex
from ruralmig.index.sensitivity import SobolSensitivity
from ruralmig.index.uncertainty import UncertaintyAnalysis

PILLARS, SUBPILLARS, PER_SUBPILLAR = 5, 2, 5


def synthetic_index(units: int, seed: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """A three-level tree of 50 indicators and wide data for one period."""
    rng = np.random.default_rng(seed)
    nodes: dict[str, Any] = {"index": {"children": [f"p{p}" for p in range(PILLARS)]}}
    indicators: dict[str, Any] = {}
    for p in range(PILLARS):
        nodes[f"p{p}"] = {"children": [{"name": f"p{p}s{s}", "weight": float(rng.uniform(0.5, 2))} for s in range(2)]}
        for s in range(SUBPILLARS):
            names = [f"p{p}s{s}i{i}" for i in range(PER_SUBPILLAR)]
            nodes[f"p{p}s{s}"] = {"children": [{"name": n, "weight": float(rng.uniform(0.5, 2))} for n in names]}
            for name in names:
                indicators[name] = {"direction": int(rng.choice([1, -1], p=[0.8, 0.2])), "normalisation": "minmax"}
    definition = {"name": "bench", "root": "index", "nodes": nodes, "indicators": indicators}
    latent = rng.normal(size=(units, 1))
    values = np.exp(0.5 * latent + rng.normal(size=(units, len(indicators))))
    values[rng.random(values.shape) < 0.02] = np.nan
    data = pd.DataFrame(values, columns=list(indicators))
    data.insert(0, "period", 2020)
    data.insert(0, "unit", [f"U{i:04d}" for i in range(units)])
    return definition, data


def one_replication(definition: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The definition with one draw of the analyst's choices, as a replication-by-replication tool rebuilds it."""
    method = str(rng.choice(["minmax", "rank", "minmax"]))  # nominal is minmax here: the same three draws
    rule = str(rng.choice(["arithmetic", "geometric"]))
    nodes = {}
    for name, node in definition["nodes"].items():
        children = [child if isinstance(child, dict) else {"name": child, "weight": 1.0} for child in node["children"]]
        perturbed = [{**c, "weight": c.get("weight", 1.0) * float(rng.uniform(0.8, 1.2))} for c in children]
        nodes[name] = {**node, "children": perturbed, "aggregation": rule}
    indicators = {name: {**spec, "normalisation": method} for name, spec in definition["indicators"].items()}
    return {**definition, "nodes": nodes, "indicators": indicators}


def loop_seconds_per_replication(definition: dict[str, Any], data: pd.DataFrame, sample: int, seed: int) -> float:
    """Seconds per replication when the index is recomputed and ranked once per replication."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(sample):
        model = CompositeIndex(definition=one_replication(definition, rng)).fit(data)
        model.scores_["index"].rank(ascending=False)
    return (time.perf_counter() - start) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--sobol-base", type=int, default=1024)
    parser.add_argument("--loop-sample", type=int, default=30, help="replications timed one by one (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    definition, data = synthetic_index(args.units, args.seed)
    before = status_kib("VmHWM") / 1024
    analysis = UncertaintyAnalysis(
        definition=definition,
        normalisations=("nominal", "minmax", "rank"),
        aggregations=("arithmetic", "geometric"),
        weight_perturbation=0.2,
        n_replications=args.replications,
        chunk_size=args.chunk_size,
        seed=args.seed,
    )
    start = time.perf_counter()
    analysis.fit(data)
    elapsed = time.perf_counter() - start
    peak = status_kib("VmHWM") / 1024
    frame = analysis.to_frame()
    print(
        f"uncertainty: {args.replications:,} replications × {args.units} units × {data.shape[1] - 2} indicators "
        f"(3-level tree) in {elapsed:.2f} s ({args.replications / elapsed:,.0f} replications/s); "
        f"peak memory (VmHWM) {peak:.0f} MiB (before the run {before:.0f} MiB); "
        f"mean 5-95 % rank-interval width {frame['rank_interval_width'].mean():.1f}"
    )
    if args.loop_sample:
        per = loop_seconds_per_replication(definition, data, args.loop_sample, args.seed)
        total = per * args.replications
        print(
            f"replication by replication (COINr's approach, {args.loop_sample} timed): {per * 1000:.1f} ms each, "
            f"{total:,.0f} s for {args.replications:,} → vectorised ruralmig {total / elapsed:,.0f}× faster"
        )
    if args.sobol_base:
        sensitivity = SobolSensitivity(
            definition=definition,
            n_base=args.sobol_base,
            chunk_size=args.chunk_size,
            seed=args.seed,
        )
        start = time.perf_counter()
        sensitivity.fit(data)
        elapsed = time.perf_counter() - start
        result = sensitivity.result_
        print(
            f"sobol: {result.runs:,} runs in {elapsed:.2f} s; peak memory (VmHWM) {status_kib('VmHWM') / 1024:.0f} MiB"
        )
        print(result.summary().round(3).to_string())


if __name__ == "__main__":
    main()
