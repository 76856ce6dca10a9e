"""The outermost ASGI layer: body size limit and a last catch for anything unexpected.

Why a raw ASGI wrapper and not a FastAPI middleware: the size limit has to hold before any
framework code reads the body (Content-Length checked first, then the streamed bytes counted),
and an unexpected exception becomes a plain 500 problem without the traceback that
Starlette and uvicorn would otherwise write to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from . import problems

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("cryoelig.server")


async def _answer(send: Send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """Reads the whole request body (bounded), then runs the app on it; catches the unexpected."""

    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        too_big = problems.one(f"request body over the size limit ({limit} bytes)")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _answer(send, 400, problems.one("invalid Content-Length header"))
                return
            if int(length) > limit:
                await _answer(send, 413, too_big)
                return
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks += message.get("body", b"")
            if len(chunks) > limit:
                await _answer(send, 413, too_big)
                return
            if not message.get("more_body", False):
                break
        body = bytes(chunks)
        sent_body = False

        async def replay() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as error:  # noqa: BLE001 - the last catch: one log line, no traceback, no input
            log.error("internal error (%s) on %s %s", type(error).__name__, scope.get("method"), scope.get("path"))
            if not started:
                await _answer(send, 500, problems.one("internal error; the service log names its kind"))
