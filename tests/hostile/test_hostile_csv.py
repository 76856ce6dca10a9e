"""Nothing lost in CSV, at scale: 30,000 generated rows with 50 random corruptions.

The issue's "Done means": rows read = data lines in the file, and results + errors = rows read.
Each corrupted line (a stray quote, a NUL, an over-long cell, an unclosed quote) is one error for
that line; a line ending in a lone CR is a line like any other. The same figures are printed by
``python bench/bench_csv_corruption.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness import BOUND_SECONDS, environment

ROOT = Path(__file__).resolve().parents[2]


def _bench():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_csv_corruption", ROOT / "bench" / "bench_csv_corruption.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_30k_rows_with_50_corruptions_lose_nothing(tmp_path: Path) -> None:
    bench = _bench()
    clean, dirty = tmp_path / "clean.csv", tmp_path / "corrupted.csv"
    bench._bench_batch().write_csv(clean, 30_000, seed=5)
    corrupted = bench.corrupt(clean, dirty, 50, seed=5)
    assert sorted(set(corrupted.values())) == sorted(bench.KINDS)
    lines = bench.data_lines(dirty)
    assert lines == 30_000
    summary, results, errors, seconds = bench.run_batch(dirty, tmp_path / "r.jsonl", jobs=2, env=environment())
    counts = summary["counts"]
    assert counts["rows_read"] == lines == counts["results"] + counts["errors"]
    assert (len(results), len(errors)) == (counts["results"], counts["errors"])
    by_line = {e["line"]: e for e in errors}
    for line, kind in corrupted.items():
        if kind == "lone CR":
            continue
        assert by_line[line]["reason"] == "unreadable", (line, kind, by_line.get(line))
    assert seconds < 8 * BOUND_SECONDS
