"""Design-based estimation for household surveys, matching R ``survey``.

Designs: :class:`SurveyDesign` (strata, PSUs, fpc, an optional second stage; post-stratification, raking and
linear calibration; Taylor linearisation) and :class:`ReplicateDesign` (published or generated JK1, JKn, BRR, Fay
and bootstrap replicate weights, calibrated replicate by replicate). Estimators: means, totals, ratios and
proportions by domain, quantiles with Woodruff intervals, proportions with ``svyciprop`` intervals and generalised
linear models with design-based standard errors. Every estimator returns a tidy frame with estimate, se, ci_low,
ci_high, deff, df and n.
"""

from __future__ import annotations

from ruralmig.survey.ciprop import CIPROP_METHODS, survey_ciprop
from ruralmig.survey.design import LONELY_PSU_OPTIONS, SurveyDesign
from ruralmig.survey.glm import survey_glm
from ruralmig.survey.quantiles import QUANTILE_RULES, survey_quantile
from ruralmig.survey.replicates import REPLICATE_KINDS, ReplicateDesign, replicate_design
from ruralmig.survey.taylor import (
    AnyDesign,
    SurveyEstimate,
    survey_mean,
    survey_proportion,
    survey_ratio,
    survey_total,
)

__all__ = [
    "CIPROP_METHODS",
    "LONELY_PSU_OPTIONS",
    "QUANTILE_RULES",
    "REPLICATE_KINDS",
    "AnyDesign",
    "ReplicateDesign",
    "SurveyDesign",
    "SurveyEstimate",
    "replicate_design",
    "survey_ciprop",
    "survey_glm",
    "survey_mean",
    "survey_proportion",
    "survey_quantile",
    "survey_ratio",
    "survey_total",
]
