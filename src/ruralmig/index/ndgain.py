"""The ND-GAIN Country Index definition bundled with ruralmig."""

from __future__ import annotations

from importlib import resources

from ruralmig.index.definition import IndexDefinition

__all__ = ["ndgain_definition"]


def ndgain_definition() -> IndexDefinition:
    """The ND-GAIN tree (45 indicators with published goalposts, 9 sectors, Vulnerability, Readiness, GAIN)."""
    text = resources.files("ruralmig.index").joinpath("definitions", "ndgain.yml").read_text(encoding="utf-8")
    return IndexDefinition.from_yaml_text(text, file="ndgain.yml")
