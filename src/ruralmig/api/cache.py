"""A response cache in front of the app for the read routes: a repeated GET with a key already verified is
answered from memory, without routing or validation. Entries are the exact bytes the app sent for the same path
and query (and, for survey routes, the same grants); every write through the API clears them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ruralmig.api.deps import ApiState

__all__ = ["CACHED_PREFIXES", "CachedReads"]

CACHED_PREFIXES = (
    "/api/areas",
    "/api/indicators",
    "/api/climate/",
    "/api/index/",
    "/api/displacement/",
    "/api/survey/",
    "/api/tables",
    "/api/provenance",
)


def _presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
    return None


class CachedReads:
    def __init__(self, app: ASGIApp, *, state: ApiState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(CACHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        presented = _presented_key(scope["headers"])
        principal = self.state.keys.remembered(presented) if presented else None
        if principal is None:
            await self.app(scope, receive, send)
            return
        grants = tuple(principal.grants) if principal.grants is not None and path.startswith("/api/survey/") else None
        key = ("raw", path, scope.get("query_string", b""), grants)
        cached = self.state.cached(key)
        if cached is not None:
            await _send_json(send, cached)
            return
        generation = self.state.generation
        status = 0
        chunks: list[bytes] = []
        json_body = False

        async def capture(message: Message) -> None:
            nonlocal status, json_body
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                json_body = content_type.startswith(b"application/json")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and status == 200 and json_body:
                    self.state.remember(key, b"".join(chunks), generation)
            await send(message)

        await self.app(scope, receive, capture)


async def _send_json(send: Send, body: bytes) -> None:
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
