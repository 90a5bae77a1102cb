"""Displacement: a vectorised, seeded re-implementation of Flee's agent-based rules.

`simulate(case, seed=...)` runs a `DisplacementCase` (read one with `ruralmig.ingest.flee.read_case`) and
returns a `SimulationResult`; `metrics` holds Flee's averaged relative difference and naive-forecast checks.
"""

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.engine import simulate
from ruralmig.displacement.result import SimulationResult
from ruralmig.displacement.settings import SimSettings

__all__ = ["DisplacementCase", "SimSettings", "SimulationResult", "simulate"]
