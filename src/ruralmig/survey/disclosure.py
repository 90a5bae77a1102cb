"""Disclosure control for survey estimates: minimum cell size, maximum CV, and no microdata out of the engine.

Every estimate carries its unweighted ``n`` and its coefficient of variation ``cv = se / |estimate|``. The policy:

- a cell with ``n < min_n`` is always **suppressed** (estimate, se, CI and deff emptied, ``flag = "suppressed"``);
  with ``action = "raise"`` it is a :class:`~ruralmig.errors.DisclosureError` instead;
- a cell with ``cv > max_cv`` is suppressed under ``action = "suppress"`` and kept with ``flag = "flagged"``
  under ``"flag"`` and ``"raise"``;
- every other cell has ``flag = "ok"``. A CV that is undefined (estimate 0) never fails the CV rule.

:func:`release` is the gate of the public API: it refuses frames with record-level identifiers or without
``n``, applies the policy, and checks that no unsuppressed cell is below ``min_n``.
The defaults come from the settings ``RURALMIG_DISCLOSURE_MIN_N``, ``RURALMIG_DISCLOSURE_MAX_CV`` and
``RURALMIG_DISCLOSURE_ACTION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from ruralmig.errors import DisclosureError

__all__ = [
    "DISCLOSURE_ACTIONS",
    "IDENTIFIER_COLUMNS",
    "DisclosureAction",
    "DisclosurePolicy",
    "apply_disclosure",
    "guard_aggregates",
    "release",
]

DisclosureAction = Literal["suppress", "flag", "raise"]
DISCLOSURE_ACTIONS: tuple[str, ...] = ("suppress", "flag", "raise")
# Columns that identify a record rather than a cell: a frame holding one of them is microdata.
IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "household_id",
    "person_id",
    "hhid",
    "pid",
    "record_id",
    "respondent_id",
    "member_id",
    "psu",
    "eacode",
)
SUPPRESSED_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "deff", "cv")


@dataclass(frozen=True)
class DisclosurePolicy:
    """Minimum unweighted cell size, maximum CV and what to do with cells that fail them."""

    min_n: int = 30
    max_cv: float = 0.3
    action: DisclosureAction = "suppress"

    def __post_init__(self) -> None:
        if not isinstance(self.min_n, int) or self.min_n < 1:
            raise ValueError(f"min_n must be a positive integer; got {self.min_n!r}")
        if not np.isfinite(self.max_cv) or self.max_cv <= 0:
            raise ValueError(f"max_cv must be a positive number; got {self.max_cv!r}")
        if self.action not in DISCLOSURE_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(DISCLOSURE_ACTIONS)}; got {self.action!r}")

    @classmethod
    def from_settings(cls) -> DisclosurePolicy:
        """The policy of the RURALMIG_DISCLOSURE_* settings (defaults 30, 0.3, suppress)."""
        from ruralmig.config import get_settings

        settings = get_settings()
        return cls(
            min_n=settings.disclosure_min_n,
            max_cv=settings.disclosure_max_cv,
            action=cast(DisclosureAction, settings.disclosure_action),
        )

    def describe(self) -> str:
        """One line for reports and run parameters."""
        return f"min n {self.min_n}, max CV {self.max_cv:g}, action {self.action}"


def guard_aggregates(frame: pd.DataFrame, identifiers: tuple[str, ...] = IDENTIFIER_COLUMNS) -> None:
    """Refuse microdata-like frames: record identifiers among the columns, or no unweighted ``n`` per cell."""
    lowered = {str(column).lower(): str(column) for column in frame.columns}
    found = [lowered[name] for name in identifiers if name in lowered]
    if found:
        raise DisclosureError(
            f"the frame holds record identifiers ({', '.join(found)}): only aggregates may leave the survey engine"
        )
    if "n" not in frame.columns:
        raise DisclosureError("every estimate must carry its unweighted cell size in a column 'n'")


def apply_disclosure(frame: pd.DataFrame, policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """A copy of an estimate frame (estimate, se, n, optional CI/deff) with ``cv`` and ``flag``, cells suppressed.

    With ``action="raise"`` a cell below ``min_n`` raises :class:`DisclosureError` naming it.
    """
    chosen = policy or DisclosurePolicy()
    for column in ("estimate", "se", "n"):
        if column not in frame.columns:
            raise DisclosureError(f"an estimate frame needs a column {column!r}; got {list(frame.columns)}")
    result = frame.copy()
    estimate = pd.to_numeric(result["estimate"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    se = pd.to_numeric(result["se"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    counts = pd.to_numeric(result["n"], errors="coerce").fillna(0).to_numpy(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate != 0, se / np.abs(estimate), np.nan)
    small = counts < chosen.min_n
    noisy = np.nan_to_num(cv, nan=0.0) > chosen.max_cv
    if chosen.action == "raise" and small.any():
        first = int(np.flatnonzero(small)[0])
        where = ", ".join(
            f"{column}={result[column].iloc[first]}"
            for column in ("indicator", "term", "domain", "domain_value")
            if column in result.columns
        )
        raise DisclosureError(
            f"{int(small.sum())} cell(s) have fewer than {chosen.min_n} sample units "
            f"(first: {where or f'row {first + 1}'}, n={counts[first]}); they cannot be released"
        )
    suppressed = small | (noisy if chosen.action == "suppress" else np.zeros_like(small))
    flagged = noisy & ~suppressed
    result["cv"] = cv
    result["flag"] = np.where(suppressed, "suppressed", np.where(flagged, "flagged", "ok"))
    for column in SUPPRESSED_COLUMNS:
        if column in result.columns:
            result[column] = result[column].astype("float64").mask(suppressed)
    return result


def release(frame: pd.DataFrame, policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """The only way estimates leave the engine: refuse microdata, apply the policy, check the result."""
    guard_aggregates(frame)
    chosen = policy or DisclosurePolicy()
    result = apply_disclosure(frame, chosen)
    leaking = (result["n"].to_numpy(np.int64) < chosen.min_n) & result["estimate"].notna().to_numpy()
    if leaking.any():  # pragma: no cover - apply_disclosure suppresses these; kept as a last line of defence
        raise DisclosureError(f"{int(leaking.sum())} cell(s) below {chosen.min_n} sample units would be released")
    return result
