"""The reader of ND-GAIN's wide files (padded numbers, blank cells, bad cells named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruralmig.errors import InputError
from ruralmig.ingest.ndgain import read_ndgain_indicators, read_ndgain_table

WIDE = "ISO3,Name,1995,1996\nAFG,Afghanistan,0.5      ,0.25   \nALB,Albania,,1   \n"


def test_wide_file_becomes_long_and_drops_blank_cells(tmp_path: Path) -> None:
    path = tmp_path / "score.csv"
    path.write_text(WIDE, encoding="utf-8")
    table = read_ndgain_table(path)
    assert table.to_dict("records") == [
        {"unit": "AFG", "period": 1995, "value": 0.5},
        {"unit": "AFG", "period": 1996, "value": 0.25},
        {"unit": "ALB", "period": 1996, "value": 1.0},
    ]


def test_bad_cell_is_named_with_row_and_year(tmp_path: Path) -> None:
    path = tmp_path / "input.csv"
    path.write_text(WIDE.replace("0.25", "n.a."), encoding="utf-8")
    with pytest.raises(InputError, match=r"input.csv, row 2, column 1996: 'n.a.' is not a number"):
        read_ndgain_table(path)


def test_indicator_folders_are_read_with_their_ids(tmp_path: Path) -> None:
    for name in ("id_food_01", "id_food_02"):
        (tmp_path / "indicators" / name).mkdir(parents=True)
        (tmp_path / "indicators" / name / "input.csv").write_text(WIDE, encoding="utf-8")
    data = read_ndgain_indicators(tmp_path)
    assert list(data.columns) == ["unit", "period", "indicator", "value"]
    assert sorted(data["indicator"].unique()) == ["id_food_01", "id_food_02"]
    assert len(data) == 6


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has no indicators/ folder"):
        read_ndgain_indicators(tmp_path)
