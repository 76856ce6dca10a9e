"""Instructions per case for full reports (+ JSON), counted by valgrind's callgrind: deterministic,
so a before/after comparison holds on a busy machine where timings do not.

For N generated cases (the same generator as bench_engine.py) it counts the instructions of the
whole process with the work and without it (generation and imports only), and prints the
difference per case, with the engine deciding and with the Python evaluator alone. With
--against DIR it does the same for the code in DIR (another checkout) and prints the ratio.

    python bench/bench_instructions.py -n 10000
    git archive 817fa05 | tar -x -C /tmp/before     # the code before issue 8
    python bench/bench_instructions.py -n 10000 --against /tmp/before
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def work(code: str, n: int, mode: str) -> None:
    """In the measured process: N cases into full reports + JSON, through the entry point the code has."""
    sys.path.insert(0, code)
    spec = importlib.util.spec_from_file_location("bench_engine", f"{code}/bench/bench_engine.py")
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    from cryoelig.rulepack.load import load_pack

    pack = load_pack()
    generate = bench.generate
    cases = list(generate(n, pack.site_ids) if "sites" in generate.__code__.co_varnames else generate(n))
    if mode == "none":
        return
    try:
        from cryoelig.facade import review_many
    except ImportError:  # the code before issue 8
        _work_before(cases, pack, mode == "engine")
        return
    for reviewed in review_many(cases, pack, use_engine=mode == "engine"):
        reviewed.report.model_dump_json()


def _work_before(cases: list, pack: object, use_engine: bool) -> None:
    from cryoelig.report import build_report  # the module that had it before issue 8

    fired = [None] * len(cases)
    if use_engine:
        from cryoelig.engine import engine_for  # the module that had it before issue 8

        fired = engine_for(pack).fire_many([c.facts() for c in cases])
    for case, f in zip(cases, fired, strict=True):
        build_report(case, pack, f).model_dump_json()


def count(code: Path, n: int, mode: str) -> int:
    """Instructions of one measured process."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           __file__, "--work", str(code), str(n), mode], capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", proc.stderr)[1])  # type: ignore[index]


def per_case(code: Path, n: int) -> dict[str, float]:
    base = count(code, n, "none")
    return {mode: (count(code, n, mode) - base) / n for mode in ("engine", "python")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--against", type=Path, help="another checkout to compare with (e.g. the code before)")
    parser.add_argument("--work", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        work(args.work[0], int(args.work[1]), args.work[2])
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions: needs valgrind (apt-get install valgrind)")
    print(f"instructions per case, full report + JSON, {args.n:,} generated cases (callgrind)")
    now = per_case(HERE, args.n)
    for mode, value in now.items():
        print(f"  {'this code':<12} {mode:<7} {value:>12,.0f}")
    if args.against:
        before = per_case(args.against.resolve(), args.n)
        for mode, value in before.items():
            print(f"  {'--against':<12} {mode:<7} {value:>12,.0f}   this code / against: {now[mode] / value:.3f}")
    print(f"reproduce: python bench/bench_instructions.py -n {args.n}"
          + (f" --against {args.against}" if args.against else ""))


if __name__ == "__main__":
    main()
