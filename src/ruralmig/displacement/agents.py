"""Agents as a struct of arrays: where each one is, the link it travels on, how far along it is."""

from __future__ import annotations

import numpy as np

__all__ = ["Agents"]


class Agents:
    """Growable arrays, one slot per agent; only the first `size` slots are live."""

    def __init__(self, capacity: int = 1024, route_length: int = 0) -> None:
        self.size = 0
        self.route = np.full((capacity, route_length), -1, dtype=np.int32)  # links still to take, -1 padded
        self.location = np.zeros(capacity, dtype=np.int32)
        self.link = np.full(capacity, -1, dtype=np.int32)
        self.on_link = np.zeros(capacity, dtype=np.float32)
        self.recent = np.zeros(capacity, dtype=np.float32)
        self.has_moved = np.zeros(capacity, dtype=bool)

    def add(self, locations: np.ndarray) -> None:
        """Append agents at `locations` (location indices)."""
        count = int(locations.size)
        if count == 0:
            return
        needed = self.size + count
        if needed > self.location.size:
            self._grow(max(needed, 2 * self.location.size))
        end = self.size + count
        self.location[self.size : end] = locations
        self.link[self.size : end] = -1
        self.on_link[self.size : end] = 0.0
        self.recent[self.size : end] = 0.0
        self.has_moved[self.size : end] = False
        self.route[self.size : end] = -1
        self.size = end

    def _grow(self, capacity: int) -> None:
        for name in ("location", "link", "on_link", "recent", "has_moved", "route"):
            old = getattr(self, name)
            new = np.full((capacity, *old.shape[1:]), -1 if name == "route" else 0, dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def live(self, name: str) -> np.ndarray:
        """A view of the live part of one array."""
        array: np.ndarray = getattr(self, name)[: self.size]
        return array
