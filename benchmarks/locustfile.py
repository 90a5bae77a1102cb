"""Locust users for benchmarks/api_load.py: viewers reading indicators and areas.

The key comes from RURALMIG_BENCH_KEY; area and indicator names from RURALMIG_BENCH_AREAS and
RURALMIG_BENCH_INDICATORS (comma-separated), so every request asks for data the workspace holds.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

KEY = os.environ.get("RURALMIG_BENCH_KEY", "")
AREAS = [a for a in os.environ.get("RURALMIG_BENCH_AREAS", "").split(",") if a] or ["MZ01"]
INDICATORS = [i for i in os.environ.get("RURALMIG_BENCH_INDICATORS", "").split(",") if i] or ["r3q"]
COUNTRIES = [c for c in os.environ.get("RURALMIG_BENCH_COUNTRIES", "").split(",") if c] or ["MOZ"]


class Viewer(HttpUser):
    """A dashboard user: catalogue, indicator values per area, areas per country and level."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {KEY}"

    @task(4)
    def indicator_values(self) -> None:
        params = {"indicator": random.choice(INDICATORS), "area_id": random.choice(AREAS)}
        self.client.get("/api/indicators", params=params, name="/api/indicators?indicator&area_id")

    @task(2)
    def indicator_for_country(self) -> None:
        params = {"indicator": random.choice(INDICATORS), "country": random.choice(COUNTRIES)}
        self.client.get("/api/indicators", params=params, name="/api/indicators?indicator&country")

    @task(2)
    def areas(self) -> None:
        params = {"admin_level": random.choice(("1", "2")), "country": random.choice(COUNTRIES)}
        self.client.get("/api/areas", params=params, name="/api/areas?admin_level&country")

    @task(1)
    def catalogue(self) -> None:
        self.client.get("/api/indicators/catalogue")
