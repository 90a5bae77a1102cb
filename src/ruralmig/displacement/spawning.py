"""Where and how many people are displaced each day: driven by the observed camp totals, or by conflict."""

from __future__ import annotations

import numpy as np

from ruralmig.displacement.settings import SimSettings

__all__ = ["conflict_driven_counts", "spawn_origins", "spawn_weights"]


def spawn_weights(population: np.ndarray, conflict: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Population times conflict intensity times its decay, in conflict zones only."""
    weights = population * conflict * decay
    weights[conflict <= 0] = 0.0
    positive: np.ndarray = np.maximum(weights, 0.0)
    return positive


def spawn_origins(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """`count` origins drawn with replacement in proportion to `weights` (none if all weights are 0)."""
    total = weights.sum()
    if count <= 0 or total <= 0:
        return np.zeros(0, dtype=np.int32)
    return rng.choice(weights.size, size=count, p=weights / total).astype(np.int32)


def conflict_driven_counts(
    rng: np.random.Generator, settings: SimSettings, population: np.ndarray, conflict: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """New displaced per location today without observed totals.

    Flee's modes: constant `int(N·I)`, pop_ratio `int(r·pop·I)`, poisson `Poisson(N·I)`. Added here:
    pop_poisson `Poisson(r·pop·I)`, which keeps small expected numbers from rounding down to nobody.
    """
    intensity = np.where(conflict > 0, conflict * decay, 0.0)
    per_day = settings.displaced_per_conflict_day
    if settings.spawn_mode == "pop_poisson":
        return rng.poisson(per_day * population * intensity).astype(np.int64)
    if settings.spawn_mode == "pop_ratio":
        return np.floor(per_day * population * intensity).astype(np.int64)
    if settings.spawn_mode == "poisson":
        return rng.poisson(per_day * intensity).astype(np.int64)
    return np.floor(per_day * intensity).astype(np.int64)
