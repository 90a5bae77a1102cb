"""Same rules, same answers: ARD on the Flee validation cases within ±0.03 of Flee's own (mean of 10 seeds).

Expected values and their sources: flee_ard_reference.csv beside this file. Burundi runs on the copy bundled
with ruralmig; Mali needs ../shared/data/displacement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig.datasets import burundi_case_folder
from ruralmig.displacement import SimSettings, simulate
from ruralmig.ingest.flee import read_case

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data" / "displacement"
REFERENCE = pd.read_csv(HERE / "flee_ard_reference.csv")
SEEDS = range(10)


def case_folder(name: str) -> Path:
    if name == "burundi":
        return burundi_case_folder()
    folder = SHARED / name
    if not folder.exists():
        pytest.skip(f"{folder} is not beside the project")
    return folder


def fabflee_settings(row: pd.Series) -> SimSettings:
    return SimSettings(
        max_move_speed=200,
        conflict_weight=0.25,
        default_movechance=0.3,
        awareness_level=1,
        conflict_spawn_decay=(1, 1, 1, 0.5, 0.1),
        camp_weight=float(row["camp_weight"]),
        capacity_buffer=float(row["capacity_buffer"]),
        hasten=int(row["hasten"]),
    )


@pytest.mark.reference
@pytest.mark.parametrize(
    "index", range(len(REFERENCE)), ids=lambda i: f"{REFERENCE.case[i]}-hasten{REFERENCE.hasten[i]}"
)
def test_ard_matches_flee_within_tolerance(index: int) -> None:
    row = REFERENCE.iloc[index]
    case = read_case(case_folder(str(row["case"])))
    settings = fabflee_settings(row)
    runs = [simulate(case, seed=seed, settings=settings) for seed in SEEDS]
    normal = float(np.mean([r.ard() for r in runs]))
    rescaled = float(np.mean([r.ard(rescaled=True) for r in runs]))
    assert normal == pytest.approx(row["ard_normal"], abs=row["tolerance"])
    assert rescaled == pytest.approx(row["ard_rescaled"], abs=row["tolerance"])


@pytest.mark.reference
def test_burundi_camp_total_on_the_last_day_is_the_published_205445() -> None:
    case = read_case(burundi_case_folder())
    result = simulate(case, seed=1, days=case.length)
    assert int(result.observed_frame().iloc[-1].sum()) == 205_445
