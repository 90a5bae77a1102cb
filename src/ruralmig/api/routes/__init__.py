"""One module per resource; `ROUTERS` is the order they are mounted in. Shared filter patterns live here.

Filter values are validated against these patterns before any query runs, and then bound as parameters.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Path

__all__ = ["AREA_ID", "COUNTRY", "INDICATOR", "NAME", "PERIOD", "RUN_ID", "RunId", "not_found"]

AREA_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
COUNTRY = r"^[A-Z]{3}$"
RUN_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$"
PERIOD = r"^[0-9]{4}[0-9A-Za-z/\-]{0,30}$"
INDICATOR = r"^[A-Za-z0-9][A-Za-z0-9_.:+%/\- ]{0,119}$"
NAME = r"^[^;\"\\\x00-\x1f]{1,120}$"

RunId = Annotated[str, Path(pattern=RUN_ID, description="A run id, e.g. displacement-0123456789ab.")]


def not_found(what: str, name: str) -> HTTPException:
    return HTTPException(404, f"no {what} {name!r} in the workspace")
