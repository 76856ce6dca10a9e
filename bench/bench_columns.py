"""The analysis table against the full reports, end to end, the real `cryoelig batch` (issue 24).

Generated Parquet in (bench_batch's rows: ~2% invalid, ~1% identifying-looking notes), --jobs 1:
  table  --out table.parquet (--report table, default cross-check sample:100: the first 1,000 rows and
         every 100th decided by the engine and the Python evaluator as well)
  full   --out full.parquet --report full (today's path, one full report per row)
interleaved over rounds; prints rows per CPU second (user + system of the process tree, start-up and pack
loading included), wall rows/s, peak RSS and the load average beside each figure. The goal of issue 24:
at least 100,000 rows per CPU second for the table.

--rss N N ...: the table path alone at each size (issue 24: peak RSS flat within 10% from 200,000 to
2,000,000 rows), one fresh process per size and round; the inputs are generated once per size and kept in
bench_batch.CACHE (/tmp). Prints the peak RSS of the largest process (VmHWM, sampled) and of the process
tree, rows per CPU second, and the change from the smallest to the largest size.

--baseline DIR: `full` also with the sources of another commit (DIR holds its tree, e.g. main's a9e7206:
`mkdir DIR && git archive a9e7206 | tar -x -C DIR`), interleaved with this tree's, and the per-core ratio
(issue 24: `--report full` not slower than today). The same interpreter and libraries run both.

Usage: python bench/bench_columns.py [--rows 200000] [--full-rows 20000] [--rounds 2] [--keep DIR]
       python bench/bench_columns.py --rss 200000 1000000 2000000
       python bench/bench_columns.py --baseline /tmp/cryoelig-a9e7206 --full-rows 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import cached_inputs, run, write_csv, write_parquet  # noqa: E402

EXE = [sys.executable, "-m", "cryoelig"]


def tree_exe(tree: Path) -> list[str]:
    """The command line of the cryoelig in another source tree (ahead of the installed one on sys.path)."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tree.resolve())!r}); "
            "from cryoelig.cli import main; main()"]


def measure(name: str, src: Path, rows: int, work: Path, extra: list[str], exe: list[str] = EXE,
            figures: dict[str, list[float]] | None = None) -> str:
    out = work / f"{name}.parquet"
    for stale in work.glob(f"{name}.parquet*"):
        stale.unlink()
    load = os.getloadavg()[0]
    wall, _code, largest, tree, cpu = run([*exe, "batch", str(src), "--out", str(out), "--jobs", "1", "-q",
                                           *extra])
    if figures is not None:
        for key, value in (("per_cpu", rows / cpu), ("largest", largest), ("tree", tree)):
            figures.setdefault(key, []).append(value)
    return (f"{name:6} {rows:>8} rows: {rows / cpu:>9,.0f} rows/CPU-s  {rows / wall:>9,.0f} rows/s wall  "
            f"peak RSS {largest / 1024:6.0f} MiB (tree {tree / 1024:6.0f})  load {load:.2f} -> "
            f"{os.getloadavg()[0]:.2f}")


def rss(sizes: list[int], rounds: int, work: Path) -> None:
    """--rss: the table path's peak RSS and rate at each size, fresh processes, interleaved rounds."""
    sources = {rows: cached_inputs(rows)["parquet"] for rows in sizes}
    figures: dict[int, dict[str, list[float]]] = {rows: {} for rows in sizes}
    for r in range(rounds):
        for rows in (sizes if r % 2 == 0 else sizes[::-1]):
            print(measure("table", sources[rows], rows, work, ["--report", "table"], figures=figures[rows]),
                  flush=True)
    small, big = (figures[sizes[0]], figures[sizes[-1]])
    for key, label in (("largest", "largest process"), ("tree", "process tree")):
        a, b = max(small[key]), max(big[key])
        print(f"peak RSS, {label}: {a / 1024:.0f} MiB at {sizes[0]:,} rows -> {b / 1024:.0f} MiB at {sizes[-1]:,} "
              f"rows ({100 * (b / a - 1):+.1f}%; goal within 10%)")
    print("rows per CPU-s (median): " + ", ".join(f"{rows:,}: {statistics.median(figures[rows]['per_cpu']):,.0f}"
                                                   for rows in sizes) + f"  load now {os.getloadavg()[0]:.2f}")


def baseline(tree: Path, rows: int, rounds: int, work: Path) -> None:
    """--baseline: --report full with this tree and another commit's, interleaved; the per-core ratio."""
    src = cached_inputs(rows)["parquet"]
    runs = [("full", EXE), ("base", tree_exe(tree))]
    figures: dict[str, dict[str, list[float]]] = {"full": {}, "base": {}}
    for r in range(rounds):
        for name, exe in (runs if r % 2 == 0 else runs[::-1]):
            print(measure(name, src, rows, work, ["--report", "full"], exe, figures[name]), flush=True)
    mine, theirs = (statistics.median(figures[n]["per_cpu"]) for n in ("full", "base"))
    paired = [a / b for a, b in zip(figures["full"]["per_cpu"], figures["base"]["per_cpu"], strict=True)]
    print(f"--report full: {mine:,.0f} rows/CPU-s here, {theirs:,.0f} with {tree}: {mine / theirs:.3f}x "
          f"(goal: not slower, at least 1.0x; medians of {rounds}); per round "
          f"{', '.join(f'{r:.3f}x' for r in paired)} (median {statistics.median(paired):.3f}x); "
          f"load now {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--full-rows", type=int, default=20_000, help="rows for --report full (about 3,000 rows/s)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--rss", type=int, nargs="+", metavar="ROWS", help="the table path's peak RSS at these sizes")
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="--report full against another commit's tree")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; command: {' '.join(sys.argv)}", flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-columns-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.rss:
            return rss(sorted(args.rss), args.rounds, work)
        if args.baseline:
            return baseline(args.baseline, args.full_rows, args.rounds, work)
        sources = {}
        for rows in sorted({args.rows, args.full_rows}):
            csv_path, parquet = work / f"in-{rows}.csv", work / f"in-{rows}.parquet"
            if not parquet.exists():
                write_csv(csv_path, rows, seed=7)
                write_parquet(csv_path, parquet)
            sources[rows] = parquet
        for r in range(args.rounds):
            runs = [("table", args.rows, ["--report", "table"]), ("full", args.full_rows, ["--report", "full"])]
            for name, rows, extra in (runs if r % 2 == 0 else runs[::-1]):
                print(measure(name, sources[rows], rows, work, extra), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
