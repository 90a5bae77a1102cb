"""Per-key token buckets for expensive endpoints (jobs, uploads), held in memory."""

from __future__ import annotations

import math
import threading
import time

__all__ = ["RateLimiter"]


class RateLimiter:
    """`rate` requests per minute per key, with bursts of up to `burst`."""

    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self.rate = max(rate_per_minute, 0.0) / 60.0
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token; return 0 if allowed, else the seconds until a token is free."""
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - since) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if self.rate <= 0:
                return 60.0
            return max(math.ceil((1.0 - tokens) / self.rate), 1)
