"""Small open datasets bundled with ruralmig, and the demo workspace builder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_file", "burundi_case_folder", "pcode_file"]


def bundled_file(name: str) -> Path:
    """Path of a file in ``ruralmig/datasets/data``."""
    return Path(str(resources.files("ruralmig.datasets").joinpath("data", name)))


def pcode_file() -> Path:
    """The OCHA global p-code list (admin 1 and 2) bundled with the model's code lists."""
    return Path(str(resources.files("ruralmig.model").joinpath("codelists", "global_pcodes_adm_1_2.csv")))


def burundi_case_folder() -> Path:
    """Flee's Burundi 2015 case (input_csv/, source_data/, simsetting.yml), the demo's displacement case.

    Read it with ``ruralmig.ingest.flee.read_case``; provenance and licence are in the folder's SOURCE.md.
    """
    return Path(str(resources.files("ruralmig.datasets").joinpath("data", "flee", "burundi2015")))
