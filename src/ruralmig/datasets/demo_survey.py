"""Demo step: the GSEPS wave 1 indicator aggregates (bundled, disclosure-checked) stored as a survey run.

The microdata of the Ghana Socioeconomic Panel Survey cannot ship; the catalogue output computed from them by
``scripts/build_gseps_aggregates.py`` can, with the producer's citation (``data/SOURCES.md``).
"""

from __future__ import annotations

import pandas as pd

from ruralmig.datasets import bundled_file
from ruralmig.workspace import Workspace

__all__ = ["GSEPS_CITATION", "GSEPS_DESIGN", "gseps_indicators", "run_demo_survey"]

GSEPS_CITATION = (
    "Institute of Statistical, Social and Economic Research. Ghana Socioeconomic Panel Survey 2009-2010, Wave 1 "
    "[dataset]. Version 1. Accra: ISSER [producer], 2010. Accra: Ghana ACEIR Hub [distributor], 2021."
)
GSEPS_DESIGN = "assumed: PSU = enumeration area, strata = region x urban/rural, weight hhweight3, lonely PSU adjust"


def gseps_indicators() -> pd.DataFrame:
    """The bundled catalogue output on GSEPS wave 1 (national, rural/urban, sex of head, region)."""
    frame: pd.DataFrame = pd.read_csv(bundled_file("gseps_w1_indicators.csv"), keep_default_na=False, na_values=[""])
    for column in ("domain", "domain_value", "indicator", "flag"):
        frame[column] = frame[column].astype(str)
    return frame


def run_demo_survey(workspace: Workspace) -> str:
    """Store the GSEPS indicators in the workspace as a survey run (``results`` + ``survey_results``); its id."""
    frame = gseps_indicators()
    parameters = {
        "source": "bundled aggregates gseps_w1_indicators.csv",
        "survey_id": str(frame["survey_id"].iloc[0]),
        "design": GSEPS_DESIGN,
        "disclosure": "min n 30, max CV 0.3, action suppress",
        "citation": GSEPS_CITATION,
    }
    return workspace.save_survey_run(frame, parameters)
