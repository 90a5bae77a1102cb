"""The demo's drought step: SPI per admin-1 area from the CHIRPS rainfall already in the demo workspace.

The bundled WFP CHIRPS extract (``moz_rainfall_adm1.csv``, loaded by ``make demo`` as the indicators ``r1h`` and
``r3h``: rolling 1- and 3-month rainfall totals in mm at a dekad) is short. The 3-month total of the last dekad in
each month is taken as that month's 3-month total, and SPI-3 is the gamma-fitted standardisation of those totals
per calendar month (``ruralmig.climate.spi`` with scale 1 on 3-month totals is SPI-3). SPI-12 is computed from the
1-month totals the same way with a 12-month window, and only where twelve consecutive months exist: the bundled
extract (four Januaries, 2021-2024, and one March) has none, so the demo gives SPI-3 only, for the Januaries,
fitted on four years. Four values is the least R SPEI fits on: read the figures as a demonstration of the
pipeline, not as a drought assessment. Results go into the indicators table as ``spi_3`` (which the bundled
adverse-drivers index uses under climate and drought) and ``spi_12``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ruralmig.climate import spi
from ruralmig.workspace import Workspace

__all__ = ["run_demo_climate"]

SOURCE = "ruralmig SPI from WFP CHIRPS"
COLUMNS = ["area_id", "period", "indicator", "value", "years_in_fit"]


def _monthly(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide monthly table (month start × area) of the last dekad's value in each month, and its period labels."""
    dated = rows.assign(date=pd.to_datetime(rows["period"], errors="coerce")).dropna(subset=["date", "value"])
    dated = dated.assign(month=dated["date"].dt.to_period("M").dt.to_timestamp())
    last = dated.sort_values("date").groupby(["area_id", "month"], as_index=False).last()
    values = last.pivot(index="month", columns="area_id", values="value").sort_index()
    labels = last.pivot(index="month", columns="area_id", values="period").sort_index()
    full = pd.date_range(values.index.min(), values.index.max(), freq="MS")
    return values.reindex(full), labels.reindex(full)


def _tidy(index: pd.DataFrame, totals: pd.DataFrame, labels: pd.DataFrame, scale: int, name: str) -> pd.DataFrame:
    """Finite index values with their source period label and the number of years fitted for that month."""
    windows = totals.rolling(scale, min_periods=scale).sum()
    months = pd.DatetimeIndex(index.index).month
    present = windows.notna().groupby(months).transform("sum").set_axis(index.index)
    stacked = pd.DataFrame(
        {
            "value": index.stack(future_stack=True),
            "period": labels.stack(future_stack=True),
            "years_in_fit": present.stack(future_stack=True),
        }
    ).reset_index(names=["month", "area_id"])
    kept = stacked[np.isfinite(stacked["value"].to_numpy(dtype=float))]
    tidy: pd.DataFrame = kept.assign(indicator=name, years_in_fit=kept["years_in_fit"].astype(int))[COLUMNS]
    return tidy


def run_demo_climate(workspace: Workspace, out: Path) -> pd.DataFrame:
    """SPI-3 (and SPI-12 where the series allow) per admin-1 area, loaded into the indicators; returns the table.

    Writes ``drought_indices.csv`` in `out`. Columns: area_id, period (as in the rainfall rows), indicator,
    value and years_in_fit (years of that calendar month the gamma was fitted on).
    """
    areas = workspace.read("areas")
    admin1 = set(areas.loc[areas["admin_level"] == 1, "area_id"])
    indicators = workspace.read("indicators")
    rain = indicators[indicators["area_id"].isin(admin1) & (indicators["source"] != SOURCE)]
    parts = []
    for total, scale, name in (("r3h", 1, "spi_3"), ("r1h", 12, "spi_12")):
        rows = rain[rain["indicator"] == total]
        if rows.empty:
            continue
        totals, labels = _monthly(rows)
        if len(totals) < scale:
            continue
        parts.append(_tidy(spi(totals, scale), totals, labels, scale, name))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    table = table.sort_values(["indicator", "area_id", "period"], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "drought_indices.csv", index=False)
    if len(table):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo_drought_indices.csv"
            table.assign(unit="index", source=SOURCE)[
                ["area_id", "period", "indicator", "value", "unit", "source"]
            ].to_csv(path, index=False)
            workspace.ingest("indicators", path, mode="upsert")
    return table
