"""Harmonisation recipes: map a raw survey's variables to the canonical ``households`` and ``persons`` tables."""

from __future__ import annotations

from ruralmig.survey.harmonise.runner import BUNDLED_RECIPES, HarmonisedSurvey, harmonise, load_recipe

__all__ = ["BUNDLED_RECIPES", "HarmonisedSurvey", "harmonise", "load_recipe"]
