"""The analysis table against the full reports, end to end, the real `cryoelig batch` (issue 24).

Generated Parquet in (bench_batch's rows: ~2% invalid, ~1% identifying-looking notes), --jobs 1:
  table  --out table.parquet (--report table, default cross-check sample:100: the first 1,000 rows and
         every 100th decided by the engine and the Python evaluator as well)
  full   --out full.parquet --report full (today's path, one full report per row)
  start  the table run on a 1-row input: the start-up (imports, pack, engine) every run pays once
interleaved over rounds; prints rows per CPU second (user + system of the process tree, start-up and pack
loading included), the same without the start-up, wall rows/s, peak RSS and the load average beside each
figure. Each round also runs the table once more with every stage timed in CPU seconds (``--stages``, in
the child process; the timers cost a little): start-up, read, validate, refused (records built
column-wise), per-row (the rows decoded by today's path: the cross-check's sample and refused rows it
cannot build), decide (the compiled pack), cross-check (evaluator + engine + comparison), write, summary,
other (the rest of the run), finish (summary files, renames, exit). The goal of issue 24: at least
100,000 rows per CPU second for the table.

As on a user's machine, Python may cache compiled modules (PYTHONDONTWRITEBYTECODE is dropped for the runs).

Usage: python bench/bench_columns.py [--rows 200000] [--full-rows 20000] [--rounds 2] [--no-stages] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import run, write_csv, write_parquet  # noqa: E402

EXE = [sys.executable, "-m", "cryoelig"]
#: (module, function or Class.method, stage): timed exclusively (a stage inside another counts once)
STAGES = (
    ("cryoelig.batch.colread", "_whole_parts", "read"),
    ("cryoelig.inputs.parquet", "flat_columns", "read"),
    ("cryoelig.batch.colread", "cells", "read"),
    ("cryoelig.batch.colread", "check", "validate"),
    ("cryoelig.batch.colerrors", "ColumnErrors.build", "refused"),
    ("cryoelig.batch.colread", "_decode", "per-row"),
    ("cryoelig.reasoning.columns", "Compiled.__call__", "decide"),
    ("cryoelig.batch.colrun", "cross_check", "cross-check"),
    ("cryoelig.batch.colrun", "table_of", "write"),
    ("cryoelig.batch.table_out", "TableWriter.write", "write"),
    ("cryoelig.batch.table_out", "TableWriter.close", "write"),
    ("cryoelig.batch.colrun", "aggregate_part", "summary"),
)
ORDER = ("start-up", "read", "validate", "refused", "per-row", "decide", "cross-check", "write", "summary",
         "other", "finish")


def measure(name: str, src: Path, rows: int, work: Path, extra: list[str], start: float | None = None) -> str:
    out = work / f"{name}.parquet"
    for stale in work.glob(f"{name}.parquet*"):
        stale.unlink()
    load = os.getloadavg()[0]
    wall, _code, largest, _tree, cpu = run([*EXE, "batch", str(src), "--out", str(out), "--jobs", "1", "-q",
                                            *extra])
    after = "" if start is None or cpu <= start else f"  {rows / (cpu - start):>9,.0f} without start-up"
    return (f"{name:6} {rows:>8} rows: {rows / cpu:>9,.0f} rows/CPU-s{after}  {rows / wall:>9,.0f} rows/s wall  "
            f"{cpu:6.2f} CPU-s  peak RSS {largest / 1024:6.0f} MiB  load {load:.2f} -> {os.getloadavg()[0]:.2f}")


def stages(src: Path, rows: int, work: Path) -> str:
    """The table run with every stage timed, in a child process: one line of CPU seconds per stage."""
    out, figures = work / "stages.parquet", work / "stages.json"
    for stale in work.glob("stages.parquet*"):
        stale.unlink()
    load = os.getloadavg()[0]
    subprocess.run([sys.executable, __file__, "--stage-child", str(figures), "batch", str(src), "--out", str(out),
                    "--jobs", "1", "-q"], check=False, stdout=subprocess.DEVNULL)
    spent = json.loads(figures.read_text())
    total = spent.pop("total")
    parts = "  ".join(f"{k} {spent.get(k, 0):.3f}" for k in ORDER)
    return (f"stages {rows:>8} rows, CPU-s: {parts}  = {total:.2f} ({rows / total:,.0f} rows/CPU-s, "
            f"{1e6 * (total - spent.get('start-up', 0)) / rows:.1f} µs/row after start-up)  "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f}")


class Timers:
    """CPU time per stage, exclusive: a stage entered inside another stops the outer one's clock."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.stack: list[str] = []
        self.mark = time.process_time()

    def _switch(self, stage: str | None) -> None:
        now = time.process_time()
        if self.stack:
            self.spent[self.stack[-1]] = self.spent.get(self.stack[-1], 0.0) + now - self.mark
        self.mark = now
        if stage is None:
            self.stack.pop()
        else:
            self.stack.append(stage)

    def wrap(self, fn, stage):  # noqa: ANN001, ANN201 - any function
        if inspect.isgeneratorfunction(fn):
            def gen(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                it = fn(*args, **kwargs)
                while True:
                    self._switch(stage)
                    try:
                        item = next(it)
                    except StopIteration:
                        return
                    finally:
                        self._switch(None)
                    yield item
            return gen

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self._switch(stage)
            try:
                return fn(*args, **kwargs)
            finally:
                self._switch(None)
        return timed


def stage_child(figures: Path, argv: list[str]) -> None:
    """Run the CLI here with the stages timed; write {stage: CPU seconds} to ``figures``."""
    import importlib

    timers = Timers()
    sys.argv = ["cryoelig", *argv]
    from cryoelig.cli import main

    for module, attr, stage in STAGES:
        owner = importlib.import_module(module)
        *cls, name = attr.split(".")
        if cls:
            owner = getattr(owner, cls[0])
        setattr(owner, name, timers.wrap(getattr(owner, name), stage))
    real = timers.wrap(sys.modules["cryoelig.batch.colrun"].run_columns, "other")
    start: list[float] = []

    def first(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        start.append(time.process_time())
        return real(*args, **kwargs)
    sys.modules["cryoelig.batch.colrun"].run_columns = first
    with contextlib.suppress(SystemExit):
        main()
    total = time.process_time()
    spent = dict(timers.spent)
    inside = sum(spent.values())
    spent["start-up"] = start[0] if start else total
    spent["finish"] = total - spent["start-up"] - inside
    spent["total"] = total
    figures.write_text(json.dumps(spent))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--stage-child":
        stage_child(Path(sys.argv[2]), sys.argv[3:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--full-rows", type=int, default=20_000, help="rows for --report full (about 3,000 rows/s)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--no-stages", action="store_true", help="skip the run with every stage timed")
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled modules cached (bench_startup.py)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-columns-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = {}
    for rows in sorted({1, args.rows, args.full_rows}):
        csv_path, parquet = work / f"in-{rows}.csv", work / f"in-{rows}.parquet"
        if not parquet.exists():
            write_csv(csv_path, rows, seed=7)
            write_parquet(csv_path, parquet)
        sources[rows] = parquet
    try:
        run([*EXE, "--help"])  # compiled modules cached before the first figure
        for r in range(args.rounds):
            start = run([*EXE, "batch", str(sources[1]), "--out", str(work / "start.parquet"), "--jobs", "1", "-q",
                         "--force"])[4]
            print(f"start  {1:>8} row : {start:6.2f} CPU-s (imports, pack, engine, files)  "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
            runs = [("table", args.rows, ["--report", "table"]), ("full", args.full_rows, ["--report", "full"])]
            for name, rows, extra in (runs if r % 2 == 0 else runs[::-1]):
                print(measure(name, sources[rows], rows, work, extra, start), flush=True)
            if not args.no_stages:
                print(stages(sources[args.rows], args.rows, work), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
