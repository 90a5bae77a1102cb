"""The audit log: one row per write, key change and job action through the API."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from ruralmig.api.auth import Principal
from ruralmig.scenarios.sql import insert_rows
from ruralmig.storage import Store

__all__ = ["record"]

logger = logging.getLogger("ruralmig.api.audit")


def record(
    store: Store,
    principal: Principal | None,
    action: str,
    *,
    target: str | None,
    status: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one audit row (the caller holds the workspace lock). A failure to audit is logged, not raised."""
    try:
        insert_rows(
            store,
            "audit_log",
            [
                {
                    "event_id": uuid.uuid4().hex,
                    "at": datetime.now(UTC).replace(tzinfo=None),
                    "key_id": principal.key_id if principal else None,
                    "role": principal.role if principal else None,
                    "action": action,
                    "target": target,
                    "status": status,
                    "detail": detail or {},
                }
            ],
        )
    except Exception:  # the audit must never hide the outcome of the request itself
        logger.exception("could not write the audit row for %s on %s", action, target)
