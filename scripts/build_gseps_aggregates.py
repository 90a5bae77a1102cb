"""Build the shippable GSEPS wave 1 indicator aggregates (disclosure-checked) from the survey microdata.

    python scripts/build_gseps_aggregates.py ../shared/data/survey/gseps_wave1 \
        --out src/ruralmig/datasets/data/gseps_w1_indicators.csv

The microdata never ship; only the catalogue output below passes the disclosure rules (n >= 30, CV <= 0.3,
suppress) and is written with the producer's citation in SOURCES.md. Assumed design: PSU = EA, strata = region x
urban/rural, weight hhweight3, lonely PSU 'adjust' (see docs/households.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ruralmig.survey import SurveyDesign
from ruralmig.survey.catalogue import compute_catalogue
from ruralmig.survey.disclosure import DisclosurePolicy
from ruralmig.survey.harmonise import harmonise


def build(source: Path, out: Path) -> int:
    """Harmonise the survey, compute the catalogue and write the released cells; return the row count."""
    survey = harmonise("gseps_w1", source)
    options = {key: survey.design[key] for key in ("weights", "strata", "psu", "fpc", "lonely_psu")}
    households = SurveyDesign.from_frame(survey.households, source="gseps households", **options)
    persons = None
    if survey.persons is not None:
        persons = SurveyDesign.from_frame(survey.persons, source="gseps persons", **options)
    frame = compute_catalogue(households, policy=DisclosurePolicy(), survey_id=survey.survey_id, person_design=persons)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, float_format="%.10g")
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the gseps_wave1 folder (derived CSV and raw/*.dta)")
    parser.add_argument("--out", type=Path, default=Path("src/ruralmig/datasets/data/gseps_w1_indicators.csv"))
    arguments = parser.parse_args()
    rows = build(arguments.source, arguments.out)
    print(f"{rows} indicator cells written to {arguments.out}")


if __name__ == "__main__":
    main()
