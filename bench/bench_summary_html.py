"""The batch summary page: its size and how long it takes to draw, for a small and a large run.

For each run size (default 2,000 and 200,000 generated CSV rows, bench_batch.py's generator) it
runs the real `cryoelig batch --summary` once, then prints:
- the page's size in bytes, its number of figures and table rows (the page depends on the
  number of sites, factors, fields and error reasons, not on the number of rows);
- the time to draw the page from the run's summary (in this process, matplotlib already
  imported; best of --repeat), and the first page in a fresh process (imports included);
- `cryoelig summarize results.jsonl --errors ... --out page.html` end to end (the results file
  read back, streamed) with its wall time and peak RSS (constant memory: compare the sizes).

Usage: python bench/bench_summary_html.py [--rows 200000] [--small 2000] [--jobs 2] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import run, write_csv  # noqa: E402  (the same generator and process timer)

EXE = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
FRESH = """
import json, sys, time
t = time.perf_counter()
from cryoelig.render.summary_html import batch_run, summary_page
from cryoelig.rulepack.load import load_pack
pack = load_pack(None)
summary_page(batch_run(json.load(open(sys.argv[1])), pack), pack)
print(time.perf_counter() - t)
"""


def draw_time(summary: dict, repeat: int) -> tuple[float, str]:
    from cryoelig.render.summary_html import batch_run, summary_page
    from cryoelig.rulepack.load import load_pack

    pack = load_pack(None)
    best, page = float("inf"), ""
    for _ in range(repeat):
        t = time.perf_counter()
        page = summary_page(batch_run(summary, pack), pack)
        best = min(best, time.perf_counter() - t)
    return best, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cryoelig-bench-page-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, folder {work}")
    print(f"command: python bench/bench_summary_html.py --rows {args.rows} --small {args.small} --jobs {args.jobs} "
          f"--repeat {args.repeat}")
    pages: dict[int, bytes] = {}
    try:
        for rows in (args.small, args.rows):
            src, out, summary_path = work / f"cases-{rows}.csv", work / f"r-{rows}.jsonl", work / f"s-{rows}.json"
            if not (out.exists() and summary_path.exists()):
                write_csv(src, rows, args.seed)
                t = time.perf_counter()
                done = subprocess.run([*EXE, "batch", str(src), "--out", str(out), "--summary", str(summary_path),
                                       "--jobs", str(args.jobs), "-q"], capture_output=True, text=True)
                if done.returncode not in (0, 1):
                    raise SystemExit(done.stderr)
                print(f"rows={rows:>7}: batch --jobs {args.jobs} {time.perf_counter() - t:.1f} s, results "
                      f"{out.stat().st_size / 1e6:.0f} MB")
                src.unlink()
            summary = json.loads(summary_path.read_text())
            warm, page = draw_time(summary, args.repeat)
            fresh = subprocess.run([sys.executable, "-c", FRESH, str(summary_path)], capture_output=True, text=True,
                                   check=True)
            data = page.encode("utf-8")
            pages[rows] = data
            table_rows = page.count("<tr>") - page.count("<thead><tr>")
            print(f"rows={rows:>7}: page {len(data):,} bytes, {page.count('<figure')} figures, {table_rows} table "
                  f"rows; draw {warm:.2f} s (best of {args.repeat}, warm), first page in a fresh process "
                  f"{float(fresh.stdout):.2f} s")
            html = work / f"page-{rows}.html"
            load = os.getloadavg()[0]
            elapsed, code, maxrss, _, cpu = run([*EXE, "summarize", str(out), "--errors",
                                                  str(out.with_name(out.stem + ".errors.jsonl")), "--out", str(html),
                                                  "--json", "--force"])
            if code != 0:
                raise SystemExit(f"summarize failed with exit code {code}")
            same = html.read_bytes() == data
            print(f"rows={rows:>7}: summarize --out {elapsed:.1f} s wall, CPU {cpu:.1f} s, peak RSS "
                  f"{maxrss / 1024:.0f} MiB, load before {load:.2f}; page identical to the one drawn from "
                  f"summary.json: {same}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    small, big = len(pages[args.small]), len(pages[args.rows])
    print()
    print(f"page size {args.small} -> {args.rows} rows: {small:,} -> {big:,} bytes ({100 * (big / small - 1):+.1f}%; "
          "it changes only with the number of sites, factors, fields and error reasons)")


if __name__ == "__main__":
    main()
