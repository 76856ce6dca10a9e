"""Connection starvation of `cryoelig serve`: idle floods, slow headers, slow bodies (asyncio, loopback).

Starts the service from a source tree on a free 127.0.0.1 port, then, as an attacker would:

1. **idle flood**: client processes (each under its own file limit) open IDLE connections that send
   nothing and hold them; while they are held, `GET /healthz` is timed from a fresh connection;
2. **slow headers**: SLOW connections send a request line, then one header byte every 0.5 s;
3. **slow body**: SLOW connections send a POST's headers (Content-Length 100,000), then one body
   byte every 0.5 s.

It prints how many idle connections were established, whether and how fast /healthz answered, and
after how many seconds the server closed the slow connections (or that it had not after --hold s).
The machine load (`uptime`) is printed: figures on a shared machine are noisy.

    python bench/bench_connections.py                          # 21,000 idle connections, this tree
    python bench/bench_connections.py --tree /tmp/before       # the same against another tree
    python bench/bench_connections.py --idle 2000 --serve-arg=--max-connections --serve-arg=200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "uptime not available"


def start_server(tree: Path, port: int, args: list[str]) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "cryoelig", "serve", "--port", str(port), "--no-access-log",
                                "--log-level", "error", *args], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if healthz(port, 1.0) is not None:
            return process
        time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start in 90 s")


def healthz(port: int, timeout: float) -> float | None:
    """Seconds until /healthz answered 200 on a fresh connection, or None."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(max(0.1, timeout - (time.monotonic() - start)))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
    except OSError:
        return None
    return time.monotonic() - start if head.startswith(b"HTTP/1.1 200") else None


HOLDER = r"""
import asyncio, sys
port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
async def one(sem, held):
    async with sem:
        for _ in range(3):
            try:
                held.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10))
                return
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.5)
async def main():
    held, sem = [], asyncio.Semaphore(200)
    await asyncio.gather(*(one(sem, held) for _ in range(count)))
    print(len(held), flush=True)
    await asyncio.sleep(hold)
asyncio.run(main())
"""


def idle_flood(port: int, total: int, hold: float) -> dict[str, object]:
    """Open ``total`` idle connections from several processes; time /healthz while they are held."""
    per = 6000  # below each client process's own file limit
    holders = [subprocess.Popen([sys.executable, "-c", HOLDER, str(port), str(min(per, total - i)), str(hold)],
                                stdout=subprocess.PIPE, text=True) for i in range(0, total, per)]
    established = sum(int(h.stdout.readline() or 0) for h in holders)
    answers = [healthz(port, 10.0) for _ in range(3)]
    for h in holders:
        h.terminate()
        h.wait()
    return {"idle connections established": established,
            "/healthz answers (of 3)": sum(a is not None for a in answers),
            "/healthz seconds": [round(a, 3) if a is not None else None for a in answers]}


async def _slow(port: int, head: bytes, hold: float) -> float | None:
    """Seconds until the server closed a connection that trickles one byte every 0.5 s, or None."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    try:
        writer.write(head)
        while time.monotonic() - start < hold:
            await asyncio.sleep(0.5)
            if reader.at_eof():
                return time.monotonic() - start
            writer.write(b"a")
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1024), 0.01) == b"" or reader.at_eof():
                    return time.monotonic() - start
            except TimeoutError:
                pass
    except (ConnectionError, OSError):
        return time.monotonic() - start
    finally:
        writer.close()
    return None


async def slow_connections(port: int, count: int, hold: float) -> dict[str, object]:
    headers = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: "
    body = (b"POST /api/v1/check HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n")
    out: dict[str, object] = {}
    for name, head in (("slow headers", headers), ("slow body", body)):
        closed = await asyncio.gather(*(_slow(port, head, hold) for _ in range(count)))
        done = [c for c in closed if c is not None]
        out[f"{name}: closed by the server (of {count})"] = len(done)
        out[f"{name}: seconds until closed (max)"] = round(max(done), 1) if done else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree whose `cryoelig serve` is run")
    parser.add_argument("--idle", type=int, default=21000, help="idle connections held by the flood")
    parser.add_argument("--slow", type=int, default=20, help="slow-header and slow-body connections")
    parser.add_argument("--hold", type=float, default=40.0, help="seconds a slow connection keeps trickling")
    parser.add_argument("--serve-arg", action="append", default=[], help="an extra `cryoelig serve` argument")
    args = parser.parse_args()
    print(f"command: python bench/bench_connections.py --tree {args.tree} --idle {args.idle} --slow {args.slow} "
          f"--hold {args.hold} {' '.join('--serve-arg=' + a for a in args.serve_arg)}")
    print(f"cpus: {os.cpu_count()}; load before: {uptime()}")
    port = free_port()
    server = start_server(args.tree, port, args.serve_arg)
    try:
        figures = idle_flood(port, args.idle, hold=60.0)
        figures["/healthz seconds after the flood let go"] = healthz(port, 30.0)
        figures.update(asyncio.run(slow_connections(port, args.slow, args.hold)))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(figures, indent=2))
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
