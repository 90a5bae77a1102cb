"""Route choice: weighted draws among links (awareness 1) or among loop-free paths of up to k hops.

With awareness k, every path of 1..k links from a location is a candidate; its weight is Flee's
`[(weight_softening + score(end)) / (softening + length)^distance_power · capacity(end)]^weight_power`.
An agent takes the path's first link and keeps the rest as its route.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ruralmig.displacement.network import Network
from ruralmig.displacement.settings import SimSettings

__all__ = ["PathSet", "WeightedChooser", "enumerate_paths", "path_weights"]


@dataclass(frozen=True)
class PathSet:
    """Loop-free paths sorted by start location; `links` is padded with -1 up to k columns."""

    start: np.ndarray
    end: np.ndarray
    links: np.ndarray
    length: np.ndarray
    offsets: np.ndarray

    @property
    def size(self) -> int:
        return int(self.start.size)


def enumerate_paths(network: Network, hops: int, markers: np.ndarray | None = None, longest: int = 8) -> PathSet:
    """All paths of 1..`hops` links that visit no location twice (vectorised breadth-first expansion).

    Markers (a boolean per location) are waypoints: they do not count as hops and paths do not end there,
    so a path through k markers has up to `hops` + k links (at most `longest`).
    """
    through = markers if markers is not None else np.zeros(network.size, dtype=bool)
    nodes = np.stack([network.source, network.target], axis=1)
    links = np.arange(network.source.size)[:, None]
    length = network.distance.copy()
    counted = (~through[network.target]).astype(np.int64)
    levels = [(nodes, links, length, counted)]
    while links.shape[1] < longest:
        ends = nodes[:, -1]
        grow = (counted < hops) | through[ends]
        nodes, links, length, counted = nodes[grow], links[grow], length[grow], counted[grow]
        ends = nodes[:, -1]
        degree = network.offsets[ends + 1] - network.offsets[ends]
        parent = np.repeat(np.arange(ends.size), degree)
        within = np.arange(parent.size) - np.repeat(np.cumsum(degree) - degree, degree)
        new_link = network.offsets[ends][parent] + within
        new_node = network.target[new_link]
        fresh = ~(nodes[parent] == new_node[:, None]).any(axis=1)
        parent, new_link, new_node = parent[fresh], new_link[fresh], new_node[fresh]
        if parent.size == 0:
            break
        nodes = np.hstack([nodes[parent], new_node[:, None]])
        links = np.hstack([links[parent], new_link[:, None]])
        length = length[parent] + network.distance[new_link]
        counted = counted[parent] + (~through[new_node]).astype(np.int64)
        levels.append((nodes, links, length, counted))
    width = max(lk.shape[1] for _, lk, _, _ in levels)
    keep = [(~through[n[:, -1]]) & (c <= hops) for n, _, _, c in levels]
    padded = [
        np.hstack([lk, np.full((lk.shape[0], width - lk.shape[1]), -1)])[k]
        for (_, lk, _, _), k in zip(levels, keep, strict=True)
    ]
    all_links = np.vstack(padded).astype(np.int32)
    start = np.concatenate([n[k, 0] for (n, _, _, _), k in zip(levels, keep, strict=True)]).astype(np.int32)
    end = np.concatenate([n[k, -1] for (n, _, _, _), k in zip(levels, keep, strict=True)]).astype(np.int32)
    all_length = np.concatenate([d[k] for (_, _, d, _), k in zip(levels, keep, strict=True)])
    order = np.argsort(start, kind="stable")
    offsets = np.zeros(network.size + 1, dtype=np.int64)
    np.add.at(offsets, start + 1, 1)
    return PathSet(start[order], end[order], all_links[order], all_length[order], np.cumsum(offsets))


def path_weights(
    settings: SimSettings, paths: PathSet, score: np.ndarray, capacity_mult: np.ndarray, open_link: np.ndarray
) -> np.ndarray:
    """Weight of each path today; 0 where any of its links is closed."""
    is_open = np.append(open_link, True)[paths.links].all(axis=1)
    base = (settings.weight_softening + score[paths.end]) / (
        settings.softening + paths.length
    ) ** settings.distance_power
    weights = (base * capacity_mult[paths.end]) ** settings.weight_power
    weights[~is_open] = 0.0
    if settings.pruning_threshold > 1:
        best = np.zeros(paths.offsets.size - 1)
        np.maximum.at(best, paths.start, weights)
        weights[weights < best[paths.start] / settings.pruning_threshold] = 0.0
    chosen: np.ndarray = weights
    return chosen


class WeightedChooser:
    """Draws one item per agent among the items of its location, in proportion to their weights.

    Items (links or paths) are sorted by location, with CSR `offsets`. Where every weight of a location is 0,
    its `usable` items are drawn uniformly (Flee's rule when no destination pulls).
    """

    def __init__(self, owner: np.ndarray, offsets: np.ndarray, weights: np.ndarray, usable: np.ndarray) -> None:
        locations = offsets.size - 1
        totals = np.bincount(owner, weights=weights, minlength=locations)
        weights = np.where(totals[owner] <= 0, usable.astype(float), weights)
        self.totals = np.bincount(owner, weights=weights, minlength=locations)
        self.cumulative = np.cumsum(weights)
        starts = offsets[:-1]
        self.before = np.where(starts > 0, self.cumulative[np.maximum(starts - 1, 0)], 0.0)
        self.offsets = offsets
        self.can_leave = self.totals > 0

    def pick(self, rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
        target = self.before[at] + rng.random(at.size) * self.totals[at]
        picked = np.searchsorted(self.cumulative, target, side="right")
        items: np.ndarray = np.clip(picked, self.offsets[at], self.offsets[at + 1] - 1).astype(np.int32)
        return items
