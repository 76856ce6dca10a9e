"""The analysis table against the full reports, end to end, the real `cryoelig batch` (issue 24).

Generated Parquet in (bench_batch's rows: ~2% invalid, ~1% identifying-looking notes), --jobs 1:
  table  --out table.parquet (--report table, default cross-check sample:100: the first 1,000 rows and
         every 100th decided by the engine and the Python evaluator as well)
  full   --out full.parquet --report full (today's path, one full report per row)
  compact  --out compact.jsonl --report compact (the compact report, schema v2: ids and values per row, the
         words once in compact.jsonl.words.json), built column-wise (batch/colcompact.py), default cross-check
  crow   the same compact lines by the per-row path (engine and evaluator per row, compact_of; forced with
         --resume, which the column-wise run does not take), on --full-rows rows
  fulljl --out fulljl.jsonl --report full (the full report per JSONL line), on --jsonl-rows rows
  start  the table run on a 1-row input: the start-up (imports, pack, engine) every run pays once
interleaved over rounds; prints rows per CPU second (user + system of the process tree, start-up and pack
loading included), the same without the start-up, wall rows/s, peak RSS and the load average beside each
figure, and for a JSONL output its bytes per line. Each round also runs the table (and the compact run, when
asked for) once more with every stage timed in CPU seconds (``--stage-child``, in the child process; the
timers cost a little): start-up, read, validate, refused (records built column-wise), per-row (the rows
decoded by today's path: the cross-check's sample and refused rows it cannot build), decide (the compiled
pack), cross-check (evaluator + engine + comparison, and for compact lines the per-row lines compared),
lines (compact lines built column-wise), write, summary, other (the rest of the run), finish (summary files,
renames, exit). The goals of issue 24: at least 100,000 rows per CPU second for the table, 50,000 for
compact JSONL.

As on a user's machine, Python may cache compiled modules (PYTHONDONTWRITEBYTECODE is dropped for the runs).

--rss N N ...: the table path alone at each size (issue 24: peak RSS flat within 10% from 200,000 to
2,000,000 rows), one fresh process per size and round; the inputs are generated once per size and kept in
bench_batch.CACHE (/tmp). Prints the peak RSS of the largest process (VmHWM, sampled) and of the process
tree, rows per CPU second, and the change from the smallest to the largest size.

--baseline DIR: `full` also with the sources of another commit (DIR holds its tree, e.g. main's a9e7206:
`mkdir DIR && git archive a9e7206 | tar -x -C DIR`), interleaved with this tree's, and the per-core ratio
(issue 24: `--report full` not slower than today). The same interpreter and libraries run both.

Usage: python bench/bench_columns.py [--rows 200000] [--full-rows 20000] [--jsonl-rows 50000] [--rounds 2]
                                     [--only table full compact crow fulljl] [--no-stages] [--keep DIR]
       python bench/bench_columns.py --rss 200000 1000000 2000000
       python bench/bench_columns.py --baseline /tmp/cryoelig-a9e7206 --full-rows 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import cached_inputs, run, write_csv, write_parquet  # noqa: E402

EXE = [sys.executable, "-m", "cryoelig"]
#: (module, function or Class.method, stage): timed exclusively (a stage inside another counts once)
STAGES = (
    ("cryoelig.batch.colread", "_whole_parts", "read"),
    ("cryoelig.inputs.parquet", "flat_columns", "read"),
    ("cryoelig.batch.colread", "cells", "read"),
    ("cryoelig.batch.colread", "check", "validate"),
    ("cryoelig.batch.colerrors", "ColumnErrors.build", "refused"),
    ("cryoelig.batch.colread", "_decode", "per-row"),
    ("cryoelig.reasoning.columns", "Compiled.decide", "decide"),
    ("cryoelig.batch.colrun", "evaluate", "cross-check"),
    ("cryoelig.batch.colrun", "cross_check", "cross-check"),
    ("cryoelig.batch.colcompact", "CompactLines.lines", "lines"),
    ("cryoelig.batch.colcompact_out", "LinesWriter._decoded", "per-row"),
    ("cryoelig.batch.colcompact_out", "LinesWriter._check", "cross-check"),
    ("cryoelig.batch.colrun", "table_of", "write"),
    ("cryoelig.batch.table_out", "TableWriter.write", "write"),
    ("cryoelig.batch.table_out", "TableWriter.close", "write"),
    ("cryoelig.batch.colrun", "aggregate_part", "summary"),
)
ORDER = ("start-up", "read", "validate", "refused", "per-row", "decide", "cross-check", "lines", "write",
         "summary", "other", "finish")


def tree_exe(tree: Path) -> list[str]:
    """The command line of the cryoelig in another source tree (ahead of the installed one on sys.path)."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tree.resolve())!r}); "
            "from cryoelig.cli import main; main()"]


