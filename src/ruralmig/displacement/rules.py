"""Flee 3's rules as array operations: move chances, location scores, capacity multipliers, link weights."""

from __future__ import annotations

import numpy as np

from ruralmig.displacement.network import CAMP, CONFLICT, FORWARDING, IDPCAMP, MARKER, Network
from ruralmig.displacement.settings import SimSettings

__all__ = ["capacity_multiplier", "conflict_decay", "link_weights", "location_scores", "move_chances"]


def conflict_decay(settings: SimSettings, conflict_since: np.ndarray, day: int) -> np.ndarray:
    """Decay of a conflict's pull and push with its age (1 where no decay list is set)."""
    decay = np.asarray(settings.conflict_spawn_decay, dtype=float)
    if decay.size == 0:
        return np.ones(conflict_since.size)
    age = np.maximum(day - conflict_since, 0) // settings.conflict_spawn_decay_interval
    factors: np.ndarray = decay[np.minimum(age, decay.size - 1)]
    return factors


def move_chances(settings: SimSettings, kind: np.ndarray, network: Network) -> np.ndarray:
    """Chance per location that an agent there decides to move today."""
    chance = np.full(kind.size, settings.default_movechance)
    chance[kind == CONFLICT] = settings.conflict_movechance
    chance[kind == CAMP] = settings.camp_movechance
    chance[kind == IDPCAMP] = settings.idpcamp_movechance
    chance[(kind == FORWARDING) | (kind == MARKER)] = 1.0
    if settings.movechance_pop_scale_factor:
        scale = (
            np.maximum(network.population, 1.0) / settings.movechance_pop_base
        ) ** settings.movechance_pop_scale_factor
        chance = np.minimum(chance * scale, 1.0)
    return chance


def location_scores(
    settings: SimSettings, kind: np.ndarray, network: Network, conflict: np.ndarray, decay: np.ndarray
) -> np.ndarray:
    """Attractiveness of each location as a destination (Flee's `updateLocationScore`)."""
    score = np.ones(kind.size)
    score[network.foreign] *= settings.foreign_weight
    score[(kind == CAMP) | (kind == IDPCAMP)] *= settings.camp_weight
    at_war = conflict > 0
    score[at_war] *= settings.conflict_weight ** (decay[at_war] * conflict[at_war])
    return score


def capacity_multiplier(settings: SimSettings, capacity: np.ndarray, residents: np.ndarray) -> np.ndarray:
    """1 below the buffer share of capacity, falling linearly to 0 at capacity; 1 where there is no capacity."""
    cap = capacity * settings.capacity_scaling
    buffer = settings.capacity_buffer
    multiplier = np.ones(cap.size)
    limited = cap >= 1
    full = limited & (residents >= cap)
    between = limited & (residents > buffer * cap) & ~full
    multiplier[full] = 0.0
    if buffer < 1:
        multiplier[between] = 1.0 - (residents[between] - buffer * cap[between]) / (cap[between] * (1.0 - buffer))
    return multiplier


def link_weights(
    settings: SimSettings, network: Network, score: np.ndarray, capacity_mult: np.ndarray, open_link: np.ndarray
) -> np.ndarray:
    """Weight of taking each link to its end point; closed links and links into markers' duplicates get 0."""
    end = network.target
    base = (settings.weight_softening + score[end]) / (settings.softening + network.distance) ** settings.distance_power
    weights = (base * capacity_mult[end]) ** settings.weight_power
    weights[~open_link] = 0.0
    if settings.pruning_threshold > 1:
        best = np.zeros(network.size)
        np.maximum.at(best, network.source, weights)
        weights[weights < best[network.source] / settings.pruning_threshold] = 0.0
    chosen: np.ndarray = weights
    return chosen
