"""The in-database path gives the same estimates, SEs, CIs, deffs and n as the in-memory path."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_mean, survey_proportion, survey_ratio, survey_total
from ruralmig.survey.design import LonelyPsu
from ruralmig.survey.in_database import (
    DatabaseDesign,
    database_mean,
    database_proportion,
    database_ratio,
    database_total,
)

NUMERIC = ["estimate", "se", "ci_low", "ci_high", "deff"]


def synthetic(seed: int, strata: int = 4, psus: int = 5, lonely: bool = False, missing: bool = False) -> pd.DataFrame:
    """A stratified cluster sample with a domain, a category and an fpc (PSU population counts)."""
    rng = np.random.default_rng(seed)
    rows = []
    psu_id = 0
    for stratum in range(strata):
        count = 1 if lonely and stratum == 0 else psus
        for _ in range(count):
            psu_id += 1
            size = int(rng.integers(2, 9))
            rows.append(
                pd.DataFrame(
                    {
                        "stratum": f"s{stratum}",
                        "psu": psu_id,
                        "w": rng.uniform(5, 50, size),
                        "y": rng.normal(10 + stratum, 3, size),
                        "x": rng.uniform(1, 5, size),
                        "region": rng.choice(["north", "south", "east"], size),
                        "kind": rng.choice([1, 2, 3], size),
                        "N": 40.0 + stratum,
                    }
                )
            )
    frame = pd.concat(rows, ignore_index=True)
    if missing:
        frame.loc[rng.choice(len(frame), 5, replace=False), "y"] = np.nan
    return frame


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar=false")
    yield con
    con.close()


def both(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    lonely: LonelyPsu = "fail",
    fpc: str | None = None,
    psu: str | None = "psu",
    strata: str | None = "stratum",
) -> tuple[SurveyDesign, DatabaseDesign]:
    con.register("frame_view", frame)
    con.execute("CREATE OR REPLACE TABLE records AS SELECT * FROM frame_view")
    con.unregister("frame_view")
    memory = SurveyDesign.from_frame(frame, weights="w", strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely)
    database = DatabaseDesign(con, "records", weights="w", strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely)
    return memory, database


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left["term"]) == list(right["term"])
    assert list(left["domain"].astype(str)) == list(right["domain"].astype(str))
    assert list(left["n"]) == list(right["n"])
    assert list(left["df"]) == list(right["df"])
    for column in NUMERIC:
        # Relative 1e-10; an absolute floor at rounding level for values that are zero in exact arithmetic.
        floor = 1e-13 * float(np.nanmax(np.abs(left[["estimate", "se"]].to_numpy()), initial=1.0))
        np.testing.assert_allclose(right[column], left[column], rtol=1e-10, atol=floor, equal_nan=True, err_msg=column)


@pytest.mark.parametrize("lonely", ["remove", "certainty", "adjust"])
@pytest.mark.parametrize("fpc", [None, "N"])
@pytest.mark.parametrize("by", [None, "region"])
def test_every_statistic_matches_the_in_memory_path(
    connection: duckdb.DuckDBPyConnection, lonely: LonelyPsu, fpc: str | None, by: str | None
) -> None:
    frame = synthetic(1, lonely=True)
    memory, database = both(connection, frame, lonely, fpc)
    assert_same(survey_mean(memory, ["y", "x"], by=by).table, database_mean(database, ["y", "x"], by=by).table)
    assert_same(survey_total(memory, "y", by=by).table, database_total(database, "y", by=by).table)
    assert_same(survey_ratio(memory, "y", "x", by=by).table, database_ratio(database, "y", "x", by=by).table)
    assert_same(survey_proportion(memory, "kind", by=by).table, database_proportion(database, "kind", by=by).table)


def test_whole_sample_deff_is_computed(connection: duckdb.DuckDBPyConnection) -> None:
    memory, database = both(connection, synthetic(2), fpc="N")
    result = database_mean(database, "y").table
    assert np.isfinite(result["deff"]).all()
    assert_same(survey_mean(memory, "y").table, result)


def test_missing_values_are_a_domain_not_a_row_drop(connection: duckdb.DuckDBPyConnection) -> None:
    memory, database = both(connection, synthetic(3, missing=True))
    assert_same(
        survey_mean(memory, "y", by="region", na_rm=True).table,
        database_mean(database, "y", by="region", na_rm=True).table,
    )
    assert_same(survey_ratio(memory, "y", "x", na_rm=True).table, database_ratio(database, "y", "x", na_rm=True).table)
    with pytest.raises(InputError, match="na_rm"):
        database_mean(database, "y")


def test_records_as_their_own_psus_and_one_stratum(connection: duckdb.DuckDBPyConnection) -> None:
    memory, database = both(connection, synthetic(4), psu=None, strata=None)
    assert_same(survey_mean(memory, "y", by="region").table, database_mean(database, "y", by="region").table)


def test_t_intervals_use_the_design_degrees_of_freedom(connection: duckdb.DuckDBPyConnection) -> None:
    memory, database = both(connection, synthetic(5))
    left = survey_mean(memory, "y", interval="t", level=0.9)
    right = database_mean(database, "y", interval="t", level=0.9)
    assert right.degrees_of_freedom == left.degrees_of_freedom == 16
    assert_same(left.table, right.table)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    strata=st.integers(1, 5),
    psus=st.integers(2, 6),
    lonely=st.sampled_from(["remove", "certainty", "adjust"]),
    with_fpc=st.booleans(),
    by=st.sampled_from([None, "region", "kind"]),
)
def test_property_same_numbers_on_random_designs(
    connection: duckdb.DuckDBPyConnection,
    seed: int,
    strata: int,
    psus: int,
    lonely: LonelyPsu,
    with_fpc: bool,
    by: str | None,
) -> None:
    frame = synthetic(seed, strata=strata, psus=psus, lonely=strata > 1 and seed % 2 == 0)
    memory, database = both(connection, frame, lonely, "N" if with_fpc else None)
    assert_same(survey_mean(memory, "y", by=by).table, database_mean(database, "y", by=by).table)
    assert_same(survey_ratio(memory, "y", "x", by=by).table, database_ratio(database, "y", "x", by=by).table)


def test_bad_input_names_the_column(connection: duckdb.DuckDBPyConnection) -> None:
    frame = synthetic(6)
    frame.loc[3, "w"] = -1.0
    _, database = both(connection, synthetic(6))
    with pytest.raises(InputError, match="domain column"):
        database_mean(database, "y", by="nowhere")
    with pytest.raises(InputError, match="variable column"):
        database_mean(database, "nothing")
    with pytest.raises(InputError, match="not a numeric"):
        database_mean(database, "region")
    connection.register("bad_view", frame)
    negative = DatabaseDesign(connection, "bad_view", weights="w", strata="stratum", psu="psu")
    with pytest.raises(InputError, match="negative"):
        database_mean(negative, "y")
    lonely = synthetic(7, lonely=True)
    connection.register("lonely_view", lonely)
    failing = DatabaseDesign(connection, "lonely_view", weights="w", strata="stratum", psu="psu")
    with pytest.raises(InputError, match="single PSU"):
        database_mean(failing, "y")
    shared = synthetic(8)
    shared.loc[shared.index[-1], "psu"] = 1
    connection.register("shared_view", shared)
    nested = DatabaseDesign(connection, "shared_view", weights="w", strata="stratum", psu="psu")
    with pytest.raises(InputError, match="two strata"):
        database_mean(nested, "y")
    varying = synthetic(9)
    varying.loc[0, "N"] = 99.0
    connection.register("varying_view", varying)
    fpc = DatabaseDesign(connection, "varying_view", weights="w", strata="stratum", psu="psu", fpc="N")
    with pytest.raises(InputError, match="varies"):
        database_mean(fpc, "y")
