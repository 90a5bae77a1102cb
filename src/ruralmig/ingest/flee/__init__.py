"""Flee's case folders in and out: `read_case` (checked, lossless) and `write_case` (byte-for-byte when unchanged).

A Flee case is `input_csv/` (locations, routes, closures, conflicts, sim_period, registration_corrections),
`source_data/` (data_layout.csv and the camp count files it names) and an optional `simsetting.yml`, in the
formats of Flee's `InputGeography.py` and `datamanager/`. The result is a `ruralmig.displacement.case.DisplacementCase`.
"""

from ruralmig.ingest.flee.read import read_case
from ruralmig.ingest.flee.write import write_case

__all__ = ["read_case", "write_case"]