def measure(name: str, src: Path, rows: int, work: Path, extra: list[str], start: float | None = None,
            suffix: str = ".parquet", exe: list[str] = EXE, figures: dict[str, list[float]] | None = None) -> str:
    out = work / f"{name}{suffix}"
    for stale in [*work.glob(f"{name}{suffix}*"), *work.glob(f"{name}.errors.jsonl")]:
        stale.unlink()
    load = os.getloadavg()[0]
    wall, _code, largest, tree, cpu = run([*exe, "batch", str(src), "--out", str(out), "--jobs", "1", "-q",
                                           *extra])
    if figures is not None:
        for key, value in (("per_cpu", rows / cpu), ("largest", largest), ("tree", tree)):
            figures.setdefault(key, []).append(value)
    after = "" if start is None or cpu <= start else f"  {rows / (cpu - start):>9,.0f} without start-up"
    size = ""
    if suffix == ".jsonl":
        lines, total = _lines_and_bytes(out)
        size = f"  {total / max(1, lines):>7,.0f} bytes/line ({lines:,} lines, {total / 2**20:,.0f} MiB)"
    return (f"{name:7} {rows:>8} rows: {rows / cpu:>9,.0f} rows/CPU-s{after}  {rows / wall:>9,.0f} rows/s wall  "
            f"{cpu:6.2f} CPU-s  peak RSS {largest / 1024:6.0f} MiB (tree {tree / 1024:6.0f})  "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f}{size}")


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
            print(measure(name, src, rows, work, ["--report", "full"], exe=exe, figures=figures[name]), flush=True)
    mine, theirs = (statistics.median(figures[n]["per_cpu"]) for n in ("full", "base"))
    paired = [a / b for a, b in zip(figures["full"]["per_cpu"], figures["base"]["per_cpu"], strict=True)]
    print(f"--report full: {mine:,.0f} rows/CPU-s here, {theirs:,.0f} with {tree}: {mine / theirs:.3f}x "
          f"(goal: not slower, at least 1.0x; medians of {rounds}); per round "
          f"{', '.join(f'{r:.3f}x' for r in paired)} (median {statistics.median(paired):.3f}x); "
          f"load now {os.getloadavg()[0]:.2f}")


def _lines_and_bytes(path: Path) -> tuple[int, int]:
    lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            lines += block.count(b"\n")
    return lines, path.stat().st_size


def stages(src: Path, rows: int, work: Path, report: str = "table") -> str:
    """The table (or compact) run with every stage timed, in a child process: one line of CPU seconds per
    stage."""
    out, figures = work / ("stages.parquet" if report == "table" else "stages.jsonl"), work / "stages.json"
    for stale in work.glob("stages.*"):
        stale.unlink()
    load = os.getloadavg()[0]
    subprocess.run([sys.executable, __file__, "--stage-child", str(figures), "batch", str(src), "--out", str(out),
                    "--jobs", "1", "-q", "--report", report], check=False, stdout=subprocess.DEVNULL)
    spent = json.loads(figures.read_text())
    total = spent.pop("total")
    parts = "  ".join(f"{k} {spent.get(k, 0):.3f}" for k in ORDER)
    return (f"stages {report} {rows:>8} rows, CPU-s: {parts}  = {total:.2f} ({rows / total:,.0f} rows/CPU-s, "
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
    ap.add_argument("--jsonl-rows", type=int, default=50_000, help="rows for fulljl")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", nargs="+", choices=["table", "full", "compact", "crow", "fulljl"],
                    default=["table", "full", "compact", "crow", "fulljl"])
    ap.add_argument("--no-stages", action="store_true", help="skip the run with every stage timed")
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--rss", type=int, nargs="+", metavar="ROWS", help="the table path's peak RSS at these sizes")
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="--report full against another commit's tree")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; command: {' '.join(sys.argv)}", flush=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled modules cached (bench_startup.py)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-columns-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.rss or args.baseline:
        try:
            if args.rss:
                return rss(sorted(args.rss), args.rounds, work)
            return baseline(args.baseline, args.full_rows, args.rounds, work)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
    sources = {}
    sizes = {"table": args.rows, "full": args.full_rows, "compact": args.rows, "crow": args.full_rows,
             "fulljl": args.jsonl_rows}
    for rows in sorted({1, *(sizes[name] for name in args.only)}):  # only the inputs the runs asked for
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
            runs = [("table", args.rows, ["--report", "table"], ".parquet"),
                    ("full", args.full_rows, ["--report", "full"], ".parquet"),
                    ("compact", args.rows, ["--report", "compact"], ".jsonl"),
                    ("crow", args.full_rows, ["--report", "compact", "--resume"], ".jsonl"),
                    ("fulljl", args.jsonl_rows, ["--report", "full"], ".jsonl")]
            runs = [run_ for run_ in runs if run_[0] in args.only]
            for name, rows, extra, suffix in (runs if r % 2 == 0 else runs[::-1]):
                print(measure(name, sources[rows], rows, work, extra, start, suffix), flush=True)
            for report in ([] if args.no_stages else [k for k in ("table", "compact") if k in args.only]):
                print(stages(sources[args.rows], args.rows, work, report), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
