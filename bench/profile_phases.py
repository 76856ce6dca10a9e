"""Where a `batch --jobs 1` run spends its time, by phase: a py-spy profile of the real command,
each sample given to the phase of the innermost frame that names one.

Phases: start-up (imports, pack, engine compile), parsing (input records to case data),
validation (bounds walk, pydantic, grammar), identifier checks, engine (facts to durable_rules and
back), explanation (the evaluation and the report models), serialization (report to bytes),
aggregation, I/O (reads, writes, fsync, checkpoints), other.

Usage: python bench/profile_phases.py [--rows 20000] [--out results.jsonl] [--raw FILE]
       python bench/profile_phases.py --raw FILE --classify-only
(py-spy samples at 200 Hz; the generated CSV is bench_batch.py's.)
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (phase, pattern on one frame "function (file:line)"); the innermost matching frame decides.
RULES: list[tuple[str, re.Pattern[str]]] = [(phase, re.compile(p)) for phase, p in [
    ("serialization", r"model_dump_json"),
    ("validation", r"model_validate"),
    ("identifier checks", r"cryoelig/case/identifiers\.py"),
    ("engine", r"cryoelig/reasoning/engine\.py|cryoelig/rulepack/conditions\.py|\bfacts \(cryoelig/case/contract\.py"),
    ("explanation", r"cryoelig/reasoning/evaluation\.py|cryoelig/report/projection\.py|cryoelig/review\.py"),
    ("serialization", r"cryoelig/batch/(serialize|lines|outputs|writers)\.py|_csv_result_line|error_line"),
    ("validation", r"cryoelig/case/contract\.py|cryoelig/case/grammar\.py|cryoelig/case/limits\.py"),
    ("parsing", r"cryoelig/inputs/(csvrows|jsonlines|jsondoc|documents|parquet|xlsx|cells)\.py|"
                r"_decode \(cryoelig/batch/workers\.py"),
    ("aggregation", r"cryoelig/batch/aggregate\.py"),
    ("I/O", r"cryoelig/inputs/lines\.py|cryoelig/batch/(files|checkpoint)\.py|cryoelig/atomic\.py|"
            r"\bcommit \(cryoelig/batch/run\.py|\bchunks \(cryoelig/batch/run\.py"),
    ("serialization", r"process_chunk \(cryoelig/batch/workers\.py"),
]]
STARTUP = re.compile(r"<frozen importlib|load_pack|Engine\.__init__|_create \(cryoelig/reasoning/engine")


def classify(stack: str) -> str:
    frames = stack.split(";")
    if any(STARTUP.search(f) for f in frames) and not any("process_chunk" in f for f in frames):
        return "start-up"
    for frame in reversed(frames):
        for phase, pattern in RULES:
            if pattern.search(frame):
                return phase
    return "other"


def phases(raw: Path) -> tuple[collections.Counter[str], int]:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        counts[classify(stack)] += int(n)
        total += int(n)
    return counts, total


def report(raw: Path) -> None:
    counts, total = phases(raw)
    work = total - counts["start-up"]
    print(f"{total} samples; by phase (share of the run without start-up, {work} samples):")
    order = ["parsing", "validation", "identifier checks", "engine", "explanation", "serialization",
             "aggregation", "I/O", "other"]
    for phase in order:
        print(f"  {phase:<18} {100 * counts[phase] / max(work, 1):5.1f}%  ({counts[phase]} samples)")
    print(f"  {'start-up':<18} {counts['start-up']} samples (not in the shares)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--out", default="results.jsonl", help="output name (its suffix picks the format)")
    parser.add_argument("--raw", type=Path, help="keep (or, with --classify-only, read) py-spy's raw samples here")
    parser.add_argument("--classify-only", action="store_true")
    args = parser.parse_args()
    if args.classify_only:
        report(args.raw)
        return
    if shutil.which("py-spy") is None and not Path(sys.executable).with_name("py-spy").exists():
        sys.exit("profile_phases: needs py-spy (pip install py-spy)")
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    work = Path(tempfile.mkdtemp(prefix="cryoelig-prof-"))
    try:
        spec = importlib.util.spec_from_file_location("bench_batch", HERE / "bench_batch.py")
        bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(bench)  # type: ignore[union-attr]
        src = work / "cases.csv"
        bench.write_csv(src, args.rows, 7)
        raw = args.raw or work / "raw.txt"
        subprocess.run([spy, "record", "-r", "200", "-f", "raw", "-o", str(raw), "--", sys.executable, "-m",
                        "cryoelig", "batch", str(src), "--out", str(work / args.out), "--jobs", "1", "-q"],
                       check=True, cwd=HERE.parent, capture_output=True)
        print(f"command: python bench/profile_phases.py --rows {args.rows} --out {args.out}")
        report(raw)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
