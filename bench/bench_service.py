"""Load test of `cryoelig serve` on loopback: CDS Hooks calls with prefetch, bounded, stops by itself.

Starts the service on a free 127.0.0.1 port, sends REQUESTS patient-view calls (in the CDS Hooks
specification's request shape, prefetch from the FHIR fixtures) over CONCURRENCY connections with
httpx, and prints requests/s, p50/p99 latency, errors, and the ratio to the same work done
in-process in the same run (the CDS call without HTTP, and the bare evaluation of the case).
The machine load (`uptime`) is printed before and after: figures on a shared machine are noisy.

    python bench/bench_service.py                         # wrk if installed (15 s), else 5,000 httpx calls
    python bench/bench_service.py --workers 2 --requests 5000 --concurrency 20
    python bench/bench_service.py --tool wrk --seconds 15   # Debian's wrk as the client (apt-get install wrk)
    python bench/bench_service.py --against /tmp/before     # CPU per in-process CDS call, this tree vs another
                                                            # (git archive <commit> | tar -x -C /tmp/before),
                                                            # interleaved, best of --rounds: robust to load
    python bench/bench_service.py --examples                # CPU per in-process CDS call for each bundled
                                                            # hook request (examples/cds/*.json), best of --rounds

The httpx client runs in Python on the same 2 cores and takes CPU from the server; wrk (C) takes
far less, so its figures are closer to what the service itself can do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fhirdata import bundle, patient_view  # noqa: E402

SERVICE = "/cds-services/cryoelig-discussion-points"


def request_body() -> dict:
    """One metastatic bone record: condition, pain, ECOG, prior cryoablation, a current chemotherapy."""
    return patient_view({
        "conditions": bundle("adapted-secondary-cancer-condition-bone", kind="searchset"),
        "observations": bundle("adapted-pain-severity", "adapted-ecog-performance-status-1", kind="searchset"),
        "procedures": bundle("adapted-cryoablation-procedure-bone", kind="searchset"),
        "medicationRequests": bundle("mcode-cancer-related-medication-request-doxorubicin-jenny-m", kind="searchset"),
        "medicationStatements": None, "bodyStructures": None})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "uptime not available"


def start_server(port: int, workers: int) -> subprocess.Popen:
    import httpx

    process = subprocess.Popen([sys.executable, "-m", "cryoelig", "serve", "--port", str(port), "--workers",
                                str(workers), "--no-access-log", "--log-level", "warning"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start in 60 s")


async def load(url: str, body: bytes, requests: int, concurrency: int) -> tuple[list[float], int, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    headers = {"content-type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in counter:
            start = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers=headers)
                ok = response.status_code == 200 and response.content.startswith(b'{"cards": [{')
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await client.post(url, content=body, headers=headers)  # warm the connection pool
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, errors, wall


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("{body}"):read("*a")
"""


def run_wrk(url: str, body: bytes, seconds: int, concurrency: int, folder: Path) -> dict[str, float]:
    """Debian's wrk for a fixed time: requests/s, p50/p99 (ms), errors (non-2xx and socket errors)."""
    (folder / "body.json").write_bytes(body)
    (folder / "post.lua").write_text(WRK_SCRIPT.replace("{body}", str(folder / "body.json")))
    # --timeout 30s: a slow answer stays in the latency figures instead of counting as a socket error.
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "--timeout", "30s", "-s",
                          str(folder / "post.lua"), url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    for line in re.findall(r"^\s*(Socket errors:.*|Non-2xx.*)$", out, re.M):
        print(f"  wrk: {line.strip()}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"),
            "p99": ms("99%"), "errors": errors,
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def in_process(body: dict, seconds: float = 3.0) -> tuple[float, float]:
    """Calls/s of the CDS call without HTTP, and of the bare evaluation, in this process."""
    from cryoelig.case.contract import parse_case
    from cryoelig.facade import review
    from cryoelig.inputs.fhir.mapping import Sites, read_fhir
    from cryoelig.rulepack.load import load_pack
    from cryoelig.server import cds
    from cryoelig.server.app import State
    from cryoelig.server.config import ServerConfig

    state = State(config=ServerConfig(), pack=load_pack())
    loop = asyncio.new_event_loop()

    def rate(fn) -> float:  # noqa: ANN001
        fn()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            fn()
            n += 1
        return n / (time.perf_counter() - start)

    full = rate(lambda: json.dumps(loop.run_until_complete(cds.call(state, json.loads(json.dumps(body))))))
    parts = {f"prefetch {key} entry": v for key, v in body["prefetch"].items() if v}
    case = parse_case(read_fhir(parts, Sites.ONE)[0].data, state.pack)
    bare = rate(lambda: review(case, state.pack))
    loop.close()
    return full, bare


CPU_PER_CALL = r"""
import asyncio, json, sys, time
sys.path.insert(0, "bench"); sys.path.insert(0, "tests")
import bench_service as b
from cryoelig.rulepack.load import load_pack
from cryoelig.server import cds
from cryoelig.server.app import State
from cryoelig.server.config import ServerConfig
body = b.request_body(); state = State(config=ServerConfig(), pack=load_pack()); loop = asyncio.new_event_loop()
def one(): return json.dumps(loop.run_until_complete(cds.call(state, json.loads(json.dumps(body)))))
for _ in range(20): one()
t = time.process_time()
for _ in range(300): one()
print((time.process_time() - t) / 300 * 1000)
"""


