"""uvicorn's HTTP protocol with the deadlines and the connection cap it lacks, so one client cannot
starve the others.

Why here: uvicorn times out a connection only between requests (``timeout_keep_alive``, reset by any
byte), so a connection that never sends its headers, or trickles them or its body a byte at a time,
is held forever, and enough of them exhaust the process's file descriptors (``/healthz`` then gets no
answer). ASGI code runs only once the headers are in, too late. uvicorn takes the protocol class as
its documented ``http`` setting, so this subclass of its own httptools protocol adds:

- a **header deadline**: the request line and headers complete within ``header_timeout`` seconds of
  the connection (or of the previous response), and within ``max_header_bytes``, else it is closed
  (431 for too many bytes);
- a **body deadline**: the body complete within ``body_timeout`` seconds of its headers;
- a **response deadline**: the response sent within ``response_timeout`` seconds of the request (a
  client that reads its answer a byte at a time holds nothing for long);
- a **connection cap**: above ``max_connections`` the oldest connection that is not being served
  (waiting for a request, or for the rest of one) is closed to make room, so a flood of idle
  connections can never take the last file descriptor; when every connection is being served, the
  new one is closed (load shed, the work stays bounded).

uvicorn's own ``limit_concurrency`` is not used: it counts idle connections, so a flood of them
would make it answer 503 to everyone, ``/healthz`` included, the very starvation this prevents.

The cap is kept below the process's file limit, with room for a full listen backlog accepted in one
go. The settings reach each worker as the rest of the configuration does (``config.ServerConfig``).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no file limit to read
    resource = None  # type: ignore[assignment]

#: File descriptors kept free beyond the listen backlog: logs, the audit file, outbound FHIR fetches.
FD_RESERVE = 128


@dataclass(frozen=True)
class Limits:
    header_timeout: float
    body_timeout: float
    response_timeout: float
    max_header_bytes: int
    max_connections: int


def file_limit() -> int:
    """This process's limit on open files (its soft RLIMIT_NOFILE)."""
    if resource is None:  # pragma: no cover
        return 1 << 20
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1 << 20 if soft == resource.RLIM_INFINITY else soft


def listen_backlog(wanted: int = 2048) -> int:
    """uvicorn's listen backlog, at most a quarter of the file limit (a full backlog is accepted at once)."""
    return max(16, min(wanted, file_limit() // 4))


def fd_ceiling(backlog: int) -> int:
    """The most connections this process can hold and still accept a full backlog at once."""
    return max(16, file_limit() - backlog - FD_RESERVE)


def effective_cap(requested: int, backlog: int) -> int:
    return max(1, min(requested, fd_ceiling(backlog)))


@cache
def limits(backlog: int) -> Limits:
    """This process's limits, from the service configuration in the environment."""
    from .config import ServerConfig

    config = ServerConfig.from_env()
    return Limits(config.header_timeout_seconds, config.body_timeout_seconds, config.response_timeout_seconds,
                  config.max_header_bytes, effective_cap(config.max_connections, backlog))


class _Shared:
    """Per server: connections not being served, oldest first, and those already being closed."""

    def __init__(self) -> None:
        self.waiting: OrderedDict[Any, None] = OrderedDict()
        self.closing: set[Any] = set()


_SHARED: weakref.WeakKeyDictionary[Any, _Shared] = weakref.WeakKeyDictionary()


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a body deadline and a connection cap."""

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits(config.backlog)
        self.shared = _SHARED.setdefault(server_state, _Shared())
        self.deadline: asyncio.TimerHandle | None = None
        self.stage = "headers"  # headers -> body -> served
        self.header_bytes = 0

    # the states: waiting for headers, reading the body, being served
    def _arm(self, seconds: float) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = self.loop.call_later(seconds, self._expire)

    def _wait_for_request(self) -> None:
        self.stage, self.header_bytes = "headers", 0
        self.shared.waiting[self] = None
        self.shared.waiting.move_to_end(self)
        self._arm(self.limits.header_timeout)

    def _expire(self) -> None:
        self.deadline = None
        self._close()

    def _close(self) -> None:
        self.shared.waiting.pop(self, None)
        self.shared.closing.add(self)
        if not self.transport.is_closing():
            self.transport.close()

    def _make_room(self) -> None:
        """Close the oldest connections not being served while above the cap; else this one."""
        excess = len(self.connections) - len(self.shared.closing) - self.limits.max_connections
        waiting = self.shared.waiting
        while excess > 0 and len(waiting) > 1:
            victim = next(iter(waiting))
            if victim is self:
                waiting.move_to_end(self)
                continue
            victim._close()
            excess -= 1
        if excess > 0:
            self._close()

    # uvicorn's protocol interface
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_request()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.shared.waiting.pop(self, None)
        self.shared.closing.discard(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        headers_before = self.stage == "headers"
        super().data_received(data)
        if headers_before and self.stage == "headers" and not self.transport.is_closing():
            self.header_bytes += len(data)
            if self.header_bytes > self.limits.max_header_bytes:
                self.transport.write(TOO_LARGE)
                self._close()

    def on_headers_complete(self) -> None:
        self.stage = "body"
        self._arm(self.limits.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.stage = "served"
        self.shared.waiting.pop(self, None)
        self._arm(self.limits.response_timeout)
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None
        elif self.cycle is None or self.cycle.response_complete:
            self._wait_for_request()  # no pipelined request was started in its place


_BODY = b'{"problems": [{"field": null, "message": "request headers over the size limit"}]}'
TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
             b"content-length: " + str(len(_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + _BODY)
