"""Start-up cost of `cryoelig check` (JSON) against the bare import of its dependencies.

The goal: one case checked end to end in under 1.5x the time Python takes just to import
typer, rich, pydantic and durable_rules. Prints medians over repeated runs, the ratio, and
the in-process cost of loading the pack and compiling it for the engine.

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import typer, rich, pydantic, durable.lang"
CASE = ROOT / "examples" / "kidney-small.yaml"


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process_costs() -> str:
    code = (
        "import time; t=time.perf_counter();"
        "from cryoelig.rulepack import load_pack; p=load_pack(); t1=time.perf_counter();"
        "from cryoelig.engine import Engine; e=Engine(p); t2=time.perf_counter();"
        "print(f'pack load+validate {1000*(t1-t)::.1f} ms, engine compile {1000*(t2-t1):.1f} ms (imports included)')"
    ).replace("::", ":")
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cryoelig = Path(sys.executable).with_name("cryoelig")
    check = [str(cryoelig), "check", str(CASE), "--format", "json"] if cryoelig.exists() else \
        [sys.executable, str(ROOT / "cli.py"), "check", str(CASE), "--format", "json"]
    median_seconds(check, 2)  # warm the file cache and .pyc files
    base = median_seconds([sys.executable, "-c", BASELINE], args.runs)
    run = median_seconds(check, args.runs)
    print(f"baseline `python -c '{BASELINE}'`: {base * 1000:.0f} ms (median of {args.runs})")
    print(f"`cryoelig check {CASE.name} --format json`: {run * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio: {run / base:.2f} (goal < 1.5)")
    print(in_process_costs())


if __name__ == "__main__":
    main()
