"""Batch throughput of two source trees, interleaved: the cost of a change on a shared machine.

Runs the real `cryoelig batch` (generated CSV in, JSONL out, as bench_batch.py) from the tree
given by --before and from this tree, alternately (A, B, A, B, ...), and prints the best of
--rounds for each, with the ratio. Optionally (--callgrind) counts instructions with valgrind
for two input sizes and prints the difference per row: deterministic, unaffected by load.

Usage: python bench/bench_ab.py --before /path/to/old/tree [--rows 50000] [--rounds 5] [--jobs 1 2]
           [--out-suffix csv] [--after-args "--cross-check sample:100"]
       python bench/bench_ab.py --before /path/to/old/tree --callgrind [--small 500] [--large 2500]
(--before: a checkout of the code before the change, e.g. `git worktree add /tmp/before 817fa05`
or `git archive 817fa05 | tar -x -C /tmp/before`; both trees run with this interpreter. --out-suffix: the
output format of both runs; --after-args: options of this tree's runs only, e.g. one the older tree lacks.)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent


def _write_csv(path: Path, rows: int, seed: int) -> None:
    spec = importlib.util.spec_from_file_location("bench_batch", HERE / "bench_batch.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_csv(path, rows, seed)


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def _batch(tree: Path, src: Path, out: Path, jobs: int, prefix: list[str] | None = None,
           extra: list[str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (process tree) of one run; outputs removed afterwards."""
    cmd = [*(prefix or []), sys.executable, "-m", "cryoelig", "batch", str(src), "--out", str(out), "--jobs",
           str(jobs), "--quiet", *(extra or [])]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=_env(tree), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{tree}: batch exited {code}: {err[-1000:]}")
    for name in (out, out.with_name(out.stem + ".errors.jsonl")):
        name.unlink(missing_ok=True)
    return wall, usage.ru_utime + usage.ru_stime


def _instructions(tree: Path, src: Path, out: Path, work: Path) -> int:
    log = work / "callgrind.out"
    _batch(tree, src, out, 1, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={log}", "--quiet"])
    text = log.read_text(errors="replace")
    log.unlink()
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    assert match, "no callgrind summary"
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=2500)
    parser.add_argument("--out-suffix", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--after-args", default="", help="batch options for this tree's runs only")
    args = parser.parse_args()
    extra = {"before": [], "after": shlex.split(args.after_args)}
    trees = {"before": args.before.resolve(), "after": TREE}
    work = Path(tempfile.mkdtemp(prefix="cryoelig-ab-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load before {os.getloadavg()[0]:.2f}")
    print(f"command: python bench/bench_ab.py --before {args.before} " + shlex.join(sys.argv[3:]))
    if args.callgrind:
        counts: dict[str, dict[int, int]] = {name: {} for name in trees}
        for rows in (args.small, args.large):
            src = work / f"cases-{rows}.csv"
            _write_csv(src, rows, args.seed)
            if rows == args.small:  # fill each tree's pack cache first: a first run also validates the pack
                for tree in trees.values():
                    _batch(tree, src, work / "r.jsonl", 1)
            for name, tree in trees.items():
                counts[name][rows] = _instructions(tree, src, work / "r.jsonl", work)
                print(f"{name:>6}: {rows:>6} rows, {counts[name][rows]:,} instructions (whole process, --jobs 1)")
        per_row = {name: (c[args.large] - c[args.small]) / (args.large - args.small) for name, c in counts.items()}
        for name, value in per_row.items():
            print(f"{name:>6}: {value:,.0f} instructions per row")
        print(f"after / before, per row: {per_row['after'] / per_row['before']:.3f}")
        return
    src = work / "cases.csv"
    _write_csv(src, args.rows, args.seed)
    best: dict[tuple[str, int], tuple[float, float]] = {}
    for round_ in range(1, args.rounds + 1):
        for jobs in args.jobs:
            for name, tree in trees.items():
                wall, cpu = _batch(tree, src, work / f"r.{args.out_suffix}", jobs, extra=extra[name])
                key = (name, jobs)
                old = best.get(key, (float("inf"), float("inf")))
                best[key] = (min(old[0], wall), min(old[1], cpu))
                print(f"round {round_} {name:>6} --jobs {jobs}: {args.rows / wall:7.0f} rows/s, CPU {cpu:.1f} s")
    for jobs in args.jobs:
        (wb, cb), (wa, ca) = best[("before", jobs)], best[("after", jobs)]
        print(f"--jobs {jobs}, best of {args.rounds}: before {args.rows / wb:.0f} rows/s, after {args.rows / wa:.0f} "
              f"rows/s, after/before {wb / wa:.3f}; CPU seconds before {cb:.1f}, after {ca:.1f}, "
              f"after/before {ca / cb:.3f}")


if __name__ == "__main__":
    main()
