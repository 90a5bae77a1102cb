"""The outcome of an ingest: what was written, or every problem found."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ruralmig.errors import Issue

__all__ = ["IngestResult", "ValidationReport"]


@dataclass
class ValidationReport:
    """Every problem found in a file (up to a cap per kind of problem), plus notes."""

    file: str
    table: str
    issues: list[Issue] = field(default_factory=list)
    total: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.total == 0 and not self.issues

    def add(self, issues: list[Issue], total: int | None = None) -> None:
        self.issues += issues
        self.total += len(issues) if total is None else total

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "row", "column", "value", "reason"])
            for issue in self.issues:
                writer.writerow([issue.file, issue.row or "", issue.column or "", issue.value or "", issue.reason])


@dataclass(frozen=True)
class IngestResult:
    """What an ingest wrote."""

    ingest_id: str
    table: str
    file: str
    sha256: str
    rows: int
    mode: str
    seconds: float
    notes: tuple[str, ...] = ()
