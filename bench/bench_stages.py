"""Microseconds of CPU per batch row in the steady state, by stage, timed in one process (this tree).

Why: instruction counts (bench_warm.py) say how much work a row is; this says where a row's time goes
once the memos are filled, which is what bounds rows/s per core. A stage that makes few instructions
but reads memory far apart (a memo look-up, a piece of JSON kept by identity) weighs more here.

How: ``--warm`` generated rows go through the per-chunk review function (``process_chunk``) to fill the
memos; the next ``--rows`` rows go through the same steps one stage at a time, in chunks of 500, each
stage timed with ``time.process_time``: decode and validate, the facts, the engine, the evaluation,
the engine cross-check, the report, the result line, the summary and aggregate, the chunk's bytes.
"release" is the rest of the loop: mostly freeing the chunk's objects. Writing the file is not here
(bench_ab.py and bench_batch.py time whole runs).

``--whole all|sample:N`` times ``process_chunk`` itself over the same rows instead, with that engine
cross-check (``batch --cross-check``): what the engine weighs in a row, the rest of the row included;
with ``--every N``, also the rate of each block of N rows (whether a long run stays flat: the memos are bounded).

Usage: python bench/bench_stages.py [--warm 30000] [--rows 30000] [--seed 7] [--whole all [--every 50000]]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_batch import write_csv  # noqa: E402 - the generated rows of every batch bench

from cryoelig.batch.aggregate import Aggregate  # noqa: E402
from cryoelig.batch.outputs import output_format  # noqa: E402
from cryoelig.batch.serialize import ReportLines, summary_of  # noqa: E402
from cryoelig.batch.workers import GC_THRESHOLD, CrossCheck, _decode, process_chunk  # noqa: E402
from cryoelig.facade import Review  # noqa: E402
from cryoelig.inputs import open_source  # noqa: E402
from cryoelig.reasoning.engine import engine_for  # noqa: E402
from cryoelig.reasoning.evaluation import evaluate  # noqa: E402
from cryoelig.report.projection import report_of  # noqa: E402
from cryoelig.rulepack.load import load_pack_set  # noqa: E402

CHUNK = 500
STAGES = ("decode and validate", "facts", "engine", "evaluation", "cross-check", "report", "result line",
          "summary and aggregate", "chunk bytes")


def _timed_chunk(records: list, decoder, pack, lines: ReportLines, spent: dict[str, float]) -> None:  # noqa: ANN001
    clock = time.process_time
    mark = clock()

    def lap(stage: str) -> None:
        nonlocal mark
        now = clock()
        spent[stage] += now - mark
        mark = now

    _, cases, _ = _decode(decoder, "bench", records, pack)
    lap("decode and validate")
    facts = [case.facts() for case in cases]
    lap("facts")
    fired = engine_for(pack).fire_many(facts)
    lap("engine")
    traces = [evaluate(pack, f) for f in facts]
    lap("evaluation")
    for trace, rules, case in zip(traces, fired, cases, strict=True):
        trace.check_engine(rules, case.case_id)
    lap("cross-check")
    reports = [report_of(case, trace) for case, trace in zip(cases, traces, strict=True)]
    lap("report")
    texts = [lines.line(Review(report, trace, {})) for report, trace in zip(reports, traces, strict=True)]
    lap("result line")
    agg, rows = Aggregate(), []
    for report, text in zip(reports, texts, strict=True):
        summary = summary_of(report)
        rows.append((summary, text))
        agg.add_report(summary.site, summary.findings, summary.missing_fields, report.sources)
    lap("summary and aggregate")
    output_format("jsonl").encoder()(rows, None)
    agg.to_dict()
    lap("chunk bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=30_000)
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--whole", metavar="CROSS_CHECK", help="time process_chunk with this cross-check instead")
    parser.add_argument("--every", type=int, default=0, help="with --whole: print each block of this many rows")
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLD)
    with tempfile.TemporaryDirectory(prefix="cryoelig-stages-") as work:
        src = Path(work) / "cases.csv"
        write_csv(src, args.warm + args.rows, args.seed)
        pack = load_pack_set()
        source = open_source(str(src))
        decoder = source.decoder()
        records = [rec for rec, _ in source.records(source.start) if rec is not None]
    for start in range(0, args.warm, CHUNK):
        process_chunk(decoder, source.label, "jsonl", records[start:min(start + CHUNK, args.warm)], pack)
    if args.whole:
        cross = CrossCheck.parse(args.whole)
        begin = block = time.process_time()
        for start in range(args.warm, args.warm + args.rows, CHUNK):
            process_chunk(decoder, source.label, "jsonl", records[start:start + CHUNK], pack, cross)
            done = start + CHUNK - args.warm
            if args.every and done % args.every == 0:
                now = time.process_time()
                print(f"rows {done - args.every + 1:,}-{done:,}: {(now - block) * 1e6 / args.every:.1f} us/row")
                block = now
        total = time.process_time() - begin
        print(f"process_chunk, --cross-check {args.whole}: {total * 1e6 / args.rows:.1f} us/row "
              f"({args.rows:,} rows after {args.warm:,} warm rows)")
        return
    lines = ReportLines()
    lines.checked = 1 << 30  # the per-chunk comparison with model_dump_json is process_chunk's, not a stage
    spent = dict.fromkeys(STAGES, 0.0)
    begin = time.process_time()
    for start in range(args.warm, args.warm + args.rows, CHUNK):
        _timed_chunk(records[start:start + CHUNK], decoder, pack, lines, spent)
    total = time.process_time() - begin
    spent["release"] = total - sum(spent.values())
    print(f"python {sys.version.split()[0]}; {args.rows:,} rows timed after {args.warm:,} warm rows")
    print("command: python bench/bench_stages.py " + " ".join(sys.argv[1:]))
    for stage, seconds in spent.items():
        print(f"{stage:<22} {seconds * 1e6 / args.rows:7.1f} us/row  {100 * seconds / total:5.1f}%")
    print(f"{'total':<22} {total * 1e6 / args.rows:7.1f} us/row  -> {args.rows / total:,.0f} rows/s of CPU")


if __name__ == "__main__":
    main()
