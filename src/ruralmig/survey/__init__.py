"""Design-based estimation for household surveys: designs (strata, PSUs, fpc, an optional second stage,
post-stratification and linear calibration) and Taylor-linearised means, totals, ratios and proportions."""

from __future__ import annotations

from ruralmig.survey.design import LONELY_PSU_OPTIONS, SurveyDesign
from ruralmig.survey.taylor import SurveyEstimate, survey_mean, survey_proportion, survey_ratio, survey_total

__all__ = [
    "LONELY_PSU_OPTIONS",
    "SurveyDesign",
    "SurveyEstimate",
    "survey_mean",
    "survey_proportion",
    "survey_ratio",
    "survey_total",
]
