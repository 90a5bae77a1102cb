"""Index definitions bundled with ruralmig: their names, files and a loader.

- ``ndgain``: ND-GAIN Country Index with its published goalposts (reproduced end to end).
- ``inform_style_risk``: INFORM's structure and aggregation rules with sub-national indicators.
- ``adverse_drivers``: adverse drivers of rural migration (conflict, food insecurity, rural poverty, inequality,
  unemployment, lack of social protection, environmental degradation, climate/drought).

Each YAML file opens with a header that documents its indicators, sources, directions, goalposts and aggregation.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ruralmig.errors import InputError, Issue
from ruralmig.index.definition import IndexDefinition

__all__ = ["BUNDLED_DEFINITIONS", "bundled_definition", "load_bundled_definition"]

BUNDLED_DEFINITIONS: dict[str, str] = {
    "ndgain": "ndgain.yml",
    "inform_style_risk": "inform_style_risk.yml",
    "adverse_drivers": "adverse_drivers.yml",
}
"""Bundled definition names and their files in ``ruralmig/index/definitions``."""


def bundled_definition(name: str) -> Path:
    """Path of a bundled definition's YAML file (pass it to ``CompositeIndex`` or ``ruralmig index compute``)."""
    key = name.removesuffix(".yml").replace("-", "_").lower()
    if key not in BUNDLED_DEFINITIONS:
        raise InputError(
            Issue(
                "definition",
                f"is not a bundled index definition (bundled: {', '.join(BUNDLED_DEFINITIONS)})",
                column="name",
                value=name,
            )
        )
    path = Path(str(resources.files("ruralmig.index").joinpath("definitions", BUNDLED_DEFINITIONS[key])))
    if not path.is_file():
        raise InputError(Issue(str(path), "is missing from the ruralmig installation", column="name", value=name))
    return path


def load_bundled_definition(name: str) -> IndexDefinition:
    """A bundled definition, read and validated."""
    return IndexDefinition.from_yaml(bundled_definition(name))
