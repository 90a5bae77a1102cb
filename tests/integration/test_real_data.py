"""Real published files: what ruralmig finds in them. Uses ../shared/data when it is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruralmig import InputError, Workspace

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
PCODES = SHARED / "context" / "ocha_global_pcodes" / "global_pcodes_adm_1_2.csv"
needs_shared = pytest.mark.skipif(not PCODES.exists(), reason="../shared/data is not beside the project")


@needs_shared
def test_ocha_pcode_list_as_published_has_four_problems_and_is_refused(duckdb_workspace: Workspace) -> None:
    mapping = {"P-Code": "area_id", "Name": "name", "Admin Level": "admin_level",
               "Parent P-Code": "parent_id", "Location": "country_iso3"}  # fmt: skip
    with pytest.raises(InputError) as caught:
        duckdb_workspace.ingest("areas", PCODES, column_map=mapping, skip=("Valid from date",))
    found = [(i.row, i.column, i.value, i.reason.split(";")[0][:26]) for i in caught.value.issues]
    assert found == [
        (12529, "area_id", "ECNO APLICA", "is not a valid area code ("),
        (12751, None, None, "repeats the key (area_id) "),
        (12752, None, None, "repeats the key (area_id) "),
        (12752, "area_id", "ECNO APLICA", "is not a valid area code ("),
    ]
    assert duckdb_workspace.count("areas") == 0


def test_bundled_demo_data_builds_a_workspace(tmp_path: Path) -> None:
    from ruralmig.datasets.demo import build_demo

    with build_demo(tmp_path / "demo") as ws:
        levels = ws.store.query_arrow(
            "SELECT admin_level, count(*) AS n, count(geometry) AS shaped FROM areas GROUP BY 1 ORDER BY 1"
        ).to_pylist()
        assert levels == [
            {"admin_level": 0, "n": 175, "shaped": 175},
            {"admin_level": 1, "n": 4_747, "shaped": 3_568},
            {"admin_level": 2, "n": 30_908, "shaped": 0},
        ]
        assert ws.count("indicators") == 108
        assert len(ws.history()) == 5
