"""ASGI middleware: a size limit on every request body (413 with a Chinese refusal,
before the body is stored anywhere), and the security headers of every response."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from generator.app.web.errors import TooLarge

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self';"
    " object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class _Over(Exception):
    pass


class BodyLimit:
    """Refuses a body over the limit of its path (``limit_of(path)`` bytes): at once
    when Content-Length says so, else as soon as the streamed bytes pass it."""

    def __init__(self, app: Any, limit_of: Callable[[str], int]) -> None:
        self.app, self.limit_of = app, limit_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _refuse(scope, send, limit)
            return
        seen = 0
        started = False

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _Over()
            return message

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _Over:
            if not started:
                await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    err = TooLarge(limit)
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": err.message, "hint": err.hint}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        body = (
            f"<!doctype html><meta charset=utf-8><title>文件太大</title>"
            f"<p>{err.message}</p><p>{err.hint}</p><p><a href=javascript:history.back()>"
            f"返回</a></p>"
        ).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """nosniff, no framing, same-origin referrers, a strict CSP (own scripts and styles
    only), and no caching of anything behind the login."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        docs = scope["path"] in ("/docs", "/openapi.json")

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if not docs:
                    headers.append((b"content-security-policy", CSP.encode()))
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
