"""The engine step of a batch row alone (``Engine.fire_many`` on the cases' facts): µs per case, best of
several runs, and with --callgrind the instructions per case (deterministic on a busy machine).

The cases are the batch bench's generated CSV rows (bench_batch.write_csv, seed 7) read and validated
as a batch reads them; only ``fire_many`` is timed. With --against DIR the same is done for the code in
DIR (another checkout, e.g. ``git archive 8bfc680 | tar -x -C /tmp/before``), interleaved, and the
ratio printed. The fired rule ids of the two must be identical (checked).

    python bench/bench_engine_step.py -n 20000 --against /tmp/before
    python bench/bench_engine_step.py -n 3000 --callgrind --against /tmp/before
    python bench/bench_engine_step.py -n 10000 --sessions 250 128 64 32

``--sessions`` times this tree's engine with each number of cases per session (``Engine.cases_per_session``),
the sizes interleaved in one process over --rounds rounds, best kept; the fired rule ids must not change.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def facts_of(code: str, n: int) -> tuple[object, list]:
    """In the measured process: the engine of ``code`` and the facts of n generated batch rows."""
    sys.path.insert(0, code)
    spec = importlib.util.spec_from_file_location("bench_batch", f"{code}/bench/bench_batch.py")
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    from cryoelig.case.contract import parse_case
    from cryoelig.errors import InputError
    from cryoelig.inputs import RecordError, open_source
    from cryoelig.reasoning.engine import engine_for
    from cryoelig.rulepack.load import load_pack_set

    pack = load_pack_set()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        bench.write_csv(path, n, 7)
        source = open_source(str(path))
        decode = source.decoder()
        facts = []
        for record, _ in source.records(source.start):
            try:
                facts.append(parse_case(decode(record), pack, file="x", row=1).facts())
            except (InputError, RecordError):
                continue
    return engine_for(pack), facts


def measure(code: str, n: int, runs: int, mode: str) -> None:
    engine, facts = facts_of(code, n)
    if mode == "none":
        return
    fired = engine.fire_many(facts)
    digest = "-"  # under callgrind only fire_many is counted (with minus without it)
    if mode == "time":
        digest = hashlib.sha256(repr([sorted(f) for f in fired]).encode()).hexdigest()[:16]
    best = float("inf")
    for _ in range(runs if mode == "time" else 0):
        gc.collect()
        start = time.perf_counter()
        engine.fire_many(facts)
        best = min(best, time.perf_counter() - start)
    print(f"{len(facts)} {best * 1e6 / len(facts):.2f} {digest}")


def sweep(n: int, sizes: list[int], rounds: int) -> None:
    """Best µs per case for each session size, interleaved (see --sessions)."""
    engine, facts = facts_of(str(HERE), n)
    expected = engine.fire_many(facts)
    best = dict.fromkeys(sizes, float("inf"))
    for _ in range(rounds):
        for size in sizes:
            engine.cases_per_session = size
            gc.collect()
            start = time.process_time()
            fired = engine.fire_many(facts)
            best[size] = min(best[size], time.process_time() - start)
            if fired != expected:
                sys.exit(f"{size} cases per session: the fired rule ids differ")
    for size, seconds in best.items():
        print(f"{size:5d} cases per session: best {seconds * 1e6 / len(facts):.2f} µs per case ({len(facts)} cases)")


def child(code: Path, n: int, runs: int, mode: str, callgrind: bool = False) -> tuple[int, float, str, int]:
    """(cases, µs per case, digest of the fired sets, instructions) from a fresh process."""
    cmd = [sys.executable, __file__, "--work", str(code), str(n), str(runs), mode]
    instructions = 0
    with tempfile.TemporaryDirectory() as tmp:
        if callgrind:
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    if callgrind:
        instructions = int(re.search(r"Collected : (\d+)", proc.stderr)[1])
    if mode == "none":
        return 0, 0.0, "", instructions
    cases, us, digest = proc.stdout.split()
    return int(cases), float(us), digest, instructions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20_000, help="generated batch rows (some are invalid, as in a batch)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per round (best kept)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds with --against")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--callgrind", action="store_true", help="count instructions per case instead of timing")
    parser.add_argument("--sessions", type=int, nargs="+", help="cases per engine session to compare (this tree)")
    parser.add_argument("--work", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        measure(args.work[0], int(args.work[1]), int(args.work[2]), args.work[3])
        return
    if args.sessions:
        print(f"$ python bench/bench_engine_step.py {' '.join(sys.argv[1:])}")
        sweep(args.n, args.sessions, args.rounds)
        return
    codes = [HERE] + ([args.against.resolve()] if args.against else [])
    print(f"$ python bench/bench_engine_step.py {' '.join(sys.argv[1:])}")
    results: dict[Path, float] = {}
    digests = set()
    for code in codes * (1 if args.callgrind else args.rounds):
        if args.callgrind:
            cases, _, digest, with_work = child(code, args.n, 1, "fire", callgrind=True)
            without = child(code, args.n, 1, "none", callgrind=True)[3]
            results[code] = (with_work - without) / cases
            print(f"{code}: {results[code]:,.0f} instructions per case ({cases} cases)")
        else:
            cases, us, digest, _ = child(code, args.n, args.runs, "time")
            results[code] = min(us, results.get(code, float("inf")))
            print(f"{code}: best {us:.2f} µs per case ({cases} cases)")
        digests.add(digest)
    if len(digests - {"-"}) > 1:
        sys.exit("the fired rule ids differ between the checkouts")
    if args.against:
        unit = "instructions" if args.callgrind else "best µs"
        same = "" if args.callgrind else "; fired sets identical"
        print(f"{unit} per case: this tree {results[HERE]:,.2f}, against {results[codes[1]]:,.2f}, "
              f"ratio {results[codes[1]] / results[HERE]:.2f}x{same}")


if __name__ == "__main__":
    main()
