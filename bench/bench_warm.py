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

Usage: python bench/bench_warm.py [--rows 1000] [--against /tmp/before]
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
    from cryoelig.rulepack import load_pack_set as load
except ImportError:  # 817fa05: one pack
    from cryoelig.rulepack import load_pack as load
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


def _instructions(tree: Path, src: Path, passes: int, work: Path) -> int:
    out = work / "callgrind.out"
    code = DRIVER.format(tree=str(tree), src=str(src), passes=passes)
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
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("bench_batch", HERE / "bench_batch.py")
    assert spec and spec.loader
    bench_batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_batch)
    work = Path(tempfile.mkdtemp(prefix="cryoelig-warm-"))
    src = work / "cases.csv"
    bench_batch.write_csv(src, args.rows, args.seed)
    trees = {"this tree": HERE.parent, **({"against": args.against.resolve()} if args.against else {})}
    per_row = {}
    for name, tree in trees.items():
        once, twice = (_instructions(tree, src, passes, work) for passes in (1, 2))
        per_row[name] = (twice - once) / args.rows
        print(f"{name} ({tree}): {per_row[name]:,.0f} instructions per row, warm ({args.rows} rows)")
    if args.against:
        print(f"this tree / against: {per_row['this tree'] / per_row['against']:.3f} "
              f"({per_row['against'] / per_row['this tree']:.2f}x fewer)")


if __name__ == "__main__":
    main()
