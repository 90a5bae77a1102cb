"""ruralmig: the rural side of migration, from data to decisions.

The public API is small: open a :class:`Workspace`, ingest files into canonical tables, run engines.
Heavy subpackages load lazily.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ruralmig.errors import (
    ConvergenceWarning,
    DataQualityWarning,
    DisclosureError,
    InputError,
    NotFittedError,
    RuralmigError,
    SchemaError,
    WorkspaceError,
    WorkspaceLockedError,
)

try:
    __version__ = version("ruralmig")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from ruralmig.workspace import Workspace

__all__ = [
    "ConvergenceWarning",
    "DataQualityWarning",
    "DisclosureError",
    "InputError",
    "NotFittedError",
    "RuralmigError",
    "SchemaError",
    "Workspace",
    "WorkspaceError",
    "WorkspaceLockedError",
    "__version__",
]

_LAZY = {"Workspace": "ruralmig.workspace"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ruralmig' has no attribute {name!r}")
