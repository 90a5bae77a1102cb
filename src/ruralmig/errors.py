"""Errors and warnings raised by ruralmig, in the user's language.

Every error derives from :class:`RuralmigError`. Input problems carry their location
(file, row, column) so that a person can find and fix them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConvergenceWarning",
    "DataQualityWarning",
    "DisclosureError",
    "InputError",
    "Issue",
    "NotFittedError",
    "RuralmigError",
    "SchemaError",
    "WorkspaceError",
    "WorkspaceLockedError",
]


class RuralmigError(Exception):
    """Root of every error raised on purpose by ruralmig."""


@dataclass(frozen=True)
class Issue:
    """One problem found in an input file, with where it is."""

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        where = ", ".join(parts)
        if self.value is not None:
            return f"{where}: {_quote(self.value)} {self.reason}"
        return f"{where}: {self.reason}"


def _quote(value: str, limit: int = 60) -> str:
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(shown)


class InputError(RuralmigError, ValueError):
    """Bad input data: names the file, row, column and reason of every problem found."""

    def __init__(self, issues: Sequence[Issue] | Issue, *, total: int | None = None) -> None:
        self.issues: tuple[Issue, ...] = (issues,) if isinstance(issues, Issue) else tuple(issues)
        self.total = total if total is not None else len(self.issues)
        first = self.issues[0] if self.issues else None
        self.file = first.file if first else None
        self.row = first.row if first else None
        self.column = first.column if first else None
        self.reason = first.reason if first else None
        super().__init__(self._message())

    def __reduce__(self) -> tuple[Callable[[tuple[Issue, ...], int], InputError], tuple[tuple[Issue, ...], int]]:
        # Rebuilt from its issues, so that an error raised in a worker process reaches the user whole.
        return (_rebuild_input_error, (self.issues, self.total))

    def _message(self, limit: int = 20) -> str:
        lines = [str(issue) for issue in self.issues[:limit]]
        if self.total > 1:
            hidden = self.total - min(limit, len(self.issues))
            header = f"{self.total} problems found; nothing was written."
            if hidden > 0:
                lines.append(f"... and {hidden} more")
            return "\n".join([header, *lines])
        return "\n".join(lines) if lines else "invalid input"


def _rebuild_input_error(issues: tuple[Issue, ...], total: int) -> InputError:
    return InputError(issues, total=total)


class SchemaError(RuralmigError):
    """The workspace schema is missing, too new or inconsistent with this version of ruralmig."""


class WorkspaceError(RuralmigError):
    """The workspace cannot be created, opened or used."""


class WorkspaceLockedError(WorkspaceError):
    """Another process has the workspace open for writing."""


class NotFittedError(RuralmigError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class DisclosureError(RuralmigError):
    """A result would disclose individual records or cells below the disclosure threshold."""


class ConvergenceWarning(UserWarning):
    """An iterative method stopped before it converged."""


class DataQualityWarning(UserWarning):
    """The data were accepted but look suspicious (outliers, gaps, inconsistent units)."""
