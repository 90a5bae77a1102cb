"""Reader for the ND-GAIN country-index download layout (one wide CSV per indicator or score).

Each file has columns ISO3, Name and one column per year; numeric cells are padded with spaces and an empty
cell is missing. ``indicators/<id>/input.csv`` holds the indicator values, ``score.csv`` the published scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ruralmig.errors import InputError, Issue

__all__ = ["read_ndgain_indicators", "read_ndgain_table"]


def read_ndgain_table(path: str | Path) -> pd.DataFrame:
    """One wide ND-GAIN file as long data: unit (ISO3), period (year, int), value; blank cells are dropped."""
    path = Path(path)
    if not path.is_file():
        raise InputError(Issue(path.name, f"does not exist (looked in {path.parent})"))
    wide = pd.read_csv(path, skipinitialspace=True, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    wide.columns = [str(column).strip() for column in wide.columns]
    if "ISO3" not in wide.columns:
        raise InputError(Issue(path.name, "has no ISO3 column", column="ISO3"))
    years = [column for column in wide.columns if column.isdigit()]
    if not years:
        raise InputError(Issue(path.name, "has no year columns (1995, 1996, ...)"))
    wide["_row"] = np.arange(2, len(wide) + 2)
    long = wide.melt(id_vars=["ISO3", "_row"], value_vars=years, var_name="period", value_name="text")
    long["text"] = long["text"].str.strip()
    long = long[long["text"] != ""]
    values = pd.to_numeric(long["text"], errors="coerce")
    bad = long[values.isna()]
    if len(bad):
        issues = [
            Issue(path.name, "is not a number", row=int(row), column=str(period), value=str(text))
            for row, period, text in bad[["_row", "period", "text"]].head(20).itertuples(index=False)
        ]
        raise InputError(issues, total=len(bad))
    return pd.DataFrame(
        {
            "unit": long["ISO3"].str.strip().to_numpy(),
            "period": long["period"].astype(int).to_numpy(),
            "value": values.astype(float).to_numpy(),
        }
    )


def read_ndgain_indicators(folder: str | Path, *, file: str = "input.csv") -> pd.DataFrame:
    """Every ``indicators/<id>/<file>`` under an ND-GAIN folder as long data: unit, period, indicator, value."""
    root = Path(folder) / "indicators"
    if not root.is_dir():
        raise InputError(Issue(str(folder), "has no indicators/ folder"))
    frames = []
    for directory in sorted(path for path in root.iterdir() if (path / file).is_file()):
        table = read_ndgain_table(directory / file)
        table.insert(2, "indicator", directory.name)
        frames.append(table)
    if not frames:
        raise InputError(Issue(str(root), f"holds no <indicator>/{file} files"))
    return pd.concat(frames, ignore_index=True)
