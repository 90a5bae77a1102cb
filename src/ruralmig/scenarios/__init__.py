"""Scenarios and jobs: compose engines, persist their results with everything needed to reproduce them."""

from ruralmig.scenarios.persist import save_run

__all__ = ["save_run"]
