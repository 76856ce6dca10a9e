"""Batch throughput and memory, end to end: generated CSV in, JSONL out, the real `cryoelig batch`.

Prints rows/s for --jobs 1 and --jobs 2 (and their ratio) on 200,000 rows, and the peak RSS
at 20,000 and 200,000 rows: the largest single process of the run (wait4 rusage, which covers
the parent and its reaped workers) and the sum over the process tree (sampled from /proc
every 50 ms).

Usage: python bench/bench_batch.py [--rows 200000] [--small 20000] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
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


def _tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over a process and its descendants (Linux /proc)."""
    total, todo, seen = 0, [root], set()
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
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str]) -> tuple[float, int, int, int, float]:
    """Wall seconds, exit code, peak RSS of the largest process (KiB), peak RSS of the tree (KiB),
    CPU seconds (user + system) of the process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, proc.returncode, usage.ru_maxrss, peak[0], usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cryoelig-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    exe = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, folder {work}")
    print("note: other processes running at the same time skew the figures (see 'load before')")
    rates: dict[int, float] = {}
    rss: dict[tuple[int, int], tuple[int, int]] = {}
    outputs: dict[tuple[int, int], str] = {}
    try:
        for rows in (args.small, args.rows):
            src = work / f"cases-{rows}.csv"
            t = time.perf_counter()
            write_csv(src, rows, args.seed)
            print(f"generated {rows} rows ({src.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
            for jobs in (1, 2):
                out = work / f"results-{rows}-j{jobs}.jsonl"
                cmd = [*exe, "batch", str(src), "--out", str(out), "--jobs", str(jobs), "--quiet"]
                load = os.getloadavg()[0]
                elapsed, code, maxrss, tree, cpu = run(cmd)
                if code not in (0, 1):
                    raise SystemExit(f"batch failed with exit code {code}: {' '.join(cmd)}")
                rss[(rows, jobs)] = (maxrss, tree)
                size = out.stat().st_size
                import hashlib

                h = hashlib.sha256()
                with open(out, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                outputs[(rows, jobs)] = h.hexdigest()
                if rows == args.rows:
                    rates[jobs] = rows / elapsed
                print(f"rows={rows:>7} jobs={jobs}: {elapsed:7.1f} s  {rows / elapsed:7.0f} rows/s  "
                      f"out {size / 1e6:.0f} MB  peak RSS largest process {maxrss / 1024:.0f} MiB, "
                      f"process tree {tree / 1024:.0f} MiB  CPU {cpu:.1f} s  load before {load:.2f}  exit {code}")
                out.unlink()
                default_errors = out.with_name(out.stem + ".errors.jsonl")
                default_errors.unlink(missing_ok=True)
            src.unlink()
            same = outputs[(rows, 1)] == outputs[(rows, 2)]
            print(f"rows={rows}: --jobs 2 output identical to --jobs 1: {same}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"throughput at {args.rows} rows: --jobs 1 {rates[1]:.0f} rows/s, --jobs 2 {rates[2]:.0f} rows/s, "
          f"ratio {rates[2] / rates[1]:.2f}x (goal >= 1.7x)")
    for jobs in (1, 2):
        small, big = rss[(args.small, jobs)], rss[(args.rows, jobs)]
        print(f"peak RSS --jobs {jobs}: largest process {small[0] / 1024:.0f} -> {big[0] / 1024:.0f} MiB "
              f"({100 * (big[0] / small[0] - 1):+.1f}%), process tree {small[1] / 1024:.0f} -> "
              f"{big[1] / 1024:.0f} MiB ({100 * (big[1] / small[1] - 1):+.1f}%) from {args.small} to {args.rows} "
              "rows (goal within 10%)")


if __name__ == "__main__":
    main()
