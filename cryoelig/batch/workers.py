"""The work on one chunk of records, in a worker process (or in the parent with ``--jobs 1``).

Why a chunk is decoded, validated, reviewed and serialized in one place: the parent only reads
raw records and writes the bytes it gets back, in order, so the output is byte-identical
whatever the number of workers. Every record gives exactly one result line or one error line.

The report of each case comes through :func:`review` only, so that moving to the ``review_many()``
facade is a one-line change there.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case.contract import MAX_CASE_ID, parse_case
from ..case.identifiers import find_label_identifier, shown_file_name
from ..errors import EngineMismatchError, InputError, Problem
from ..inputs import Decoder, Record, RecordError
from ..report.compact import compact_parts
from ..report.projection import report_memo
from .aggregate import Aggregate, safe_key, scale_states
from .outputs import Row, output_format
from .serialize import ReportLines, Summary, scale_layout, summary_from, summary_of


def review(cases: list[Any], pack: Any, use_engine: bool = True, reports: bool = True) -> list[Any]:
    """The reviews (report and trace) of many cases, in order: the one call into the reasoning (the
    review facade). ``use_engine``: the engine decides and is cross-checked against the evaluation;
    ``reports``: False for the traces alone (a compact batch: ``facade.decide_many``)."""
    from ..facade import decide_many, review_many

    return list((review_many if reports else decide_many)(cases, pack, use_engine=use_engine))


@dataclass
class ChunkResult:
    out: bytes
    errors: bytes
    results: int
    error_count: int
    aggregate: dict[str, Any] = field(default_factory=dict)
    spill: str | None = None
    #: sha256 of ``out`` and ``errors`` and the size of ``out``, taken by the worker (the checkpoint's chains)
    out_sha256: bytes = b""
    errors_sha256: bytes = b""
    out_size: int = 0


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


def record_file(rec: Record, label: str) -> str:
    """The file of an error record, or its place when any part of its path looks identifying (issue 26)."""
    if isinstance(rec.payload, str):  # a folder's case file: records are its files in name order
        return shown_file_name(rec.payload, f"file {rec.row} of the folder")
    return shown_file_name(label, "the input file")


def error_line(rec: Record, label: str, problems: list[Problem], data: Any) -> tuple[bytes, str, str]:
    """One error record (JSON line): row, line, file, a safe case_id, the first problem and all problems."""
    return error_record(rec.row, rec.line, record_file(rec, label), _safe_case_id(data, problems), problems)


def error_record(row: int, line: int | None, file: str, case_id: str | None,
                 problems: list[Problem]) -> tuple[bytes, str, str]:
    """The error record of a row, its case_id already judged safe to show (``batch.colerrors`` builds
    records column-wise with it, so both ways write the same bytes)."""
    items = [{"field": safe_key(p.field) if p.field else None, "message": p.message, "reason": p.reason}
             for p in problems]
    first = next((i for i in items if i["reason"] == "identifier"), items[0])
    record = {
        "row": row, "line": line, "file": file, "case_id": case_id, "reason": first["reason"],
        "field": first["field"], "message": first["message"], "problems": items,
    }
    return (json.dumps(record) + "\n").encode(), first["reason"], first["field"]


@dataclass(frozen=True)
class CrossCheck:
    """Which cases the engine decides and is checked against the evaluation: every one (``all``, the
    default), or one row in ``every`` (``sample:N``: rows 1, 1+N, 1+2N, ... by input row number, so the
    sample is the same whatever the chunking, the number of workers or the partitions)."""

    every: int = 1

    def checks(self, row: int) -> bool:
        return self.every == 1 or (row - 1) % self.every == 0

    @classmethod
    def parse(cls, text: str) -> CrossCheck:
        if text == "all":
            return cls(1)
        head, _, n = text.partition(":")
        if head == "sample" and n.isdigit() and 1 <= len(n) <= 9 and int(n) >= 1:
            return cls(int(n))
        raise InputError([Problem("--cross-check takes 'all' or 'sample:N' (N a whole number, 1 or more)")])


def _reviews(cases: list[Any], rows: list[int], pack: Any, cross: CrossCheck, reports: bool = True) -> list[Any]:
    """Reviews in order (``reports`` False: the traces alone); a case on which the engine and the Python
    evaluator disagree (a bug, never the user's) becomes None (an error record of its own) instead of
    stopping the whole run."""
    checked = [cross.checks(r) for r in rows]
    try:
        if all(checked):
            return review(cases, pack, reports=reports)
        with_engine = iter(review([c for c, k in zip(cases, checked, strict=True) if k], pack, reports=reports))
        without = iter(review([c for c, k in zip(cases, checked, strict=True) if not k], pack, use_engine=False,
                              reports=reports))
        return [next(with_engine) if k else next(without) for k in checked]
    except EngineMismatchError:
        out: list[Any] = []
        for case, k in zip(cases, checked, strict=True):
            try:
                out.append(review([case], pack, use_engine=k, reports=reports)[0])
            except EngineMismatchError:
                out.append(None)
        return out


_INTERNAL = Problem("internal error: the rule engine and the Python evaluator disagree on this case; nothing "
                    "was reported for it (please report this)", reason="internal")
_TOO_BIG = Problem("the record is too large to decode in the memory available (see --max-bytes)", reason="unreadable")
_lines = ReportLines()


def _decode(decoder: Decoder, label: str, records: list[Record], pack: Any) -> tuple[list[Any], list[Any], list[int]]:
    """Each record decoded and validated: a slot per record ((record, data) of a Case, or an already
    serialized error), the cases and their row numbers."""
    slots: list[Any] = []
    cases, rows = [], []
    for rec in records:
        data = None
        file = rec.payload if isinstance(rec.payload, str) else label
        try:
            data = decoder(rec)
            case = parse_case(data, pack, file=file, row=rec.row)
        except RecordError as error:
            slots.append(error_line(rec, label, error.problems, error.data))
            continue
        except InputError as error:
            slots.append(error_line(rec, label, error.problems, data))
            continue
        except MemoryError:  # a record of up to --max-bytes (1 GiB) decoded: this row, not the run
            data = None
            slots.append(error_line(rec, label, [_TOO_BIG], None))
            continue
        slots.append((rec, data))
        cases.append(case)
        rows.append(rec.row)
    return slots, cases, rows


def process_chunk(decoder: Decoder, label: str, out_kind: str, records: list[Record], pack: Any,
                  cross: CrossCheck = CrossCheck()) -> ChunkResult:
    """Decode, validate, review and serialize one chunk; one result or one error per record.
    The per-chunk review function of every way a batch runs (one process, workers, a Dask cluster)."""
    slots, cases, rows = _decode(decoder, label, records, pack)
    fmt = output_format(out_kind)
    reviews = iter(_reviews(cases, rows, pack, cross, not fmt.compact)) if cases else iter(())
    reviewed_cases = iter(cases)
    agg = Aggregate()
    out: list[Row] = []
    errs: list[bytes] = []
    layout = scale_layout(pack)
    check = True  # one report per chunk is also compared with model_dump_json (serialize.py)
    for slot in slots:
        if isinstance(slot[0], bytes):
            line, reason, field_name = slot
            errs.append(line)
            agg.add_error(reason, field_name)
            continue
        reviewed, case = next(reviews), next(reviewed_cases)
        if reviewed is None:
            line, reason, field_name = error_line(slot[0], label, [_INTERNAL], slot[1])
            errs.append(line)
            agg.add_error(reason, field_name)
            continue
        if fmt.compact:  # the decisions as ids and values (schema v2), from the trace: no Report is made
            summary, line, sources, section = _compact(case, reviewed, pack, layout)
        else:
            report = reviewed.report
            summary, sources, section = summary_of(report, layout), report.sources, report.published_scales
            line = _lines.line(reviewed, check) if fmt.needs_json else b""
        out.append((summary, line))
        check = False
        agg.add_report(summary.site, summary.findings, summary.missing_fields, sources, scale_states(section))
    if agg.results + agg.errors != len(records):  # pragma: no cover - the identity is the contract
        raise AssertionError("a row was lost in a chunk")
    body = fmt.encoder()(out, pack) if out else b""
    return ChunkResult(body, b"".join(errs), agg.results, agg.errors, agg.to_dict())


def _compact(case: Any, trace: Any, pack: Any, layout: Any) -> tuple[Summary, bytes, list[Any], Any]:
    """A compact line and what the run counts of it (the summary, the sources, the scales section), as a
    full report's would count (the tests hold the two runs' summaries equal)."""
    parts = compact_parts(case, trace)
    rules = pack.rule_by_id
    findings = tuple([(rules[r].spec.factor or "", rules[r].spec.kind) for r in parts.findings])
    summary = summary_from(case.case_id, case.site, findings, tuple(parts.missing), parts.section, layout)
    return summary, parts.line, report_memo(pack).sources_of(parts.findings), parts.section


_worker_pack: Any = None
#: Collections of the youngest generation after this many new objects instead of 700: a chunk
#: allocates tens of thousands of short-lived objects, and collecting them early costs ~8% of a
#: run for nothing (docs/scaling.md); the memo's long-lived objects are few collections anyway.
GC_THRESHOLD = (50_000, 20, 20)


@contextlib.contextmanager
def batch_gc() -> Iterator[None]:
    """The batch's garbage-collection thresholds while the parent reviews chunks itself (--jobs 1)."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def start_method() -> str:
    """How the worker processes start: ``fork`` (fast, nothing to import again), unless this process
    runs other threads. Forking then copies locks another thread may hold, and a child can hang on
    one (Python 3.12 warns). pyarrow starts threads when it is imported (a Parquet input), and a
    progress display runs one. Then the workers are spawned: fresh interpreters, which import cryoelig
    and load the pack again (about 0.5 s more per run, docs/scaling.md)."""
    return "fork" if _threads() <= 1 else "spawn"


