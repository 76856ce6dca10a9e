"""A reviewed case as the bytes of its result line, from pieces serialized once.

Why: a report is ~9 kB of JSON, and most of it (each finding, not-applicable rule and derived
fact) is a piece shared by every case with equal values for the fields its rule reads: the
evaluation memo keeps it with the rule's trace (``RuleTrace.views``). Serializing each piece once,
next to it, and joining bytes is what removed a fifth of a batch's time (perf-notes.md), while
``Report.model_dump_json`` re-serialized every piece of every case.

Byte-identical by construction and by check: the top level follows the Report model's fields in
order, each value serialized by pydantic itself (``pydantic_core.to_json`` / the piece's own
serializer), and the first reports of each process and one per chunk are compared with
``model_dump_json``; a difference (a model changed in a way this composition does not know)
switches the process to ``model_dump_json`` for good, so the output stays right.
"""

from __future__ import annotations

import csv
import io
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic_core import to_json

_VIEW = "report"  # report.py keeps each rule's piece under this key of RuleTrace.views
_BYTES = "report.json"  # ... and this module keeps the piece's JSON next to it
_CHECK_FIRST = 20  # reports compared with model_dump_json at the start of each process


class Summary(NamedTuple):
    """What the CSV, Parquet and xlsx results and the aggregate read of a report."""

    case_id: str
    site: str
    supporting: int
    caution: int
    context: int
    missing: int
    factors: tuple[str, ...]
    missing_fields: tuple[str, ...]
    findings: tuple[tuple[str, str], ...]  # (factor, kind) of each finding, for the aggregate


def summary_of(report: Any) -> Summary:
    counts = {"supporting": 0, "caution": 0, "context": 0}
    factors: dict[str, None] = {}
    findings = []
    for f in report.findings:
        counts[f.kind] += 1
        factors[f.factor] = None
        findings.append((f.factor, f.kind))
    missing = tuple(m.field for m in report.missing)
    return Summary(report.case_id, report.site, counts["supporting"], counts["caution"], counts["context"],
                   len(missing), tuple(factors), missing, tuple(findings))


def csv_line(s: Summary) -> bytes:
    """One CSV result row. Every cell is a schema token or a count (case_id is ``[A-Za-z0-9._-]``),
    so no cell needs quoting; the csv module writes any other (never seen) value."""
    cells = [s.case_id, s.site, str(s.supporting), str(s.caution), str(s.context), str(s.missing),
             ";".join(s.factors), ";".join(s.missing_fields)]
    text = ",".join(cells)
    if text.count(",") != 7 or '"' in text or "\n" in text or "\r" in text:  # pragma: no cover
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode()
    return (text + "\n").encode()


class ReportLines:
    """``Report.model_dump_json()`` of reviewed cases, built from cached pieces (one per process)."""

    def __init__(self) -> None:
        self._keys: list[tuple[str, bytes]] | None = None
        self._others: dict[int, tuple[Any, bytes]] = {}  # model objects not kept with a trace (by identity)
        self.checked = 0
        self.exact = True

    def line(self, review: Any, check: bool = False) -> bytes:
        """The report's JSON (no line end). ``check``: also compare with ``model_dump_json``."""
        report = review.report
        if not self.exact:
            return report.model_dump_json().encode()
        text = self._compose(report, review.trace)
        if check or self.checked < _CHECK_FIRST:
            self.checked += 1
            plain = report.model_dump_json().encode()
            if plain != text:  # pragma: no cover - only if the Report model changes shape
                self.exact = False
                return plain
        return text

    def _compose(self, report: Any, trace: Any) -> bytes:
        if self._keys is None:
            self._keys = [(name, b'"%s":' % name.encode()) for name in type(report).model_fields]
        by_id = {}
        for rt in trace.rules:
            piece = rt.views.get(_VIEW)
            if piece is not None:
                by_id[id(piece)] = rt
        parts = []
        for name, key in self._keys:
            value = getattr(report, name)
            if type(value) is list and value and isinstance(value[0], BaseModel):
                parts.append(key + b"[" + b",".join([self._piece(v, by_id) for v in value]) + b"]")
            elif isinstance(value, BaseModel):
                parts.append(key + self._other(value))
            else:
                parts.append(key + to_json(value))
        return b"{" + b",".join(parts) + b"}"

    def _piece(self, value: BaseModel, by_id: dict[int, Any]) -> bytes:
        rt = by_id.get(id(value))
        if rt is None:
            return self._other(value)
        data = rt.views.get(_BYTES)
        if data is None:
            data = rt.views[_BYTES] = value.__pydantic_serializer__.to_json(value)
        return data

    def _other(self, value: BaseModel) -> bytes:
        """A model shared across cases but not kept with a trace (e.g. a missing-information item, the pack
        reference): cached by identity, holding the object so its id cannot be reused while cached."""
        hit = self._others.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        data = value.__pydantic_serializer__.to_json(value)
        if len(self._others) >= 8192:
            self._others.clear()
        self._others[id(value)] = (value, data)
        return data
