"""The work on one chunk of records, in a worker process (or in the parent with ``--jobs 1``).

Why a chunk is decoded, validated, reviewed and serialized in one place: the parent only reads
raw records and writes the bytes it gets back, in order, so the output is byte-identical
whatever the number of workers. Every record gives exactly one result line or one error line.

The report of each case comes through :func:`review` only, so that moving to the ``review_many()``
facade is a one-line change there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case import MAX_CASE_ID, parse_case
from ..errors import EngineMismatchError, InputError, Problem
from ..identifiers import find_label_identifier
from ..inputs import Decoder, Record, RecordError
from .aggregate import Aggregate, safe_key

CSV_RESULT_COLUMNS = ("case_id", "site", "supporting", "caution", "context", "missing", "factors",
                      "missing_fields")


def review(cases: list[Any], pack: Any) -> list[Any]:
    """The reports of many cases, in order (the one call into the reasoning: the review facade)."""
    from ..review import review_many

    return [item.report for item in review_many(cases, pack)]


@dataclass
class ChunkResult:
    out: bytes
    errors: bytes
    results: int
    error_count: int
    aggregate: dict[str, Any] = field(default_factory=dict)
    spill: str | None = None


def _safe_case_id(data: Any, problems: list[Problem]) -> str | None:
    """The case_id of a refused row, only when it is valid, not identifying and not itself the problem."""
    if not isinstance(data, dict):
        return None
    value = data.get("case_id")
    if not isinstance(value, str) or len(value) > MAX_CASE_ID or find_label_identifier(value):
        return None
    if not value or any(not (c.isascii() and (c.isalnum() or c in "._-")) for c in value):
        return None
    if any(p.field == "case_id" for p in problems):
        return None
    return value


def error_line(rec: Record, label: str, problems: list[Problem], data: Any) -> tuple[bytes, str, str]:
    """One error record (JSON line): row, line, file, a safe case_id, the first problem and all problems."""
    items = [{"field": safe_key(p.field) if p.field else None, "message": p.message, "reason": p.reason}
             for p in problems]
    first = next((i for i in items if i["reason"] == "identifier"), items[0])
    record = {
        "row": rec.row, "line": rec.line, "file": rec.payload if isinstance(rec.payload, str) else label,
        "case_id": _safe_case_id(data, problems), "reason": first["reason"], "field": first["field"],
        "message": first["message"], "problems": items,
    }
    return (json.dumps(record) + "\n").encode(), first["reason"], first["field"]


def _csv_result_line(report: Any) -> str:
    counts = {k: 0 for k in ("supporting", "caution", "context")}
    factors: list[str] = []
    for f in report.findings:
        counts[f.kind] += 1
        if f.factor not in factors:
            factors.append(f.factor)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([
        report.case_id, report.site, counts["supporting"], counts["caution"], counts["context"],
        len(report.missing), ";".join(factors), ";".join(m.field for m in report.missing),
    ])
    return buf.getvalue()


def csv_result_header() -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_RESULT_COLUMNS)
    return buf.getvalue().encode()


def _reviews(cases: list[Any], pack: Any) -> list[Any]:
    """Reports in order; a case on which the engine and the Python evaluator disagree (a bug, never
    the user's) becomes an error record of its own instead of stopping the whole run."""
    try:
        return review(cases, pack)
    except EngineMismatchError:
        out: list[Any] = []
        for case in cases:
            try:
                out.append(review([case], pack)[0])
            except EngineMismatchError:
                out.append(None)
        return out


_INTERNAL = Problem("internal error: the rule engine and the Python evaluator disagree on this case; nothing "
                    "was reported for it (please report this)", reason="internal")


def process_chunk(decoder: Decoder, label: str, out_kind: str, records: list[Record], pack: Any) -> ChunkResult:
    """Decode, validate, review and serialize one chunk; one output line per record."""
    slots: list[Any] = []  # (record, data) of a Case, or an already serialized error
    cases = []
    for rec in records:
        data = None
        file = rec.payload if isinstance(rec.payload, str) else label
        try:
            data = decoder(rec)
            case = parse_case(data, file=file, row=rec.row, sites=pack.site_ids)
        except RecordError as error:
            slots.append(error_line(rec, label, error.problems, error.data))
            continue
        except InputError as error:
            slots.append(error_line(rec, label, error.problems, data))
            continue
        slots.append((rec, data))
        cases.append(case)
    reports = iter(_reviews(cases, pack)) if cases else iter(())
    agg = Aggregate()
    out: list[str] = []
    errs: list[bytes] = []
    for slot in slots:
        if isinstance(slot[0], bytes):
            line, reason, field_name = slot
            errs.append(line)
            agg.add_error(reason, field_name)
            continue
        report = next(reports)
        if report is None:
            line, reason, field_name = error_line(slot[0], label, [_INTERNAL], slot[1])
            errs.append(line)
            agg.add_error(reason, field_name)
            continue
        out.append(report.model_dump_json() + "\n" if out_kind == "jsonl" else _csv_result_line(report))
        agg.add_report(report.site, [(f.factor, f.kind) for f in report.findings], [m.field for m in report.missing],
                       [s.model_dump() for s in report.sources])
    if agg.results + agg.errors != len(records):  # pragma: no cover - the identity is the contract
        raise AssertionError("a row was lost in a chunk")
    return ChunkResult("".join(out).encode(), b"".join(errs), agg.results, agg.errors, agg.to_dict())


_worker_pack: Any = None


def init_worker(pack_dir: Path | None, parent: int) -> None:
    """Each worker: Ctrl-C is the parent's business; the pack and engine are built once."""
    global _worker_pack
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from ..engine import engine_for
    from ..rulepack import load_pack

    _worker_pack = load_pack(pack_dir)
    engine_for(_worker_pack)

    def watch() -> None:  # an orphaned worker (parent killed) exits instead of waiting forever
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def work(decoder: Decoder, label: str, out_kind: str, records: list[Record], spill: str) -> ChunkResult:
    """In a worker: the chunk's results go to a spill file that the parent appends with a kernel
    copy, so the reports (~10 kB each) never pass through a pipe or the parent's Python code."""
    result = process_chunk(decoder, label, out_kind, records, _worker_pack)
    with open(spill, "wb") as f:
        f.write(result.out)
    result.out = b""
    result.spill = spill
    return result
