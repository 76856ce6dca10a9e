"""One client cannot starve the others (issue 25, 26): idle floods, slow headers, slow bodies and huge
headers against a real `cryoelig serve`. The heavy version (21,000 idle connections, the process's
whole file limit) is the benches' `bench_connections.py`; here the server gets a file limit of 256 so that
a flood of 1,000 idle connections is more than it can hold."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("uvicorn")

from conftest import LiveServer  # noqa: E402

FILE_LIMIT = 256


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    live = LiveServer(["--header-timeout", "2", "--body-timeout", "2", "--no-access-log"],
                      tmp_path_factory.mktemp("connections") / "server.log", nofile=FILE_LIMIT)
    yield live
    live.stop()


def healthz_seconds(port: int, timeout: float = 10.0) -> float | None:
    """Seconds until /healthz answered on a fresh connection (a full listen queue drops a SYN, which
    the kernel sends again after 1 and 3 s: hence the generous timeout), or None."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            ok = s.recv(32).startswith(b"HTTP/1.1 200")
    except OSError:
        return None
    return time.monotonic() - start if ok else None


async def hold_idle(port: int, count: int) -> list:
    """``count`` connections that send nothing (those the server lets in), held open."""
    held: list = []
    gate = asyncio.Semaphore(100)

    async def one() -> None:
        async with gate:
            with contextlib.suppress(OSError, TimeoutError):
                held.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 3))

    await asyncio.gather(*(one() for _ in range(count)))
    return held


def test_idle_connections_do_not_starve_healthz(server):
    async def flood() -> tuple[int, list[float | None]]:
        held = await hold_idle(server.port, 4 * FILE_LIMIT)
        loop = asyncio.get_running_loop()
        answers = [await loop.run_in_executor(None, healthz_seconds, server.port) for _ in range(3)]
        for _, writer in held:
            writer.close()
        return len(held), answers

    established, answers = asyncio.run(flood())
    assert established > FILE_LIMIT  # more than the server could ever hold at once
    assert None not in answers, answers


async def trickle(port: int, head: bytes, seconds: float) -> float | None:
    """Seconds until the server closed a connection sending ``head`` then a byte every 0.2 s, or None."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    writer.write(head)
    try:
        while time.monotonic() - start < seconds:
            await asyncio.sleep(0.2)
            writer.write(b"a")
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(4096), 0.01) == b"":
                    return time.monotonic() - start
            except TimeoutError:
                continue
            return time.monotonic() - start  # an answer (then the close)
    except (ConnectionError, OSError):
        return time.monotonic() - start
    finally:
        writer.close()
    return None


def test_slow_headers_and_slow_bodies_are_closed(server):
    headers = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: "
    body = b"POST /api/v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 9999\r\n\r\n{"

    async def both() -> list[float | None]:
        return await asyncio.gather(*(trickle(server.port, head, 8.0) for head in (headers, body) for _ in range(5)))

    closed = asyncio.run(both())
    assert all(c is not None and c < 5.0 for c in closed), closed
    assert healthz_seconds(server.port) is not None


def test_headers_over_the_limit_get_431(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        try:
            for _ in range(100):
                s.sendall(b"X-Padding: " + b"a" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = s.recv(200)
    assert reply.startswith(b"HTTP/1.1 431"), reply


def test_ssl_certfile_and_keyfile_serve_https(tmp_path, tls_files):
    import httpx

    ca, cert, key = tls_files
    live = LiveServer(["--ssl-certfile", str(cert), "--ssl-keyfile", str(key), "--no-access-log"],
                      tmp_path / "tls.log", ca=ca)
    try:
        assert live.url.startswith("https://")
        response = httpx.post(live.url + "/api/v1/check", verify=live.verify, timeout=30,
                              json={"case_id": "k-1", "site": "kidney", "tumor": {"size_cm": 3.9}})
        assert response.status_code == 200 and response.json()["site"] == "kidney"
        with pytest.raises(httpx.HTTPError):
            httpx.get(live.url.replace("https:", "http:") + "/healthz", timeout=5)
    finally:
        live.stop()
