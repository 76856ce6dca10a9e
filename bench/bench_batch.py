"""Batch throughput and memory, end to end, the real `cryoelig batch`: CSV, Parquet and a local Dask cluster.

For generated cases (mostly valid, ~2% invalid, ~1% identifying-looking notes) at two sizes
(default 20,000 and 200,000 rows) it runs, each to JSONL results:
  csv-j1      CSV in, --jobs 1                    (one core)
  csv-j2      CSV in, --jobs 2                    (two cores)
  parquet-j1  the same rows as Parquet in, --jobs 1
  parquet-out CSV in, Parquet out, --jobs 1
  dask-2      the Parquet in, --cluster local:2   (a local distributed cluster of 2 workers, 8 partitions;
              its time includes starting the cluster)
and prints wall rows/s, rows/s per core (rows/s divided by the cores the run uses), CPU seconds per
1,000 rows of the whole process tree, peak RSS (the largest single process, and the sum over the
process tree, sampled from /proc every 50 ms) and the RSS change from the small to the large size
(goal: flat within 10%). It checks that every run gave the same results (the Dask parts
concatenated, the Parquet output's report column).

Usage: python bench/bench_batch.py [--rows 200000] [--small 20000] [--only csv-j1 ...] [--keep DIR]

--scaling (issue 24: --jobs 2 at least 1.85x --jobs 1, --cluster local:2 at least 0.8x --jobs 2, on a
1,000,000-row input): the same input (generated once per size and seed, kept in CACHE) reviewed by each of
  jobs-1 / jobs-2   --jobs 1 / --jobs 2, full reports to JSONL
  dask-2            --cluster local:2 (partitions sized to the input), the parts as JSONL
  table-1 / table-2 --jobs 1 / --jobs 2, the analysis table to Parquet (--report table)
in interleaved rounds (the order turns each round), printing the load, wall and CPU seconds of each run, then
the medians' ratios: wall speed-ups, the cluster's rate with and without its start (manifest.json), and the
CPU of --jobs 2 over --jobs 1 (under load CPU is the meaningful one). --quick: 20,000 rows, one round.
  python bench/bench_batch.py --scaling --rows 1000000 --rounds 3
  python bench/bench_batch.py --scaling --quick
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

COLUMNS = [
    "case_id", "site", "tumor.size_cm", "tumor.size_mm", "tumor.count", "tumor.histology", "tumor.location",
    "tumor.surgically_difficult", "tumor.stage", "tumor.metastatic", "tumor.primary_cancer",
    "symptoms.pain_score", "symptoms.fracture", "symptoms.bone_weakness", "symptoms.anemia", "symptoms.fatigue",
    "history.prior_cryoablation", "history.regrowth", "history.symptoms_returned", "history.failed_treatments",
    "treatments", "overall_health", "ecog", "goals", "concerns.near_nerves", "concerns.bleeding_risk",
    "concerns.active_infection", "concerns.near_critical_structures", "notes",
]
SITES = ["skin", "liver", "prostate", "kidney", "lung", "bone", "other"]
CHOICES = {
    "tumor.histology": ["basal_cell_carcinoma", "squamous_cell_carcinoma", "melanoma", "other"],
    "tumor.location": ["peripheral", "central"],
    "tumor.stage": ["localized", "locally_advanced", "metastatic"],
    "tumor.primary_cancer": ["breast", "lung", "prostate", "kidney", "thyroid", "other", "unknown"],
    "overall_health": ["good", "fair", "poor"],
}
LISTS = {
    "history.failed_treatments": ["radiation", "chemotherapy", "hormone_therapy", "surgery", "cryoablation"],
    "treatments": ["radiation", "chemotherapy", "hormone_therapy", "surgery", "palliative_care"],
    "goals": ["pain_relief", "quality_of_life", "cure", "stop_spread"],
}


def case_id(i: int) -> str:
    """The i-th generated case id: ``case-000123`` below a million (as always), then a letter before six digits
    (``case-a000000``): seven digits in a row look like a record number, and the guard refuses the row."""
    if i < 1_000_000:
        return f"case-{i:06d}"
    return f"case-{chr(ord('a') + i // 1_000_000 - 1)}{i % 1_000_000:06d}"


def generate_row(rng: random.Random, i: int) -> list[str]:
    """One row: mostly valid cases, ~2% invalid values, ~1% identifier-looking notes."""
    row = dict.fromkeys(COLUMNS, "")
    row["case_id"] = case_id(i)
    row["site"] = rng.choice(SITES)
    if rng.random() < 0.8:
        row["tumor.size_cm"] = f"{rng.uniform(0.3, 12):.1f}"
    for name, values in CHOICES.items():
        if rng.random() < 0.5:
            row[name] = rng.choice(values)
    for name in ("tumor.surgically_difficult", "tumor.metastatic", "symptoms.fracture", "symptoms.bone_weakness",
                 "symptoms.anemia", "symptoms.fatigue", "history.prior_cryoablation", "history.regrowth",
                 "history.symptoms_returned", "concerns.near_nerves", "concerns.bleeding_risk",
                 "concerns.active_infection", "concerns.near_critical_structures"):
        if rng.random() < 0.5:
            row[name] = rng.choice(["true", "false"])
    if rng.random() < 0.5:
        row["symptoms.pain_score"] = str(rng.randint(0, 10))
    for name, values in LISTS.items():
        if rng.random() < 0.5:
            row[name] = ";".join(rng.sample(values, rng.randint(0, 2))) or "none"
    roll = rng.random()
    if roll < 0.02:
        row["tumor.size_cm"] = "-3"
    elif roll < 0.03:
        row["notes"] = f"call {rng.randint(200, 999)}-555-{rng.randint(1000, 9999)}"
    return [row[c] for c in COLUMNS]


def write_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(rows):
            w.writerow(generate_row(rng, i))


def _tree_rss_kib(root: int) -> tuple[int, int]:
    """Sum of VmRSS over a process and its descendants, and the largest single peak (VmHWM) among them
    (Linux /proc). Why not wait4's ru_maxrss: a child inherits its parent's high-water mark at fork, so it
    reports the bench's own size."""
    total, largest, todo, seen = 0, 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        largest = max(largest, int(line.split()[1]))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total, largest


