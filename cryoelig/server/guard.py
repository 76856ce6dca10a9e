"""The outermost ASGI layer: body size limit and a last catch for anything unexpected.

Why a raw ASGI wrapper and not a FastAPI middleware: the size limit (per path: a CDS service call
may carry a larger prefetch) has to hold before any framework code reads the body (Content-Length
checked first, then the streamed bytes counted), and an unexpected exception becomes a plain 500
problem without the traceback that Starlette and uvicorn would otherwise write to the log. It also
adds the security headers (``security.DEFAULTS``: a strict Content-Security-Policy and others) to
every response that does not set its own, errors of the guard itself included.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from . import problems
from .logs import shown_path
from .security import DEFAULTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("cryoelig.server")


async def _answer(send: Send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *(headers or []), *DEFAULTS]})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """Reads the whole request body (bounded), then runs the app on it; catches the unexpected."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, larger: dict[str, int] | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        #: paths with their own limit: a CDS service call carries the patient's prefetch
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await self._body(scope, receive, send)
        if body is not None:
            await self._run(scope, body, receive, send)

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body; None when the answer is already sent (too big, bad length) or the client left."""
        limit = self.larger.get(scope.get("path", ""), self.max_body_bytes)
        too_big = problems.one(f"request body over the size limit ({limit} bytes)")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _answer(send, 400, problems.one("invalid Content-Length header"))
                return None
            if int(length) > limit:
                await _answer(send, 413, too_big)
                return None
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks += message.get("body", b"")
            if len(chunks) > limit:
                await _answer(send, 413, too_big)
                return None
            if not message.get("more_body", False):
                return bytes(chunks)

    async def _run(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """The app on the read body, the security headers added, the unexpected caught."""
        sent_body = False
        started = False

        async def replay() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULTS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as error:  # noqa: BLE001 - the last catch: one log line, no traceback, no input
            log.error("internal error (%s) on %s", type(error).__name__, shown_path(str(scope.get("path"))))
            if not started:
                await _answer(send, 500, problems.one("internal error; the service log names its kind"))
