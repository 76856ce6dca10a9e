"""The analysis table against the full reports, end to end, the real `cryoelig batch` (issue 24).

Generated Parquet in (bench_batch's rows: ~2% invalid, ~1% identifying-looking notes), --jobs 1:
  table  --out table.parquet (--report table, default cross-check sample:100: the first 1,000 rows and
         every 100th decided by the engine and the Python evaluator as well)
  full   --out full.parquet --report full (today's path, one full report per row)
interleaved over rounds; prints rows per CPU second (user + system of the process tree, start-up and pack
loading included), wall rows/s, peak RSS and the load average beside each figure. The goal of issue 24:
at least 100,000 rows per CPU second for the table.

Usage: python bench/bench_columns.py [--rows 200000] [--full-rows 20000] [--rounds 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import run, write_csv, write_parquet  # noqa: E402

EXE = [sys.executable, "-m", "cryoelig"]


def measure(name: str, src: Path, rows: int, work: Path, extra: list[str]) -> str:
    out = work / f"{name}.parquet"
    for stale in work.glob(f"{name}.parquet*"):
        stale.unlink()
    load = os.getloadavg()[0]
    wall, _code, largest, _tree, cpu = run([*EXE, "batch", str(src), "--out", str(out), "--jobs", "1", "-q",
                                            *extra])
    return (f"{name:6} {rows:>8} rows: {rows / cpu:>9,.0f} rows/CPU-s  {rows / wall:>9,.0f} rows/s wall  "
            f"peak RSS {largest / 1024:6.0f} MiB  load {load:.2f} -> {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--full-rows", type=int, default=20_000, help="rows for --report full (about 3,000 rows/s)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-columns-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = {}
    for rows in sorted({args.rows, args.full_rows}):
        csv_path, parquet = work / f"in-{rows}.csv", work / f"in-{rows}.parquet"
        if not parquet.exists():
            write_csv(csv_path, rows, seed=7)
            write_parquet(csv_path, parquet)
        sources[rows] = parquet
    try:
        for r in range(args.rounds):
            runs = [("table", args.rows, ["--report", "table"]), ("full", args.full_rows, ["--report", "full"])]
            for name, rows, extra in (runs if r % 2 == 0 else runs[::-1]):
                print(measure(name, sources[rows], rows, work, extra), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
