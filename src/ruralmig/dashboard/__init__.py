"""The web dashboard: static pages (plain ES modules) served by the API at `/`; see docs/dashboard.md."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["static_folder"]


def static_folder() -> Path:
    """Folder of the dashboard's static files (index.html, js/, css/, vendor/)."""
    return Path(str(resources.files("ruralmig.dashboard").joinpath("static")))
