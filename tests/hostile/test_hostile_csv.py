"""Nothing lost in CSV, at scale: 30,000 generated rows with 50 random corruptions.

The issue's "Done means": rows read = data lines in the file, and results + errors = rows read.
Each corrupted line (a stray quote, a NUL, an over-long cell, an unclosed quote) is one error for
that line; a line ending in a lone CR is a line like any other. The benchmark script
bench_csv_corruption.py prints the same figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from corrupt import KINDS, corrupt, data_lines
from csvmix import write_mixed_csv
from harness import BOUND_SECONDS, environment


def test_30k_rows_with_50_corruptions_lose_nothing(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.csv", tmp_path / "corrupted.csv"
    write_mixed_csv(clean, 30_000, seed=5)
    corrupted = corrupt(clean, dirty, 50, seed=5)
    assert sorted(set(corrupted.values())) == sorted(KINDS)
    lines = data_lines(dirty)
    assert lines == 30_000
    proc = subprocess.run([sys.executable, "-m", "cryoelig", "batch", str(dirty), "--out", "r.jsonl", "--summary",
                           "s.json", "--jobs", "2", "--quiet"], capture_output=True, text=True, cwd=tmp_path,
                          env=environment(), timeout=8 * BOUND_SECONDS)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    counts = json.loads((tmp_path / "s.json").read_text())["counts"]
    assert counts["rows_read"] == lines == counts["results"] + counts["errors"]
    errors = [json.loads(line) for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    assert (tmp_path / "r.jsonl").read_text().count("\n") == counts["results"] and len(errors) == counts["errors"]
    by_line = {e["line"]: e for e in errors}
    for line, kind in corrupted.items():
        if kind != "lone CR":
            assert by_line[line]["reason"] == "unreadable", (line, kind, by_line.get(line))
