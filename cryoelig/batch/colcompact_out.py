"""The compact lines of a column-wise run into their file, checked against the per-row lines.

Why here: the lines (``colcompact``) are built for the rows the columns decided; the rows the case model took
after the columns refused them were decoded per row, so they get the per-row line from their case; and the
cross-check's sampled rows are compared byte for byte with the per-row line (``reference_line``): the
first difference stops the run, naming the row and the part of the line (a rule id, or a field).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..reasoning.evaluation import evaluate
from .colcompact import CompactLines, reference_line
from .outfiles import open_partial, write_all

Stop = Callable[[str, int, str, str, str], None]  # (label, row, who, what, how): raises


def _per_row(pack: Any, case: Any) -> bytes:
    return reference_line(case, evaluate(pack, case.facts()))


class LinesWriter:
    """Writes the parts' compact lines to ``temp`` (unbuffered, whole parts), in row order."""

    def __init__(self, plan: Any, temp: Path, label: str, stop: Stop):
        self.plan, self.temp, self.label, self.stop = plan, temp, label, stop
        self.emitter = CompactLines(plan)
        self.fd = open_partial(temp, truncate=True)

    def write(self, part: Any, results: pa.Table, nodes: Any, traces: dict[int, Any]) -> None:
        """A part's lines; ``traces``: the sampled rows' (the cross-check made them for the columns' check)."""
        facts = part.facts
        rows = facts.column("row").combine_chunks()
        for start, lines in self.emitter.slices(facts, results, nodes):
            at = rows.slice(start, len(lines))
            if part.decoded:
                lines = self._decoded(lines, at, part.decoded)
            self._check(lines, at, part.sample, traces)
            for chunk in (lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]):
                if len(chunk):  # the lines' bytes as they lie in the array's data buffer (no copy)
                    offsets = memoryview(chunk.buffers()[1]).cast("i")  # type: ignore[arg-type]
                    begin, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
                    write_all(self.fd, memoryview(chunk.buffers()[2])[begin:end])  # type: ignore[arg-type]

    def _decoded(self, lines: Any, rows: Any, decoded: dict[int, Any]) -> Any:
        """The per-row line for the rows decoded per row (their facts are the case's)."""
        pack = self.plan.pack
        taken = pc.is_in(rows, value_set=pa.array(sorted(decoded), pa.int64()))
        own = [_per_row(pack, decoded[r]).decode() for r in pc.filter(rows, taken).to_pylist()]
        return pc.replace_with_mask(lines, taken, pa.array(own, pa.string()))

    def _check(self, lines: Any, rows: Any, sample: dict[int, Any], traces: dict[int, Any]) -> None:
        """The sampled rows the columns decided: the emitted line must be the per-row line, byte for byte."""
        checked = sorted(r for r, case in sample.items() if case is not None)
        if not checked:
            return
        at = pc.index_in(pa.array(checked, pa.int64()), value_set=rows)
        got = pc.take(lines, pc.drop_null(at)).to_pylist()
        for row, line in zip((r for r, i in zip(checked, at.to_pylist(), strict=True) if i is not None), got,
                             strict=True):
            want = reference_line(sample[row], traces[row]).decode()
            if line != want:
                self.stop(self.label, row, "the per-row compact line", _where(want, line),
                          "differs from the line the columns wrote")

    def finish(self, compiled: Any) -> None:
        """Nothing to add: a run without a decided row writes an empty file."""

    def close(self, errors_partial: Path, summary: dict[str, Any]) -> None:
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1

    def abort(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.temp.unlink(missing_ok=True)


def _where(want: str, got: str) -> str:
    """The first part of a line that differs: a rule id in a section, else the field's name."""
    a, b = json.loads(want), json.loads(got)
    for name, value in a.items():
        other = b.get(name)
        if value == other:
            continue
        if name in ("findings", "not_applicable", "derived") and isinstance(other, list):
            ids = [r[0] for r in value] + [r[0] for r in other]
            differ = [rid for rid in dict.fromkeys(ids) if [r for r in value if r[0] == rid] !=
                      [r for r in other if r[0] == rid]]
            return f"{name} rule.{differ[0]}" if differ else name
        return name
    return "the line's bytes"
