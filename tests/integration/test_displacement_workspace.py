"""A Flee case stored in the workspace's network tables simulates exactly as the folder does."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig import InputError, Workspace
from ruralmig.datasets import burundi_case_folder
from ruralmig.displacement import simulate
from ruralmig.ingest.flee import read_case


def test_network_from_the_workspace_gives_the_same_run_as_the_folder(workspace: Workspace) -> None:
    written = workspace.import_flee_case(burundi_case_folder())
    assert written == {
        "network_locations": 30,
        "network_routes": 41,
        "closures": 2,
        "conflict_intensity": 11_880,
        "observed_arrivals": 336,
    }
    folder_case = read_case(burundi_case_folder())
    stored_case = workspace.displacement_case("burundi2015", settings=folder_case.settings)
    assert (stored_case.start_date, stored_case.length) == (folder_case.start_date, folder_case.length)
    from_folder, from_tables = simulate(folder_case, seed=4), simulate(stored_case, seed=4)
    assert np.array_equal(from_folder.counts, from_tables.counts)
    assert np.array_equal(from_folder.observed_frame().to_numpy(), from_tables.observed_frame().to_numpy())


def test_a_refused_table_leaves_no_rows_of_the_network_behind(workspace: Workspace, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(burundi_case_folder(), broken)
    conflicts = broken / "input_csv" / "conflicts.csv"
    text = conflicts.read_text()
    conflicts.write_text(text.replace("\n5, 1,", "\n5, 7,", 1))  # intensity 7 on day 5: above the maximum of 1
    with pytest.raises(InputError, match="maximum of 1"):
        workspace.import_flee_case(broken, network_id="broken")
    for table in ("network_locations", "network_routes", "closures", "conflict_intensity", "observed_arrivals"):
        assert workspace.count(table) == 0, table


def test_a_stored_run_keeps_its_parameters_seed_and_tidy_counts(workspace: Workspace) -> None:
    case = read_case(burundi_case_folder())
    result = simulate(case, seed=2, days=30)
    run_id = workspace.save_displacement_run(result, case)
    runs = workspace.read("results")
    assert runs["run_id"].tolist() == [run_id]
    assert runs.loc[0, "seed"] == 2
    assert len(runs.loc[0, "inputs_hash"]) == 64
    assert '"max_move_speed": 200' in str(runs.loc[0, "parameters"])
    stored = workspace.read("displacement_results")
    assert len(stored) == 30 * 30
    nyarugusu = stored[(stored["location"] == "Nyarugusu") & (stored["day"] == 29)]
    assert int(nyarugusu["agents"].iloc[0]) == int(result.camp_frame()["Nyarugusu"].iloc[29])


def test_an_index_run_is_stored_with_its_definition(workspace: Workspace) -> None:
    frame = pd.DataFrame(
        {
            "unit": ["AF01", "AF02"],
            "period": ["2020", "2020"],
            "node": ["root", "root"],
            "kind": ["node", "node"],
            "score": [0.75, float("nan")],
            "missing_share": [0.0, 1.0],
            "imputed_share": [0.0, 0.0],
        }
    )
    run_id = workspace.save_index_run(frame, "root: drivers\n", frame[["unit", "score"]])
    stored = workspace.read("index_results").sort_values("unit", ignore_index=True)
    assert stored["run_id"].unique().tolist() == [run_id]
    assert stored.loc[0, "score"] == 0.75
    assert np.isnan(stored.loc[1, "score"])
    assert "root: drivers" in str(workspace.read("results").loc[0, "parameters"])
