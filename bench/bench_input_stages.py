"""Instructions per row of each input stage of a batch row (decode, parse_case, facts, input_notes), for
two source trees: the input side's share of issue 13 ("faster per core"), deterministic on a busy machine.

Each stage runs over N generated CSV rows inside ``functools.reduce``, and valgrind's callgrind counts
only what runs inside that C function (``--toggle-collect=functools_reduce``): the start-up, the reading
and the stages before it are not counted. Both trees run with this interpreter.

Usage: python bench/bench_input_stages.py --before /path/to/old/tree [--rows 1000] [--stages decode parse]
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TREE = Path(__file__).resolve().parent.parent
STAGES = ("decode", "parse", "facts", "notes")


def _stage(stage: str, csv_path: str) -> None:
    """In the child: prepare the stage's input (not counted), then run the stage inside reduce (counted)."""
    from cryoelig.case.contract import parse_case
    from cryoelig.errors import InputError
    from cryoelig.inputs import RecordError, open_source
    from cryoelig.rulepack.load import load_pack_set

    pack = load_pack_set()
    source = open_source(csv_path)
    decode = source.decoder()
    records = [r for r, _ in source.records(source.start) if r is not None]

    def decoded(rec: object) -> object:
        try:
            return decode(rec)
        except RecordError:
            return None

    def parsed(data: object) -> object:
        try:
            return parse_case(data, pack, file="x", row=1)
        except InputError:
            return None

    def run(fn: object, items: list[object]) -> None:
        functools.reduce(lambda acc, x: (acc.append(fn(x)), acc)[1], items, [])  # type: ignore[operator]

    if stage == "decode":
        return run(decoded, records)
    datas = [d for d in map(decoded, records) if d is not None]
    if stage == "parse":
        return run(parsed, datas)
    cases = [c for c in map(parsed, datas) if c is not None]
    run((lambda c: c.facts()) if stage == "facts" else (lambda c: c.input_notes(pack)), cases)


def _count(tree: Path, stage: str, csv_path: Path) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=functools_reduce", "--callgrind-out-file=/dev/null",
           sys.executable, str(Path(__file__).resolve()), "--child", stage, str(csv_path)]
    done = subprocess.run(cmd, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"{tree}: {stage}: {done.stderr[-800:]}")
    return int(found[1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return _stage(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    args = parser.parse_args()
    sys.path.insert(0, str(TREE / "bench"))
    from bench_batch import write_csv

    print("command: python bench/bench_input_stages.py --before", args.before, "--rows", args.rows,
          "--stages", *args.stages)
    with tempfile.TemporaryDirectory() as work:
        csv_path = Path(work) / "in.csv"
        write_csv(csv_path, args.rows, 7)
        totals = [0, 0]
        for stage in args.stages:
            before, after = (_count(t, stage, csv_path) // args.rows for t in (args.before.resolve(), TREE))
            totals[0] += before
            totals[1] += after
            print(f"{stage:8s} before {before:>9,}  after {after:>9,} instructions per row  ({after / before:.3f})")
        print(f"{'total':8s} before {totals[0]:>9,}  after {totals[1]:>9,} instructions per row  "
              f"({totals[1] / totals[0]:.3f})")


if __name__ == "__main__":
    main()
