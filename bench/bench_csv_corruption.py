"""Nothing lost in CSV: a generated CSV with random corruptions, through the real `cryoelig batch`.

Generates N rows (bench_batch.write_csv), corrupts K random data lines (a stray quote in an
unquoted cell, a line ending in a lone CR, a NUL, a cell over the length limit, an unclosed quote
at the end of a line), runs the batch on the clean and on the corrupted file, and prints:
data lines in the file, rows read, results, errors, results + errors, and how the corrupted lines
came out. Expected: rows read = data lines; results + errors = rows read; each corrupted line
(other than a lone CR, which is a valid line end) is one error record for that line; every other
row gives the same outcome as in the clean file.

Usage: python bench/bench_csv_corruption.py [--rows 30000] [--corruptions 50] [--seed 5] [--jobs 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOSTILE = HERE.parent / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE))
from corrupt import KINDS, corrupt, data_lines  # noqa: E402 - shared with the test of the same figures


def _bench_batch():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_batch", HERE / "bench_batch.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_batch(src: Path, out: Path, jobs: int, env: dict[str, str] | None = None
              ) -> tuple[dict, list[dict], list[dict], float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cryoelig", "batch", str(src), "--out", str(out), "--summary",
                           str(out.with_suffix(".summary.json")), "--jobs", str(jobs), "--quiet",
                           *(["--force"] if out.exists() else [])],
                          capture_output=True, text=True, cwd=out.parent, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    summary = json.loads(out.with_suffix(".summary.json").read_text())
    results = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [json.loads(line) for line in out.with_name(out.stem + ".errors.jsonl").read_text().splitlines()]
    return summary, results, errors, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--corruptions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cryoelig-corrupt-"))
    clean, dirty = work / "clean.csv", work / "corrupted.csv"
    _bench_batch().write_csv(clean, args.rows, seed=args.seed)
    corrupted = corrupt(clean, dirty, args.corruptions, args.seed)
    lines = data_lines(dirty)
    summary, results, errors, seconds = run_batch(dirty, work / "dirty.jsonl", args.jobs)
    c = summary["counts"]
    print(f"command: python bench/bench_csv_corruption.py --rows {args.rows} --corruptions {args.corruptions} "
          f"--seed {args.seed} --jobs {args.jobs}")
    print(f"corrupted file: {args.rows} generated rows, {args.corruptions} corruptions "
          f"({', '.join(f'{sum(k == kind for k in corrupted.values())} {kind}' for kind in KINDS)})")
    print(f"data lines in the file: {lines}; rows read: {c['rows_read']}; results: {c['results']}; "
          f"errors: {c['errors']}; results + errors: {c['results'] + c['errors']} ({seconds:.1f} s)")
    by_line = {e["line"]: e for e in errors}
    unreadable = [n for n, kind in corrupted.items() if kind != "lone CR"]
    one_error_each = all(by_line.get(n, {}).get("reason") == "unreadable" for n in unreadable)
    print(f"corrupted lines that are one 'unreadable' error for that line: "
          f"{sum(by_line.get(n, {}).get('reason') == 'unreadable' for n in unreadable)} of {len(unreadable)}")
    c_summary, c_results, c_errors, _ = run_batch(clean, work / "clean.jsonl", args.jobs)
    skip = {by_line[n]["row"] for n in unreadable if n in by_line}
    clean_outcome = {r["case_id"]: "result" for r in c_results} | {e["row"]: "error" for e in c_errors}
    same = sum(1 for r in results if clean_outcome.get(r["case_id"]) == "result")
    print(f"rows outside the corrupted lines with the same outcome as in the clean file: results {same} of "
          f"{len(results)}; errors {len([e for e in errors if e['row'] not in skip])} (clean file: "
          f"{c_summary['counts']['errors']} errors)")
    ok = c["rows_read"] == lines == c["results"] + c["errors"] and one_error_each
    print(f"rows read = data lines and results + errors = rows read: {ok}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