EXAMPLE_CPU = r"""
import asyncio, json, sys, time
from cryoelig.rulepack.load import load_pack
from cryoelig.server import cds
from cryoelig.server.app import State
from cryoelig.server.config import ServerConfig
body = json.loads(open(sys.argv[1], encoding="utf-8").read())
state = State(config=ServerConfig(), pack=load_pack()); loop = asyncio.new_event_loop()
def one(): return json.dumps(loop.run_until_complete(cds.call(state, json.loads(json.dumps(body)))))
for _ in range(20): one()
t = time.process_time()
for _ in range(300): one()
print((time.process_time() - t) / 300 * 1000)
"""


def examples(rounds: int) -> None:
    """CPU milliseconds per in-process CDS call for each bundled hook request, best of rounds."""
    print(f"command: python bench/bench_service.py --examples --rounds {rounds}")
    print(f"load before: {uptime()}")
    for path in sorted((ROOT / "examples" / "cds").glob("*.json")):
        best = min(float(subprocess.run([sys.executable, "-c", EXAMPLE_CPU, str(path)], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout) for _ in range(rounds))
        print(f"  {path.relative_to(ROOT)}: {best:.2f} ms CPU per CDS call (best of {rounds})")
    print(f"load after: {uptime()}")


def compare(other: Path, rounds: int) -> None:
    """CPU milliseconds per in-process CDS call, this tree and another, interleaved, best of rounds."""
    trees = {"this tree": ROOT, f"other ({other})": other.resolve()}
    best = dict.fromkeys(trees, float("inf"))
    print(f"command: python bench/bench_service.py --against {other} --rounds {rounds}")
    print(f"load before: {uptime()}")
    for round_ in range(rounds):
        for name, tree in trees.items():
            out = subprocess.run([sys.executable, "-c", CPU_PER_CALL], cwd=tree, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": str(tree)}, check=True)
            best[name] = min(best[name], float(out.stdout))
            print(f"  round {round_ + 1} {name}: {float(out.stdout):.2f} ms CPU per CDS call")
    mine, theirs = best.values()
    print(f"best: this tree {mine:.2f} ms, other {theirs:.2f} ms; this/other {mine / theirs:.2f}")
    print(f"load after: {uptime()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--tool", choices=("auto", "httpx", "wrk"), default="auto",
                        help="the load client; auto: wrk when installed, else httpx")
    parser.add_argument("--seconds", type=int, default=15, help="wrk only: how long to run")
    parser.add_argument("--against", type=Path, help="another source tree: compare CPU per in-process CDS call")
    parser.add_argument("--rounds", type=int, default=4, help="--against, --examples: rounds (best of)")
    parser.add_argument("--examples", action="store_true", help="CPU per in-process call of examples/cds/*.json")
    args = parser.parse_args()
    if args.examples:
        examples(args.rounds)
        return
    if args.against is not None:
        compare(args.against, args.rounds)
        return
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "httpx"
    if args.tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    body = request_body()
    raw = json.dumps(body).encode()
    print(f"command: python bench/bench_service.py --tool {args.tool} --requests {args.requests} "
          f"--seconds {args.seconds} --concurrency {args.concurrency} --workers {args.workers}")
    print(f"cpus: {os.cpu_count()}; load before: {uptime()}")
    port = free_port()
    server = start_server(port, args.workers)
    url = f"http://127.0.0.1:{port}{SERVICE}"
    try:
        if args.tool == "wrk":
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                figures = run_wrk(url, raw, args.seconds, args.concurrency, Path(folder))
            rps, p50, p99, errors, count = (figures["rps"], figures["p50"], figures["p99"], int(figures["errors"]),
                                            int(figures["requests"]))
            wall = count / rps
        else:
            latencies, errors, wall = asyncio.run(load(url, raw, args.requests, args.concurrency))
            latencies.sort()
            count = len(latencies)
            rps = count / wall
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(count - 1, int(count * 0.99))] * 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
    full, bare = in_process(body)
    print(f"CDS Hooks patient-view calls over HTTP ({args.tool}): {count} in {wall:.2f} s, {errors} errors")
    print(f"  requests/s: {rps:,.0f}   p50: {p50:.1f} ms   p99: {p99:.1f} ms   (body {len(raw):,} bytes)")
    print(f"in-process, same run: CDS call without HTTP {full:,.0f}/s; evaluation alone (review) {bare:,.0f}/s")
    print(f"ratio HTTP / in-process CDS call: {rps / full:.2f}; HTTP / evaluation alone: {rps / bare:.2f}")
    print(f"goal (2 cores, quiet machine): p99 < 50 ms and >= 300 calls/s: "
          f"{'met' if p99 < 50 and rps >= 300 else 'not met'} here")
    print(f"load after: {uptime()}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
