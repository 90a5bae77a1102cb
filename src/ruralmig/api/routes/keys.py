"""Admin: API keys and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from ruralmig.api import audit
from ruralmig.api.auth import Principal, create_key, list_keys, revoke_key
from ruralmig.api.deps import State, require
from ruralmig.api.routes import not_found
from ruralmig.api.schemas import AuditEvent, CreatedKeyOut, KeyOut, KeyRequest
from ruralmig.scenarios.sql import json_value, rows

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(require("admin"))]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="The key id (the part after rmk_).")]


@router.post("/keys", response_model=CreatedKeyOut, status_code=201)
def create(state: State, admin: Admin, body: KeyRequest) -> dict[str, Any]:
    """Create a key; the response is the only time the key is shown."""
    with state.lock:
        created = create_key(state.store, name=body.name, role=body.role, grants=body.grants)
        audit.record(
            state.store,
            admin,
            "key.create",
            target=created.key_id,
            status=201,
            detail={"name": body.name, "role": body.role, "grants": body.grants},
        )
    return {
        "key_id": created.key_id,
        "key": created.key,
        "name": created.name,
        "role": created.role,
        "grants": created.grants,
    }


@router.get("/keys", response_model=list[KeyOut])
def list_all(state: State, admin: Admin) -> list[dict[str, Any]]:
    with state.lock:
        return list_keys(state.store)


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke(state: State, admin: Admin, key_id: KeyId) -> dict[str, Any]:
    with state.lock:
        revoked = revoke_key(state.store, key_id)
        audit.record(state.store, admin, "key.revoke", target=key_id, status=200 if revoked else 404)
        state.keys.forget(key_id)
        found = [k for k in list_keys(state.store) if k["key_id"] == key_id]
    if not revoked or not found:
        raise not_found("active key", key_id)
    return found[0]


@router.get("/audit", response_model=list[AuditEvent])
def audit_log(
    state: State,
    admin: Admin,
    action: str | None = Query(None, pattern=r"^[a-z.]{1,40}$"),
    limit: int = Query(500, ge=1, le=10000),
) -> list[dict[str, Any]]:
    """The audit log, newest first."""
    table = state.store.qualified("audit_log")
    detail = "detail::text" if state.store.dialect == "postgres" else "detail"
    where = " WHERE action = ?" if action else ""
    params: list[Any] = [action] if action else []
    with state.lock:
        found = rows(
            state.store,
            f'SELECT event_id, "at", key_id, role, action, target, status, {detail} AS detail FROM {table}{where} '
            'ORDER BY "at" DESC LIMIT ?',
            [*params, limit],
        )
    for event in found:
        event["at"] = event["at"].isoformat()
        event["detail"] = json_value(event["detail"])
    return found
