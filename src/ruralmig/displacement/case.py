"""A displacement case: the network, conflicts, closures, observed arrivals and settings, as plain tables.

This is what Flee's input folder holds (`input_csv/` and `source_data/`), in memory. Readers and writers of
the files live in `ruralmig.ingest.flee`; the engine only sees this object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ruralmig.displacement.settings import SimSettings

__all__ = ["LOCATION_COLUMNS", "ROUTE_COLUMNS", "DisplacementCase"]

LOCATION_COLUMNS = ("name", "region", "country", "lat", "lon", "location_type", "conflict_date", "population")
ROUTE_COLUMNS = ("name1", "name2", "distance", "forced_redirection")
CLOSURE_COLUMNS = ("closure_type", "name1", "name2", "closure_start", "closure_end")


@dataclass
class DisplacementCase:
    """Everything one simulation needs.

    - `locations`: LOCATION_COLUMNS, plus any extra attribute columns (e.g. capacity_per_day, initial_idps),
      one row per location, in file order (the order matters: it is Flee's order of camps in out.csv).
    - `routes`: ROUTE_COLUMNS plus extra link attributes (e.g. max_move_speed); links are two-way.
    - `closures`: CLOSURE_COLUMNS.
    - `conflicts`: one row per day from 0 (index = day), one column per location named in conflicts.csv,
      conflict intensity 0..1.
    - `observations`: per camp, its raw data points (columns date, count), as in source_data/.
    - `total_observations`: the refugees.csv series (date, count), if any.
    - `registration_corrections`: camp -> date of the level-1 to level-2 registration jump.
    """

    name: str
    start_date: date
    length: int
    locations: pd.DataFrame
    routes: pd.DataFrame
    closures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CLOSURE_COLUMNS)))
    conflicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    observations: dict[str, pd.DataFrame] = field(default_factory=dict)
    total_observations: pd.DataFrame | None = None
    registration_corrections: dict[str, date] = field(default_factory=dict)
    settings: SimSettings = field(default_factory=SimSettings)
    files: dict[str, str] = field(default_factory=dict)  # raw text of each file read, for lossless writing

    @property
    def camps(self) -> list[str]:
        """Camps (any type containing "camp", as Flee reads it) in locations order: the out.csv columns."""
        is_camp = self.locations["location_type"].astype(str).str.lower().str.contains("camp", regex=False)
        return self.locations.loc[is_camp, "name"].astype(str).tolist()

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start_date, periods=self.length, freq="D")

    def inputs_hash(self) -> str:
        """SHA-256 over the files read (names and text), or over the tables for a case built in memory."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name].encode())
        if not self.files:
            for frame in (self.locations, self.routes, self.closures, self.conflicts):
                digest.update(frame.to_csv(index=False).encode())
        return digest.hexdigest()
