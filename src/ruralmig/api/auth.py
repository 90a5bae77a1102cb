"""API keys: `rmk_<key_id>_<secret>`, stored as a salted scrypt hash of the secret; roles and grants.

Verifying a key with scrypt takes tens of milliseconds, so verified keys are remembered in memory (by a SHA-256
of the whole key) until they are revoked or the server stops. Nothing here ever logs a key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ruralmig.errors import RuralmigError
from ruralmig.scenarios.sql import execute, insert_rows, json_value, rows
from ruralmig.storage import Store

__all__ = [
    "KEY_PATTERN",
    "ROLES",
    "CreatedKey",
    "KeyStore",
    "Principal",
    "create_key",
    "list_keys",
    "revoke_key",
    "role_at_least",
]

ROLES = ("viewer", "analyst", "admin")
KEY_PATTERN = re.compile(r"^rmk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,128})$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_VERIFIED_MEMORY = 300.0  # seconds a verified key is trusted before its row is read again
_REFUSAL_MEMORY = 60.0  # seconds a refused key is refused again without checking


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key id (never the secret), its role and its dataset grants."""

    key_id: str
    role: str
    grants: list[str] | None = field(default=None)

    def may(self, role: str) -> bool:
        return role_at_least(self.role, role)

    def may_read_survey(self, survey_id: str) -> bool:
        return self.grants is None or "*" in self.grants or survey_id in self.grants


@dataclass(frozen=True)
class CreatedKey:
    key_id: str
    key: str  # shown once
    name: str
    role: str
    grants: list[str] | None


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def _hash_secret(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def _check_secret(secret: str, stored: str) -> bool:
    try:
        method, n, r, p, salt, expected = stored.split("$")
        if method != "scrypt":
            return False
        digest = hashlib.scrypt(
            secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _check_grants(grants: Any) -> list[str] | None:
    if grants is None:
        return None
    if not isinstance(grants, list | tuple) or not all(isinstance(g, str) and 0 < len(g) <= 120 for g in grants):
        raise RuralmigError(f"grants must be a list of survey ids or table names; got {grants!r}")
    return list(grants)


def create_key(store: Store, *, name: str, role: str, grants: list[str] | None = None) -> CreatedKey:
    """Make a key, store only its salted hash and return the key (the only time it is shown)."""
    if role not in ROLES:
        raise RuralmigError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if not name or len(name) > 200:
        raise RuralmigError("name must be 1 to 200 characters")
    checked = _check_grants(grants)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    insert_rows(
        store,
        "api_keys",
        [
            {
                "key_id": key_id,
                "key_hash": _hash_secret(secret, secrets.token_bytes(16)),
                "name": name,
                "role": role,
                "grants": checked,
                "created_at": _now(),
                "revoked_at": None,
            }
        ],
    )
    return CreatedKey(key_id, f"rmk_{key_id}_{secret}", name, role, checked)


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key without its hash, newest first."""
    grants = "grants::text" if store.dialect == "postgres" else "grants"
    found = rows(
        store,
        f"SELECT key_id, name, role, {grants} AS grants, created_at, revoked_at FROM {store.qualified('api_keys')} "
        "ORDER BY created_at DESC, key_id",
    )
    for record in found:
        record["grants"] = json_value(record["grants"])
        for column in ("created_at", "revoked_at"):
            if record[column] is not None:
                record[column] = record[column].isoformat()
    return found


def revoke_key(store: Store, key_id: str) -> bool:
    """Mark a key revoked; False if there is no such active key."""
    table = store.qualified("api_keys")
    active = rows(store, f"SELECT key_id FROM {table} WHERE key_id = ? AND revoked_at IS NULL", [key_id])
    if not active:
        return False
    execute(store, f"UPDATE {table} SET revoked_at = ? WHERE key_id = ?", [_now(), key_id])
    return True


class KeyStore:
    """Checks presented keys against the workspace, remembering verified ones."""

    def __init__(self, store: Store, lock: threading.RLock) -> None:
        self.store = store
        self.lock = lock
        self._verified: dict[str, tuple[Principal, float]] = {}  # fingerprint -> (principal, when verified)
        self._verifying = threading.Lock()
        self._refused: dict[str, float] = {}  # fingerprints of refused keys, so that floods cost no scrypt

    def remembered(self, presented: str) -> Principal | None:
        """The principal of a key verified before, without any hashing beyond SHA-256."""
        return self._known(hashlib.sha256(presented.encode()).hexdigest())

    def _known(self, fingerprint: str) -> Principal | None:
        entry = self._verified.get(fingerprint)
        if entry is None or entry[1] < time.monotonic() - _VERIFIED_MEMORY:
            return None  # re-checked now and then: a key revoked elsewhere (another process) stops working
        return entry[0]

    def authenticate(self, presented: str) -> Principal | None:
        match = KEY_PATTERN.match(presented)
        if match is None:
            return None
        fingerprint = hashlib.sha256(presented.encode()).hexdigest()
        known = self._known(fingerprint)
        if known is not None:
            return known
        if self._refused.get(fingerprint, 0.0) > time.monotonic() - _REFUSAL_MEMORY:
            return None
        with self._verifying:  # one scrypt at a time: concurrent first uses of a key wait, then hit the memory
            known = self._known(fingerprint)
            if known is not None:
                return known
            key_id, secret = match.groups()
            grants = "grants::text" if self.store.dialect == "postgres" else "grants"
            with self.lock:
                found = rows(
                    self.store,
                    f"SELECT key_hash, role, {grants} AS grants FROM {self.store.qualified('api_keys')} "
                    "WHERE key_id = ? AND revoked_at IS NULL",
                    [key_id],
                )
            if not found or not _check_secret(secret, found[0]["key_hash"]):
                if len(self._refused) > 10_000:
                    self._refused.clear()
                self._refused[fingerprint] = time.monotonic()
                return None
            principal = Principal(key_id, found[0]["role"], _check_grants(json_value(found[0]["grants"])))
            self._verified[fingerprint] = (principal, time.monotonic())
            return principal

    def forget(self, key_id: str) -> None:
        """Drop a revoked key from memory."""
        for fingerprint, (principal, _) in list(self._verified.items()):
            if principal.key_id == key_id:
                del self._verified[fingerprint]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
