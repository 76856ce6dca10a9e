"""Instructions per batch row in the steady state (every memo filled), counted by callgrind.

Why: a batch of registry size spends nearly all its rows in the steady state, where the memos of
the evaluation, the report pieces and the serialized pieces hold what a row needs (on bench_batch's
generated rows, new memo entries stop after ~10,000 rows). A short timed run mixes that state with
the filling of the memos, and timings on a shared machine are noisy; instruction counts are not.

How: the per-chunk review function (``process_chunk``: decode, validate, engine, evaluation,
report, serialization, aggregate; no file I/O) runs over N generated rows once, or twice in one
process; the difference of the two counts divided by N is one warm pass. The pack cache is off in
both (CRYOELIG_NO_CACHE=1) so that the pack is loaded alike. ``--against DIR`` counts another
checkout too (main at 817fa05 has ``cryoelig/batch.py`` with another ``process_chunk`` signature:
both are driven) and prints the ratio.

``--phases`` splits the warm row by phase instead (this tree and ``--against``, both with the batch
package of issue 8 or later): the stages are added one at a time (decode and validate, facts, evaluation,
report, result line, summary and aggregate, engine) and each one's increment is printed.

Usage: python bench/bench_warm.py [--rows 1000] [--against /tmp/before] [--phases]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRIVER = """
import gc, sys
sys.path.insert(0, {tree!r})
try:
    from cryoelig.rulepack.load import load_pack_set as load
except ImportError:  # 817fa05: one pack
    from cryoelig.rulepack.load import load_pack as load
try:
    from cryoelig.inputs import open_source
    from cryoelig.batch.workers import process_chunk, GC_THRESHOLD
    gc.set_threshold(*GC_THRESHOLD)
    def run(source, dec, recs, pack):
        process_chunk(dec, source.label, "jsonl", recs, pack)
except ImportError:  # 817fa05: one batch module, its own sources
    from cryoelig import batch
    open_source = batch.open_source
    def run(source, dec, recs, pack):
        batch.process_chunk(source.kind, source.label, source.header, "jsonl", recs, pack)
pack = load()
source = open_source({src!r})
dec = source.decoder() if hasattr(source, "decoder") else None
recs = [r for r, _ in source.records(source.start) if r is not None]
for _ in range({passes}):
    for i in range(0, len(recs), 500):
        run(source, dec, recs[i:i + 500], pack)
"""
PHASES = ["decode and validate", "Case.facts", "evaluation", "report", "result line", "summary and aggregate",
          "engine (sessions of a chunk)"]
PHASE_DRIVER = """
import gc, sys
sys.path.insert(0, {tree!r})
from cryoelig.rulepack.load import load_pack_set
from cryoelig.inputs import open_source, RecordError
from cryoelig.case.contract import parse_case
from cryoelig.errors import InputError
from cryoelig.reasoning.engine import engine_for
from cryoelig.reasoning.evaluation import evaluate
from cryoelig.report.projection import report_of
from cryoelig.facade import Review
from cryoelig.batch.serialize import ReportLines, summary_of
from cryoelig.batch.aggregate import Aggregate
from cryoelig.batch.workers import GC_THRESHOLD
gc.set_threshold(*GC_THRESHOLD)
STAGE = {stage}
pack = load_pack_set(); source = open_source({src!r}); dec = source.decoder()
engine = engine_for(pack); lines = ReportLines(); lines.checked = 10**9; agg = Aggregate()
recs = [r for r, _ in source.records(source.start) if r is not None]
for _ in range({passes}):
    cases = []
    for r in recs:
        try:
            cases.append(parse_case(dec(r), pack, file="x", row=1))
        except (InputError, RecordError):
            pass
    facts = [c.facts() for c in cases] if STAGE >= 2 else []
    if STAGE >= 7:
        engine.fire_many(facts)
    traces = [evaluate(pack, f) for f in facts] if STAGE >= 3 else []
    reports = [report_of(c, t) for c, t in zip(cases, traces)] if STAGE >= 4 else []
    if STAGE >= 5:
        [lines.line(Review(r, t, {{}})) for r, t in zip(reports, traces)]
    if STAGE >= 6:
        for rep in reports:
            s = summary_of(rep)
            agg.add_report(s.site, s.findings, s.missing_fields, rep.sources)
"""


def _instructions(tree: Path, src: Path, passes: int, work: Path, stage: int | None = None) -> int:
    out = work / "callgrind.out"
    driver = DRIVER if stage is None else PHASE_DRIVER
    code = driver.format(tree=str(tree), src=str(src), passes=passes, stage=stage)
    env = {**os.environ, "CRYOELIG_NO_CACHE": "1", "PYTHONPATH": str(tree)}
    python = tree / ".venv" / "bin" / "python"
    exe = str(python) if python.exists() else sys.executable
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--quiet", exe, "-c", code],
                   cwd=tree, env=env, check=True)
    match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(errors="replace"), re.M)
    assert match, "no callgrind summary"
    out.unlink()
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", type=Path)
    parser.add_argument("--phases", action="store_true", help="the warm row split by phase")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("bench_batch", HERE / "bench_batch.py")
    assert spec and spec.loader
    bench_batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_batch)
    work = Path(tempfile.mkdtemp(prefix="cryoelig-warm-"))
    src = work / "cases.csv"
    bench_batch.write_csv(src, args.rows, args.seed)
    trees = {"this tree": HERE.parent, **({"against": args.against.resolve()} if args.against else {})}
    if args.phases:
        _phases(trees, src, args.rows, work)
        return
    per_row = {}
    for name, tree in trees.items():
        once, twice = (_instructions(tree, src, passes, work) for passes in (1, 2))
        per_row[name] = (twice - once) / args.rows
        print(f"{name} ({tree}): {per_row[name]:,.0f} instructions per row, warm ({args.rows} rows)")
    if args.against:
        print(f"this tree / against: {per_row['this tree'] / per_row['against']:.3f} "
              f"({per_row['against'] / per_row['this tree']:.2f}x fewer)")


def _phases(trees: dict[str, Path], src: Path, rows: int, work: Path) -> None:
    """Each phase's warm instructions per row: the stages are added one at a time."""
    table: dict[str, list[float]] = {}
    for name, tree in trees.items():
        previous, table[name] = 0.0, []
        for stage, _ in enumerate(PHASES, start=1):
            once, twice = (_instructions(tree, src, passes, work, stage) for passes in (1, 2))
            total = (twice - once) / rows
            table[name].append(total - previous)
            previous = total
    print("phase | " + " | ".join(trees))
    for i, phase in enumerate(PHASES):
        print(f"{phase} | " + " | ".join(f"{table[name][i]:,.0f}" for name in trees))
    print("total | " + " | ".join(f"{sum(table[name]):,.0f}" for name in trees))


if __name__ == "__main__":
    main()
