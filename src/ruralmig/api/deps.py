"""What every request shares: the one open workspace, its lock, keys, limits, jobs and a read cache."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import pyarrow as pa
from fastapi import Depends, HTTPException, Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ruralmig.api.auth import KeyStore, Principal
from ruralmig.api.ratelimit import RateLimiter
from ruralmig.config import Settings
from ruralmig.scenarios.sql import Readable, ThreadReader
from ruralmig.workspace import Workspace

if TYPE_CHECKING:
    from ruralmig.scenarios.jobs import JobManager

__all__ = ["ApiState", "Caller", "get_state", "rate_limited", "require", "state_of"]

T = TypeVar("T")
_CACHE_SIZE = 4096
_SHARED_CACHE_SECONDS = 30.0

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer rmk_<key_id>_<secret>")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key (rmk_...)")


_MISSING = object()


@dataclass
class ApiState:
    """The server's single open workspace. Writes (and reads of the main connection) hold `lock`; cached reads
    go through `reader`, which on DuckDB gives each thread its own cursor."""

    workspace: Workspace
    settings: Settings
    lock: threading.RLock = field(default_factory=threading.RLock)
    keys: KeyStore = field(init=False)
    limiter: RateLimiter = field(init=False)
    jobs: JobManager | None = None
    _cache: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    _generation: int = 0
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _cleared_at: float = field(default_factory=time.monotonic)
    reader: Readable = field(init=False)

    def __post_init__(self) -> None:
        self.keys = KeyStore(self.workspace.store, self.lock)
        self.reader = ThreadReader(self.workspace.store) if self.workspace.backend == "duckdb" else _Locked(self)
        self.limiter = RateLimiter(self.settings.api_rate_per_minute, self.settings.api_rate_burst)

    @property
    def store(self) -> Any:
        return self.workspace.store

    def read(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` (which reads through `reader`), remembered until the next write."""
        self._expire()
        cached = self._cache.get(key, _MISSING)  # one lookup: another thread may evict between two
        if cached is not _MISSING:
            return cached  # type: ignore[no-any-return]
        generation = self._generation
        value = compute()
        self.remember(key, value, generation)  # not if a write landed while it was read
        return value

    async def respond(self, key: Hashable, compute: Callable[[], Any]) -> Response:
        """The JSON of `compute()` as a response, encoded once and remembered until the next write.

        A remembered answer is served on the event loop; a new one is computed in a worker thread.
        """
        body = self.cached(("json", key))
        if body is None:
            body = await run_in_threadpool(self.read, ("json", key), lambda: _encode(compute()))
        return Response(content=body, media_type="application/json")

    @property
    def generation(self) -> int:
        return self._generation

    def cached(self, key: Hashable) -> Any:
        self._expire()
        return self._cache.get(key)

    def _expire(self) -> None:
        """On PostgreSQL other processes may write too: forget cached reads every `_SHARED_CACHE_SECONDS`."""
        if self.workspace.backend != "duckdb" and time.monotonic() - self._cleared_at > _SHARED_CACHE_SECONDS:
            self.changed()

    def remember(self, key: Hashable, value: Any, generation: int) -> None:
        """Keep `value` unless a write landed since `generation` was read."""
        with self._cache_lock:
            if generation == self._generation:
                self._cache[key] = value
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)

    def changed(self) -> None:
        """Forget cached reads after a write."""
        with self._cache_lock:
            self._generation += 1
            self._cache.clear()
            self._cleared_at = time.monotonic()

    def close(self) -> None:
        if isinstance(self.reader, ThreadReader):
            self.reader.close()


class _Locked:
    """Reads through the store itself, holding the workspace lock (PostgreSQL: one connection)."""

    def __init__(self, state: ApiState) -> None:
        self.state = state
        self.dialect = state.workspace.store.dialect

    def qualified(self, name: str) -> str:
        return str(self.state.workspace.store.qualified(name))

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        with self.state.lock:
            table: pa.Table = self.state.workspace.store.query_arrow(sql, params)
        return table


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=str, allow_nan=False).encode()


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


async def get_state(request: Request) -> ApiState:
    """The dependency form of `state_of` (async: no worker thread for a lookup)."""
    return state_of(request)


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    header_key: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    presented = credentials.credentials if credentials is not None else header_key
    if not presented:
        raise HTTPException(401, "an API key is needed: send Authorization: Bearer <key> or X-API-Key", _challenge())
    keys = state_of(request).keys
    principal = keys.remembered(presented.strip())
    if principal is None:  # checking a key not seen yet costs a scrypt: off the event loop
        principal = await run_in_threadpool(keys.authenticate, presented.strip())
    if principal is None:
        raise HTTPException(401, "the API key is unknown, malformed or revoked", _challenge())
    request.state.principal = principal
    return principal


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


def require(role: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits keys of `role` or higher."""

    async def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if not principal.may(role):
            raise HTTPException(403, f"this needs the {role} role; the key has the {principal.role} role")
        return principal

    check.__name__ = f"require_{role}"
    return check


def rate_limited(role: str) -> Callable[..., Awaitable[Principal]]:
    """`require(role)` plus the per-key token bucket of expensive endpoints (429 with Retry-After)."""
    needed = require(role)

    # A default, not Annotated: string annotations cannot see the closure's `needed`.
    async def check(request: Request, principal: Principal = Depends(needed)) -> Principal:  # noqa: B008
        wait = state_of(request).limiter.take(principal.key_id)
        if wait > 0:
            raise HTTPException(
                429, f"too many requests for this key; retry in {wait:.0f} s", {"Retry-After": f"{wait:.0f}"}
            )
        return principal

    check.__name__ = f"rate_limited_{role}"
    return check


Caller = Annotated[Principal, Depends(require("viewer"))]
State = Annotated[ApiState, Depends(get_state)]
