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
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
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


def generate_row(rng: random.Random, i: int) -> list[str]:
    """One row: mostly valid cases, ~2% invalid values, ~1% identifier-looking notes."""
    row = dict.fromkeys(COLUMNS, "")
    row["case_id"] = f"case-{i:06d}"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files in this folder")
    args = parser.parse_args()
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