def run(cmd: list[str]) -> tuple[float, int, int, int, float]:
    """Wall seconds, exit code, peak RSS of the largest process (KiB, sampled), peak RSS of the tree (KiB,
    sampled), CPU seconds (user + system) of the process tree (reaped descendants included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree, largest = _tree_rss_kib(proc.pid)
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], largest)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"batch failed with exit code {code}: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return elapsed, code, peak[1], peak[0], usage.ru_utime + usage.ru_stime


def write_parquet(csv_path: Path, target: Path) -> None:
    """The same rows as a Parquet file (text columns as in the CSV), row groups of 10,000 rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    options = pacsv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string()), strings_can_be_null=False)
    table = pacsv.read_csv(csv_path, convert_options=options)
    pq.write_table(table, target, row_group_size=10_000)


CACHE = Path(os.environ.get("CRYOELIG_BENCH_CACHE", "/tmp/cryoelig-bench-cache"))
GENERATOR = 2  # in the cached files' names: 2, no seven-digit case ids past a million rows (case_id)


def cached_inputs(rows: int, seed: int = 7) -> dict[str, Path]:
    """The generated rows as CSV and Parquet, made once per size and seed and kept in CACHE (2,000,000 rows
    take minutes to generate); each file appears by rename when whole."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"cases-{rows}-{seed}-v{GENERATOR}"
    src = {"csv": CACHE / f"{name}.csv", "parquet": CACHE / f"{name}.parquet"}
    if not src["csv"].exists():
        write_csv(src["csv"].with_name(src["csv"].name + ".tmp"), rows, seed)
        os.replace(src["csv"].with_name(src["csv"].name + ".tmp"), src["csv"])
    if not src["parquet"].exists():
        write_parquet(src["csv"], src["parquet"].with_name(src["parquet"].name + ".tmp"))
        os.replace(src["parquet"].with_name(src["parquet"].name + ".tmp"), src["parquet"])
    return src


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def parquet_reports_digest(path: Path) -> str:
    import pyarrow.parquet as pq

    h = hashlib.sha256()
    for batch in pq.ParquetFile(path).iter_batches(columns=["report"]):
        for report in batch.column(0).to_pylist():
            h.update(report.encode() + b"\n")
    return h.hexdigest()


#: name -> (input kind, output name, extra arguments, cores used)
CONFIGS = {
    "csv-j1": ("csv", "r.jsonl", ["--jobs", "1"], 1),
    "csv-j2": ("csv", "r.jsonl", ["--jobs", "2"], 2),
    "parquet-j1": ("parquet", "r.jsonl", ["--jobs", "1"], 1),
    "parquet-out": ("csv", "r.parquet", ["--jobs", "1"], 1),
    "dask-2": ("parquet", "dask", ["--cluster", "local:2"], 2),  # --partition-rows: rows / 8 (see measure)
}


def measure(name: str, src: dict[str, Path], rows: int, work: Path, exe: list[str]) -> dict[str, float | str]:
    kind, out_name, extra, cores = CONFIGS[name]
    if "--cluster" in extra:  # 8 partitions: 4 per worker, so both stay busy at either size
        extra = [*extra, "--partition-rows", str(max(1000, rows // 8))]
    out = work / f"{name}-{rows}-{out_name}"
    cmd = [*exe, "batch", str(src[kind]), "--out", str(out), *extra, "--quiet"]
    load = os.getloadavg()[0]
    elapsed, _code, largest, tree, cpu = run(cmd)
    if out.is_dir():
        manifest = json.loads((out / "manifest.json").read_text())
        parts = [out / e["part"] for e in manifest["done"]]
        result = digest(parts)
        shutil.rmtree(out)
    elif out.suffix == ".parquet":
        result = parquet_reports_digest(out)
        out.unlink()
    else:
        result = digest([out])
        out.unlink()
    out.with_name(out.stem + ".errors.jsonl").unlink(missing_ok=True)
    rate = rows / elapsed
    print(f"{name:<11} rows={rows:>7}: {elapsed:7.1f} s  {rate:7.0f} rows/s  {rate / cores:7.0f} rows/s per core  "
          f"CPU {1000 * cpu / rows:5.2f} s per 1,000 rows  peak RSS largest process {largest / 1024:5.0f} MiB, "
          f"process tree {tree / 1024:5.0f} MiB  load before {load:.2f}", flush=True)
    return {"rate": rate, "per_core": rate / cores, "largest": largest, "tree": tree, "digest": result}


#: --scaling: name -> (extra arguments, output name)
SCALING = {
    "jobs-1": (["--jobs", "1", "--report", "full"], "r.jsonl"),  # per row: a .jsonl's compact lines from CSV or
    "jobs-2": (["--jobs", "2", "--report", "full"], "r.jsonl"),  # Parquet are built column-wise, in one process
    "dask-2": (["--cluster", "local:2"], "dask"),
    "table-1": (["--jobs", "1", "--report", "table"], "t.parquet"),
    "table-2": (["--jobs", "2", "--report", "table"], "t.parquet"),
}


def _clear(work: Path, name: str) -> None:
    for path in work.glob(f"{name}-*"):  # results, error file, partials, a cluster's folder
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def scaling_run(name: str, src: Path, rows: int, work: Path, exe: list[str]) -> dict[str, float]:
    """One fresh `cryoelig batch` of a --scaling configuration: its wall, CPU (process tree) and peak RSS."""
    extra, out_name = SCALING[name]
    _clear(work, name)
    out = work / f"{name}-{out_name}"
    load = os.getloadavg()[0]
    wall, _code, largest, _tree, cpu = run([*exe, "batch", str(src), "--out", str(out), *extra, "--quiet"])
    figures = {"wall": wall, "cpu": cpu, "rss": largest, "review": wall}
    line = (f"{name:<8} rows={rows:>8}: wall {wall:7.1f} s  CPU {cpu:7.1f} s  {rows / wall:8,.0f} rows/s  "
            f"{rows / cpu:8,.0f} rows/CPU-s  peak RSS {largest / 1024:5.0f} MiB  "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    if out.is_dir():  # the cluster's start is timed apart (manifest.json)
        timing = json.loads((out / "manifest.json").read_text()).get("timing", {})
        figures["review"] = float(timing.get("review_seconds", wall))
        line += f"  (cluster start {timing.get('start_seconds', 0):.1f} s, review {figures['review']:.1f} s)"
    print(line, flush=True)
    _clear(work, name)
    return figures


def scaling(args: argparse.Namespace, exe: list[str]) -> None:
    """--scaling: the configurations on one cached input, interleaved rounds, then the ratios of medians."""
    rows, rounds = (20_000, 1) if args.quick else (args.rows, args.rounds)
    names = args.configs
    t = time.perf_counter()
    src = cached_inputs(rows, args.seed)[args.input]
    print(f"input {src} ({src.stat().st_size / 1e6:.1f} MB, ready in {time.perf_counter() - t:.1f} s); "
          f"{rounds} round(s) of {', '.join(names)}")
    work = Path(tempfile.mkdtemp(prefix="cryoelig-scaling-"))
    runs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    try:
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:  # the order turns each round
                runs[name].append(scaling_run(name, src, rows, work, exe))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {n: {k: statistics.median(f[k] for f in fs) for k in fs[0]} for n, fs in runs.items()}
    print(f"\nmedians over {rounds} round(s), {rows} rows, load now {os.getloadavg()[0]:.2f}:")
    for one, two in (("jobs-1", "jobs-2"), ("table-1", "table-2")):
        if one in med and two in med:
            print(f"{two} / {one}: wall speed-up {med[one]['wall'] / med[two]['wall']:.2f}x (goal at least 1.85x), "
                  f"CPU {med[two]['cpu'] / med[one]['cpu']:.3f}x of {one}'s ({med[two]['cpu']:.1f} vs "
                  f"{med[one]['cpu']:.1f} s)")
    if "jobs-2" in med and "dask-2" in med:
        print(f"dask-2 / jobs-2: rate {med['jobs-2']['wall'] / med['dask-2']['review']:.2f}x without the cluster's "
              f"start (goal at least 0.8x), {med['jobs-2']['wall'] / med['dask-2']['wall']:.2f}x with it; CPU "
              f"{med['dask-2']['cpu'] / med['jobs-2']['cpu']:.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files in this folder")
    parser.add_argument("--scaling", action="store_true", help="--jobs 2 vs 1, the cluster vs --jobs 2 (above)")
    parser.add_argument("--quick", action="store_true", help="--scaling on 20,000 rows, one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--input", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--configs", nargs="+", choices=list(SCALING), default=list(SCALING))
    args = parser.parse_args()
    if args.scaling:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; command: {' '.join(sys.argv)}")
        return scaling(args, [sys.executable, "-c", "from cryoelig.cli import main; main()"])
    work = args.keep or Path(tempfile.mkdtemp(prefix="cryoelig-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    exe = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, folder {work}")
    print(f"command: python bench/bench_batch.py --rows {args.rows} --small {args.small} --only {' '.join(args.only)}")
    print("note: other processes running at the same time skew the figures (see 'load before')")
    results: dict[tuple[str, int], dict[str, float | str]] = {}
    try:
        for rows in (args.small, args.rows):
            src = {"csv": work / f"cases-{rows}.csv", "parquet": work / f"cases-{rows}.parquet"}
            t = time.perf_counter()
            write_csv(src["csv"], rows, args.seed)
            write_parquet(src["csv"], src["parquet"])
            print(f"generated {rows} rows ({src['csv'].stat().st_size / 1e6:.1f} MB CSV, "
                  f"{src['parquet'].stat().st_size / 1e6:.1f} MB Parquet) in {time.perf_counter() - t:.1f} s")
            for name in args.only:
                results[(name, rows)] = measure(name, src, rows, work, exe)
            same = {results[(name, rows)]["digest"] for name in args.only}
            print(f"rows={rows}: every run gave the same results: {len(same) == 1}")
            for path in src.values():
                path.unlink()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    for name in args.only:
        small, big = results[(name, args.small)], results[(name, args.rows)]
        print(f"{name:<11} at {args.rows} rows: {big['rate']:.0f} rows/s, {big['per_core']:.0f} rows/s per core; "
              f"peak RSS largest process {small['largest'] / 1024:.0f} -> {big['largest'] / 1024:.0f} MiB "
              f"({100 * (big['largest'] / small['largest'] - 1):+.1f}%), process tree {small['tree'] / 1024:.0f} -> "
              f"{big['tree'] / 1024:.0f} MiB ({100 * (big['tree'] / small['tree'] - 1):+.1f}%) from {args.small} "
              f"to {args.rows} rows (goal within 10%)")


if __name__ == "__main__":
    main()
