"""Start-up cost of `cryoelig check` (JSON) against the bare import of its dependencies.

The goal: one case checked end to end in under 1.5x the time Python takes just to import
typer, rich, pydantic and durable_rules. Prints medians over repeated runs, the ratio, and
the in-process cost of loading the pack and compiling it for the engine.

    python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import typer, rich, pydantic, durable.lang"
# `import pydantic` is lazy (pydantic 2): defining and validating the first model loads its machinery.
BASELINE_WITH_MODELS = ("import typer, rich, durable.lang; from pydantic import BaseModel; "
                        "M = type('M', (BaseModel,), {'__annotations__': {'x': int}}); M(x=1)")
CASE = ROOT / "examples" / "kidney-small.yaml"


# As on a user's machine: Python may cache compiled modules (some shells export
# PYTHONDONTWRITEBYTECODE=1, which would recompile cryoelig's own modules on every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a command, in seconds.

    CPU time is reported too because wall time on a shared 2-core machine is noisy."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def in_process_costs() -> str:
    code = (
        "import time; t=time.perf_counter();"
        "from cryoelig.rulepack.load import load_pack; p=load_pack(); t1=time.perf_counter();"
        "from cryoelig.reasoning.engine import Engine; e=Engine(p); t2=time.perf_counter();"
        "print(f'in process: pack load {1000*(t1-t):.1f} ms (imports included; validated-pack cache on), "
        "engine compile {1000*(t2-t1):.1f} ms')"
    )
    cached = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                            cwd=ROOT, env=ENV).stdout.strip()
    env = {**ENV, "CRYOELIG_NO_CACHE": "1"}
    fresh = subprocess.run([sys.executable, "-c", code.replace("cache on", "cache off")], check=True,
                           capture_output=True, text=True, cwd=ROOT, env=env).stdout.strip()
    return cached + "\n" + fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    import json

    import yaml

    json_case = ROOT / "bench" / "out" / "kidney-small.json"
    json_case.parent.mkdir(exist_ok=True)
    json_case.write_text(json.dumps(yaml.safe_load(CASE.read_text())))
    cryoelig = Path(sys.executable).with_name("cryoelig")
    launcher = [str(cryoelig)] if cryoelig.exists() else [sys.executable, str(ROOT / "cli.py")]
    median_seconds([*launcher, "check", str(CASE), "--format", "json"], 2)  # warm caches and .pyc files
    base, base_cpu = median_seconds([sys.executable, "-c", BASELINE], args.runs)
    print(f"baseline `python -c '{BASELINE}'`: wall {base * 1000:.0f} ms, cpu {base_cpu * 1000:.0f} ms "
          f"(medians of {args.runs})")
    models, models_cpu = median_seconds([sys.executable, "-c", BASELINE_WITH_MODELS], args.runs)
    print(f"baseline with pydantic's model machinery `{BASELINE_WITH_MODELS}`: wall {models * 1000:.0f} ms, "
          f"cpu {models_cpu * 1000:.0f} ms")
    for case in (CASE, json_case):
        run, run_cpu = median_seconds([*launcher, "check", str(case), "--format", "json"], args.runs)
        print(f"`cryoelig check {case.name} --format json`: wall {run * 1000:.0f} ms, cpu {run_cpu * 1000:.0f} ms"
              f" -> ratio to baseline: wall {run / base:.2f}, cpu {run_cpu / base_cpu:.2f} (goal < 1.5); "
              f"to baseline with models: cpu {run_cpu / models_cpu:.2f}")
    print(in_process_costs())


if __name__ == "__main__":
    main()
