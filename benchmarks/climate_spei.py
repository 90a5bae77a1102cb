"""Benchmark: SPEI-12 on a 1,000 × 1,000 grid of 480 months, against climate-indices on a subset of cells.

Synthetic monthly precipitation (seasonal gamma) and PET (seasonal, noisy) are generated in float32 by blocks of
rows, and only their difference (the water balance) is kept, so the inputs take 4 bytes × months × cells.
`ruralmig.climate.spei` then runs on the whole grid (it fits cells in chunks internally). climate-indices 3.1.0
(`indices.spei` with `Distribution.loglogistic`, one call per cell, as its numpy API works) runs on
`--peer-cells` cells of the same data; its time per cell is extrapolated to the grid and the ratio printed.
Peak memory is the process's VmHWM from /proc/self/status.

Needs climate-indices (`pip install -e '.[dev]'`). Usage:
    python benchmarks/climate_spei.py [--size 1000] [--months 480] [--peer-cells 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from process_memory import status_kib

TARGET_RATIO = 20.0


def synthetic_inputs(size: int, months: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float32 (months, size, size) water balance, plus precipitation and PET of the first row (for the peer)."""
    rng = np.random.default_rng(seed)
    season = np.cos(2 * np.pi * (np.arange(months) % 12 - 6) / 12).astype(np.float32)
    rain_scale = (30.0 + 20.0 * season)[:, None, None]
    pet_mean = (70.0 + 50.0 * season)[:, None, None]
    balance = np.empty((months, size, size), dtype=np.float32)
    rows = max(1, (1 << 24) // (months * size))
    first_rain = first_pet = np.empty(0, dtype=np.float32)
    for start in range(0, size, rows):
        block = (months, min(rows, size - start), size)
        rain = rng.standard_gamma(2.0, size=block, dtype=np.float32) * rain_scale
        pet = pet_mean * (1.0 + 0.15 * rng.standard_normal(size=block, dtype=np.float32))
        np.maximum(pet, 0.0, out=pet)
        if start == 0:
            first_rain, first_pet = rain[:, 0, :].copy(), pet[:, 0, :].copy()
        np.subtract(rain, pet, out=balance[:, start : start + block[1], :])
    return balance, first_rain, first_pet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="grid side: size × size cells (default 1000)")
    parser.add_argument("--months", type=int, default=480)
    parser.add_argument("--peer-cells", type=int, default=200, help="cells run through climate-indices")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from ruralmig.climate import spei

    cells = args.size * args.size
    started = time.perf_counter()
    balance, rain, pet = synthetic_inputs(args.size, args.months, args.seed)
    print(f"inputs: {args.months} months × {args.size} × {args.size} cells, float32 water balance "
          f"{balance.nbytes / 2**30:.2f} GiB, generated in {time.perf_counter() - started:.1f} s; "
          f"RSS {status_kib('VmRSS') / 2**20:.2f} GiB")  # fmt: skip

    started = time.perf_counter()
    result = spei(balance, 12)
    ours = time.perf_counter() - started
    finite = float(np.isfinite(result[11:]).mean())
    peak = status_kib("VmHWM") / 2**20
    print(f"ruralmig spei-12: {ours:.1f} s ({ours / cells * 1e6:.1f} µs per cell), output {result.dtype}, "
          f"{finite:.4%} finite after the first 11 months; peak memory (VmHWM) {peak:.2f} GiB")  # fmt: skip

    os.environ.setdefault("CLIMATE_INDICES_LOG_LEVEL", "ERROR")
    try:
        from climate_indices import compute, indices
    except ImportError:
        print("climate-indices is not installed (pip install -e '.[dev]'): no peer figures")
        return
    peer_cells = min(args.peer_cells, args.size)
    start_year = 1981
    end_year = start_year + (args.months - 1) // 12
    peer_values = np.empty((args.months, peer_cells))
    started = time.perf_counter()
    for cell in range(peer_cells):
        peer_values[:, cell] = indices.spei(
            rain[:, cell].astype(np.float64), pet[:, cell].astype(np.float64), 12, indices.Distribution.loglogistic,
            compute.Periodicity.monthly, start_year, start_year, end_year,
        )[: args.months]  # fmt: skip
    peer = (time.perf_counter() - started) / peer_cells
    mine = result[:, 0, :peer_cells]
    both = np.isfinite(peer_values) & (np.abs(mine) < 3.09)  # climate-indices clips to ±3.09, R SPEI does not
    difference = float(np.max(np.abs(peer_values[both] - mine[both])))
    print(f"climate-indices 3.1.0 spei-12 loglogistic: {peer * 1e3:.2f} ms per cell over {peer_cells} cells; "
          f"extrapolated to {cells:,} cells: {peer * cells:.0f} s; max |Δ| vs ruralmig {difference:.2e} "
          "(float32 balance; unclipped values)")  # fmt: skip
    ratio = peer * cells / ours
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ratio: ruralmig is {ratio:.0f}× faster ({verdict} the ≥{TARGET_RATIO:.0f}× target)")


if __name__ == "__main__":
    main()
