"""Corrupting a generated CSV line by line, and counting its data lines independently of cryoelig.

Shared by tests/hostile/test_hostile_csv.py and the corruption script among the benchmarks
(bench_csv_corruption.py), which reads it from here: tests never depend on the benchmarks.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

KINDS = ("stray quote", "lone CR", "NUL", "long cell", "unclosed quote")
LONG_CELL = 10_001


def corrupt(src: Path, dst: Path, count: int, seed: int) -> dict[int, str]:
    """Copy src to dst with `count` data lines corrupted, the kinds in turn; returns {line number: kind}."""
    rng = random.Random(seed)
    lines = src.read_bytes().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    chosen = sorted(rng.sample(range(1, len(lines) - 1), count))
    done: dict[int, str] = {}
    ends = [b"\n"] * len(lines)
    for index in chosen:
        kind = KINDS[len(done) % len(KINDS)]
        cells = lines[index].split(b",")
        if kind == "stray quote":
            cells[1] = cells[1][:2] + b'"' + cells[1][2:]  # inside the unquoted site cell
        elif kind == "lone CR":
            ends[index] = b"\r"
        elif kind == "NUL":
            cells[0] = cells[0] + b"\0"
        elif kind == "long cell":
            cells[-1] = b"x" * LONG_CELL
        else:
            cells[-1] = b'"never closed'
        lines[index] = b",".join(cells)
        done[index + 1] = kind
    dst.write_bytes(b"".join(line + end for line, end in zip(lines, ends, strict=True)))
    return done


def data_lines(path: Path) -> int:
    """Physical lines after the header that are not blank (line ends: \\n, \\r\\n, lone \\r)."""
    lines = re.split(rb"\r\n?|\n", path.read_bytes())
    if lines and lines[-1] == b"":
        lines.pop()
    return sum(1 for line in lines[1:] if line.strip(b" \t,"))