def _threads() -> int:
    """This process's threads as the system counts them (pyarrow's own are not in ``threading``)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: the threads Python knows of
        return threading.active_count()


def init_worker(pack_dir: Path | None, parent: int) -> None:
    """Each worker: Ctrl-C is the parent's business; the pack and engine are built once."""
    global _worker_pack
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.set_threshold(*GC_THRESHOLD)
    from ..reasoning.engine import engine_for
    from ..rulepack.load import load_pack

    _worker_pack = load_pack(pack_dir)
    engine_for(_worker_pack)

    def watch() -> None:  # an orphaned worker (parent killed) exits instead of waiting forever
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def work(decoder: Decoder, label: str, out_kind: str, records: list[Record], spill: str,
         cross: CrossCheck = CrossCheck()) -> ChunkResult:
    """In a worker: the chunk's results go to a spill file that the parent appends with a kernel
    copy, so the reports (~10 kB each) never pass through a pipe or the parent's Python code."""
    result = process_chunk(decoder, label, out_kind, records, _worker_pack, cross)
    with open(spill, "wb") as f:
        f.write(result.out)
    result.out_sha256, result.out_size = hashlib.sha256(result.out).digest(), len(result.out)
    result.errors_sha256 = hashlib.sha256(result.errors).digest()
    result.out = b""
    result.spill = spill
    return result
