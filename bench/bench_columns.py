"""The analysis table against the full reports, end to end, the real `cryoelig batch` (issue 24).

Generated Parquet in (bench_batch's rows: ~2% invalid, ~1% identifying-looking notes), --jobs 1:
  table  --out table.parquet (--report table, default cross-check sample:100: the first 1,000 rows and
         every 100th decided by the engine and the Python evaluator as well)
  full   --out full.parquet --report full (today's path, one full report per row)
  compact  --out compact.jsonl --report compact (the compact report, schema v2: ids and values per row, the
         words once in compact.jsonl.words.json), built column-wise (batch/colcompact.py), default cross-check
  crow   the same compact lines by the per-row path (engine and evaluator per row, compact_of; forced with
         --resume, which the column-wise run does not take), on --full-rows rows
  fulljl --out fulljl.jsonl --report full (the full report per JSONL line), on the same rows
interleaved over rounds; prints rows per CPU second (user + system of the process tree, start-up and pack
loading included), wall rows/s, peak RSS and the load average beside each figure, and for a JSONL output
its bytes per line. The goals of issue 24: at least 100,000 rows per CPU second for the table, 50,000 for
compact JSONL.

Usage: python bench/bench_columns.py [--rows 200000] [--full-rows 20000] [--jsonl-rows 50000] [--rounds 2]
                                     [--only table full compact crow fulljl] [--keep DIR] [--stages]
(--stages: where one column-wise compact run on --rows spends its CPU, per stage)
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


def measure(name: str, src: Path, rows: int, work: Path, extra: list[str], suffix: str = ".parquet") -> str:
    out = work / f"{name}{suffix}"
    for stale in work.glob(f"{name}{suffix}*"):
        stale.unlink()
    for stale in work.glob(f"{name}.errors.jsonl"):
        stale.unlink()
    load = os.getloadavg()[0]
    wall, _code, largest, _tree, cpu = run([*EXE, "batch", str(src), "--out", str(out), "--jobs", "1", "-q",
                                            *extra])
    size = ""
    if suffix == ".jsonl":
        lines, total = _lines_and_bytes(out)
        size = f"  {total / max(1, lines):>7,.0f} bytes/line ({lines:,} lines, {total / 2**20:,.0f} MiB)"
    return (f"{name:7} {rows:>8} rows: {rows / cpu:>9,.0f} rows/CPU-s  {rows / wall:>9,.0f} rows/s wall  "
            f"peak RSS {largest / 1024:6.0f} MiB  load {load:.2f} -> {os.getloadavg()[0]:.2f}{size}")


def _lines_and_bytes(path: Path) -> tuple[int, int]:
    lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            lines += block.count(b"\n")
    return lines, path.stat().st_size


#: where a column-wise compact run spends its CPU (--stages): (module, function) timed in place, inclusive
STAGES = (("cryoelig.batch.colread", "_decided", "read + validate a part, refused and sampled rows per row"),
          ("cryoelig.batch.colread", "_decoded", "  of which: the per-row path (refused and sampled rows)"),
          ("cryoelig.reasoning.columns", "Compiled.decide", "decide (the compiled pack)"),
          ("cryoelig.batch.colrun", "evaluate", "the sampled rows' traces (Python evaluator)"),
          ("cryoelig.batch.colrun", "cross_check", "cross-check: columns vs evaluator and engine"),
          ("cryoelig.batch.colcompact", "CompactLines.lines", "compact lines built column-wise"),
          ("cryoelig.batch.colcompact_out", "LinesWriter._decoded", "per-row lines of rows decoded per row"),
          ("cryoelig.batch.colcompact_out", "LinesWriter._check", "cross-check: lines vs per-row lines"),
          ("cryoelig.batch.colrun", "aggregate_part", "summary counts"))


def stages(src: Path, work: Path) -> None:
    """One column-wise compact run in this process, CPU seconds per stage (``STAGES``, inclusive)."""
    import importlib
    import time

    from cryoelig.batch import BatchOptions, run_batch

    spent: dict[str, float] = {}

    def timed(label: str, fn: object) -> object:
        def wrapper(*a: object, **k: object) -> object:
            start = time.process_time()
            try:
                return fn(*a, **k)  # type: ignore[operator]
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start
        return wrapper
    for module, name, label in STAGES:
        owner: object = importlib.import_module(module)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, attr, timed(label, getattr(owner, attr)))
    out = work / "stages.jsonl"
    for stale in work.glob("stages.*"):
        stale.unlink()
    load, start = os.getloadavg()[0], time.process_time()
    result = run_batch(BatchOptions(input=str(src), out=out, jobs=1, report="compact", cross_check="sample:100"))
    total = time.process_time() - start
    rows = result.summary["counts"]["results"] + result.summary["counts"]["errors"]
    print(f"compact, column-wise, {rows:,} rows, in process (imports and pack loading not counted): {total:.2f} CPU-s, "
          f"{rows / total:,.0f} rows/CPU-s, load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    for _module, _name, label in STAGES:
        print(f"  {label:58} {spent.get(label, 0):6.2f} s  {spent.get(label, 0) / rows * 1e6:6.2f} us/row")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--full-rows", type=int, default=20_000, help="rows for --report full (about 3,000 rows/s)")
    ap.add_argument("--jsonl-rows", type=int, default=50_000, help="rows for fulljl")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", nargs="+", choices=["table", "full", "compact", "crow", "fulljl"],
                    default=["table", "full", "compact", "crow", "fulljl"])
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--stages", action="store_true", help="CPU per stage of one column-wise compact run on --rows")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-columns-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = {}
    sizes = {"table": args.rows, "full": args.full_rows, "compact": args.rows, "crow": args.full_rows,
             "fulljl": args.jsonl_rows}
    for rows in sorted({sizes[name] for name in args.only}):  # only the inputs the runs asked for
        csv_path, parquet = work / f"in-{rows}.csv", work / f"in-{rows}.parquet"
        if not parquet.exists():
            write_csv(csv_path, rows, seed=7)
            write_parquet(csv_path, parquet)
        sources[rows] = parquet
    if args.stages:
        stages(sources[args.rows], work)
        return
    try:
        for r in range(args.rounds):
            runs = [("table", args.rows, ["--report", "table"], ".parquet"),
                    ("full", args.full_rows, ["--report", "full"], ".parquet"),
                    ("compact", args.rows, ["--report", "compact"], ".jsonl"),
                    ("crow", args.full_rows, ["--report", "compact", "--resume"], ".jsonl"),
                    ("fulljl", args.jsonl_rows, ["--report", "full"], ".jsonl")]
            runs = [run_ for run_ in runs if run_[0] in args.only]
            for name, rows, extra, suffix in (runs if r % 2 == 0 else runs[::-1]):
                print(measure(name, sources[rows], rows, work, extra, suffix), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
