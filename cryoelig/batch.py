"""Streaming, parallel, resumable review of many cases: nothing lost, nothing identifying kept.

Why it is shaped this way:
- Streamed: the parent reads the input record by record (raw bytes for CSV and JSONL, file
  paths for a folder) and hands chunks of a few hundred raw records to the workers; at most a
  few chunks are in flight, so memory does not grow with the number of rows.
- Parallel by processes (durable_rules is not thread-safe): each worker (``fork``) loads the
  pack and compiles the engine once, then decodes, validates, evaluates and serializes its
  chunk. The parent only writes the bytes it gets back, in submission order, so the output
  is byte-identical whatever the number of jobs.
- Nothing lost: every non-blank input record gives exactly one result line or one error
  line; ``rows_read == results + errors`` is checked at each chunk and at the end.
- Resumable and atomic: output goes to ``<out>.partial`` and ``<errors>.partial``; after each
  chunk both are fsynced and a checkpoint (``<out>.partial.state``: input position, byte
  offsets of both partial files, counts, running aggregate and a fingerprint of input,
  options and pack) is replaced atomically. ``resume`` truncates the partials to the
  checkpoint and continues from the recorded input position. The final names appear only by
  rename at the very end, so a file with a final name is always complete.
- Identifiers: identifying columns refuse a whole CSV before any row is read or any file is
  created; a row with identifying fields or values goes to the error file naming the field,
  never echoing the value.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .case import parse_case
from .errors import InputError, Problem
from .identifiers import find_identifier

STATE_VERSION = 1
DEFAULT_CHUNK_ROWS = 500
CSV_RESULT_COLUMNS = ("case_id", "site", "supporting", "caution", "context", "missing", "factors",
                      "missing_fields")
FOLDER_SUFFIXES = (".yaml", ".yml", ".json")
_CASE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HIDDEN_FIELD = "(a field name that looks like identifying data; not shown)"


class BatchInterrupted(Exception):
    """The run stopped before the end (signal or lost worker); the checkpoint says how far it got."""

    def __init__(self, rows: int, resumable: bool, why: str = "interrupted"):
        self.rows = rows
        self.resumable = resumable
        self.why = why
        how = ("run the same command with --resume to finish" if resumable
               else "standard input cannot be read again: run the batch again")
        super().__init__(f"{why} after {rows} rows; {how}")


# ---------------------------------------------------------------- options and paths

def output_kind(path: Path) -> str:
    """'jsonl' or 'csv', from the file name of --out."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise InputError([Problem("--out takes a .jsonl (one report per line) or .csv (one row per case) file",
                              file=str(path))])


def default_errors_path(out: Path) -> Path:
    """results.jsonl -> results.errors.jsonl (errors are always JSONL)."""
    return out.with_name(f"{out.stem}.errors.jsonl")


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class BatchOptions:
    input: str
    out: Path
    errors: Path | None = None
    summary: Path | None = None
    jobs: int = 1
    resume: bool = False
    pack_dir: Path | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    checkpoint_seconds: float = 1.0  # at most this long between checkpoints (0: after every chunk)

    @property
    def errors_path(self) -> Path:
        return self.errors if self.errors is not None else default_errors_path(self.out)


def partial_paths(out: Path, errors: Path) -> tuple[Path, Path, Path]:
    """Where an unfinished run writes: results, errors and the checkpoint."""
    part_out = out.with_name(out.name + ".partial")
    return part_out, errors.with_name(errors.name + ".partial"), out.with_name(out.name + ".partial.state")


# ---------------------------------------------------------------- inputs

@dataclass
class Position:
    """How far the input was read: byte offset (or file index), physical line, data rows."""

    offset: int = 0
    line: int = 0
    row: int = 0


@dataclass
class Record:
    row: int
    line: int | None
    payload: Any  # bytes (CSV record, JSONL line) or a file path (folder)


class Source:
    """An input of many cases. ``records(start)`` yields (record, position after it)."""

    kind: str
    label: str
    total: int | None = None  # units (bytes or files) for progress; None when unknown
    header: list[str] | None = None
    start: Position = Position()
    seekable = True

    def fingerprint(self) -> dict[str, Any]:
        raise NotImplementedError

    def records(self, start: Position) -> Iterator[tuple[Record, Position]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _file_stat(path: str) -> dict[str, Any]:
    st = os.stat(path)
    return {"path": str(Path(path).resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _open_binary(path: str) -> Any:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by Source.close
    except FileNotFoundError:
        raise InputError([Problem("file not found", file=path)]) from None
    except OSError as error:
        raise InputError([Problem(f"cannot read: {error.strerror}", file=path)]) from None


def _csv_records(stream: Any, pos: Position) -> Iterator[tuple[bytes, int, Position]]:
    """Raw CSV records: physical lines joined while a quoted cell is open (odd count of quotes)."""
    offset, line = pos.offset, pos.line
    parts: list[bytes] = []
    quotes = 0
    first = line + 1
    for raw in stream:
        line += 1
        offset += len(raw)
        if not parts:
            first = line
        parts.append(raw)
        quotes += raw.count(b'"')
        if quotes % 2 == 0:
            yield b"".join(parts), first, Position(offset, line, pos.row)
            parts, quotes = [], 0
    if parts:  # an unclosed quote at the end of the file: one (unreadable) record
        yield b"".join(parts), first, Position(offset, line, pos.row)


def _parse_csv_line(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


class CsvSource(Source):
    kind = "csv"

    def __init__(self, path: str):
        self.path = self.label = path
        self.stream = _open_binary(path)
        self.total = os.fstat(self.stream.fileno()).st_size
        first = next(_csv_records(self.stream, Position()), None)
        if first is None:
            raise InputError([Problem("the file is empty: a CSV needs a header row", file=path)])
        raw, _, after = first
        try:
            text = raw.decode("utf-8-sig")
            rows = _parse_csv_line(text)
        except (UnicodeDecodeError, csv.Error):
            raise InputError([Problem("the header row cannot be read as UTF-8 CSV", file=path)]) from None
        if len(rows) != 1:
            raise InputError([Problem("the header row cannot be read as CSV", file=path)])
        self.header = [c.strip() for c in rows[0]]
        from .readers import header_problems

        problems = header_problems(self.header, path)
        if problems:
            raise InputError(problems)
        self.start = after

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, **_file_stat(self.path)}

    def records(self, start: Position) -> Iterator[tuple[Record, Position]]:
        self.stream.seek(start.offset)
        row = start.row
        for raw, first, after in _csv_records(self.stream, start):
            if raw.strip() == b"":
                yield None, Position(after.offset, after.line, row)  # type: ignore[misc]
                continue
            row += 1
            yield Record(row, first, raw), Position(after.offset, after.line, row)

    def close(self) -> None:
        self.stream.close()


class JsonlSource(Source):
    kind = "jsonl"

    def __init__(self, path: str):
        self.path = path
        if path == "-":
            self.label = "<stdin>"
            self.stream = sys.stdin.buffer
            self.seekable = False
        else:
            self.label = path
            self.stream = _open_binary(path)
            self.total = os.fstat(self.stream.fileno()).st_size

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, **_file_stat(self.path)}

    def records(self, start: Position) -> Iterator[tuple[Record, Position]]:
        if self.seekable:
            self.stream.seek(start.offset)
        offset, line, row = start.offset, start.line, start.row
        for raw in self.stream:
            offset += len(raw)
            line += 1
            if raw.strip() == b"":
                yield None, Position(offset, line, row)  # type: ignore[misc]
                continue
            row += 1
            yield Record(row, line, raw), Position(offset, line, row)

    def close(self) -> None:
        if self.seekable:
            self.stream.close()


class FolderSource(Source):
    kind = "folder"

    def __init__(self, path: str):
        self.path = self.label = path
        try:
            entries = sorted(p for p in Path(path).iterdir()
                             if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES)
        except OSError as error:
            raise InputError([Problem(f"cannot list the folder: {error.strerror}", file=path)]) from None
        self.files = [str(p) for p in entries]
        self.total = len(self.files)

    def fingerprint(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for name in self.files:
            st = os.stat(name)
            digest.update(f"{Path(name).name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return {"kind": self.kind, "path": str(Path(self.path).resolve()), "files": digest.hexdigest()}

    def records(self, start: Position) -> Iterator[tuple[Record, Position]]:
        for index in range(start.offset, len(self.files)):
            yield Record(index + 1, None, self.files[index]), Position(index + 1, 0, index + 1)


def open_source(path: str) -> Source:
    """The input as a stream of records: a CSV or JSONL file, a folder of YAML/JSON files, or '-'.

    Raises InputError (the input cannot be used at all) before any output exists."""
    if path == "-":
        return JsonlSource(path)
    p = Path(path)
    if p.is_dir():
        return FolderSource(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return CsvSource(path)
    if suffix in (".jsonl", ".ndjson"):
        return JsonlSource(path)
    if not p.exists():
        raise InputError([Problem("file not found", file=path)])
    raise InputError([Problem("a batch input is a .csv or .jsonl file, a folder of .yaml/.json cases, "
                              "or - (JSONL on standard input)", file=path)])


# ---------------------------------------------------------------- the work on one chunk (in a worker)

class Aggregate:
    """Counts over results and errors; merges and round-trips through JSON exactly."""

    def __init__(self, data: dict[str, Any] | None = None):
        d = data or {}
        self.rows = d.get("counts", {}).get("rows_read", 0)
        self.results = d.get("counts", {}).get("results", 0)
        self.errors = d.get("counts", {}).get("errors", 0)
        self.sites: dict[str, int] = dict(d.get("sites", {}))
        self.kinds: dict[str, int] = dict(d.get("findings", {}).get("by_kind", {}))
        self.factors: dict[str, dict[str, int]] = {k: dict(v) for k, v in
                                                   d.get("findings", {}).get("by_factor", {}).items()}
        self.missing: dict[str, int] = dict(d.get("missing", {}))
        self.reasons: dict[str, int] = dict(d.get("errors", {}).get("by_reason", {}))
        self.error_fields: dict[str, int] = dict(d.get("errors", {}).get("by_field", {}))

    def add_report(self, site: str, findings: list[tuple[str, str]], missing: list[str]) -> None:
        self.rows += 1
        self.results += 1
        _inc(self.sites, site)
        for factor, kind in findings:
            _inc(self.kinds, kind)
            _inc(self.factors.setdefault(factor, {}), kind)
        for name in missing:
            _inc(self.missing, name)

    def add_error(self, reason: str, field_name: str | None) -> None:
        self.rows += 1
        self.errors += 1
        _inc(self.reasons, reason)
        _inc(self.error_fields, field_name or "(none)")

    def merge(self, other: Aggregate) -> None:
        self.rows += other.rows
        self.results += other.results
        self.errors += other.errors
        for mine, theirs in ((self.sites, other.sites), (self.kinds, other.kinds), (self.missing, other.missing),
                             (self.reasons, other.reasons), (self.error_fields, other.error_fields)):
            for key, n in theirs.items():
                _inc(mine, key, n)
        for factor, kinds in other.factors.items():
            target = self.factors.setdefault(factor, {})
            for kind, n in kinds.items():
                _inc(target, kind, n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {"rows_read": self.rows, "results": self.results, "errors": self.errors},
            "sites": _sorted(self.sites),
            "findings": {"by_kind": _sorted(self.kinds),
                         "by_factor": {k: _sorted(v) for k, v in sorted(self.factors.items())}},
            "missing": _sorted(self.missing),
            "errors": {"by_reason": _sorted(self.reasons), "by_field": _sorted(self.error_fields)},
        }


def _inc(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


def _sorted(counter: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def summary_json(summary: dict[str, Any]) -> str:
    """The summary file's text (deterministic)."""
    return json.dumps(summary, indent=2, sort_keys=True) + "\n"


@dataclass
class ChunkResult:
    out: bytes
    errors: bytes
    results: int
    error_count: int
    aggregate: dict[str, Any] = field(default_factory=dict)
    spill: str | None = None


class _RowError(Exception):
    def __init__(self, problems: list[Problem], data: Any = None):
        self.problems = problems
        self.data = data


def _decode(kind: str, label: str, header: list[str] | None, rec: Record) -> Any:
    """Raw record -> case data (a dict for valid shapes); unreadable records raise _RowError."""
    def unreadable(message: str) -> _RowError:
        return _RowError([Problem(message, file=label, row=rec.row, line=rec.line, reason="unreadable")])

    if kind == "folder":
        from .readers import parse_document, read_text

        try:
            data = parse_document(read_text(rec.payload), rec.payload)
        except InputError as error:
            raise _RowError([Problem(p.message, file=rec.payload, row=rec.row, line=p.line, field=p.field,
                                     reason="unreadable") for p in error.problems]) from None
        if data is None:
            raise unreadable("the file is empty")
        return data
    try:
        text = rec.payload.decode("utf-8")
    except UnicodeDecodeError:
        raise unreadable("not UTF-8 text") from None
    if kind == "jsonl":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise unreadable(f"invalid JSON: {error.msg}") from None
    try:
        rows = _parse_csv_line(text)
    except csv.Error as error:
        raise unreadable(f"cannot read the CSV record: {error}") from None
    if len(rows) != 1:
        raise unreadable("cannot read the CSV record (unbalanced quotes?)")
    cells = rows[0]
    assert header is not None
    if len(cells) != len(header):
        raise unreadable(f"the row has {len(cells)} cells; the header has {len(header)} columns")
    from .readers import row_to_data

    return row_to_data(dict(zip(header, cells, strict=True)))


def _safe_case_id(data: Any, problems: list[Problem]) -> str | None:
    """The case_id of a refused row, only when it is valid, not identifying and not itself the problem."""
    if not isinstance(data, dict):
        return None
    value = data.get("case_id")
    if not isinstance(value, str) or not _CASE_ID.match(value) or find_identifier(value):
        return None
    if any(p.field == "case_id" for p in problems):
        return None
    return value


def _error_line(rec: Record, label: str, problems: list[Problem], data: Any) -> tuple[bytes, str, str | None]:
    items = []
    for p in problems:
        name, reason = p.field, p.reason
        if name and find_identifier(name):
            name, reason = _HIDDEN_FIELD, "identifier"
        items.append({"field": name, "message": p.message, "reason": reason})
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


def process_chunk(kind: str, label: str, header: list[str] | None, out_kind: str, records: list[Record],
                  pack: Any) -> ChunkResult:
    """Decode, validate, evaluate and serialize one chunk; one output line per record."""
    from .report import build_reports

    slots: list[Any] = []  # a Case, or an already serialized error
    cases = []
    for rec in records:
        data = None
        try:
            data = _decode(kind, label, header, rec)
            case = parse_case(data, file=label if kind != "folder" else rec.payload, row=rec.row)
        except _RowError as error:
            slots.append(_error_line(rec, label, error.problems, error.data))
            continue
        except InputError as error:
            slots.append(_error_line(rec, label, error.problems, data))
            continue
        slots.append(case)
        cases.append(case)
    reports = iter(build_reports(cases, pack)) if cases else iter(())
    agg = Aggregate()
    out: list[str] = []
    errs: list[bytes] = []
    for slot in slots:
        if isinstance(slot, tuple):
            line, reason, field_name = slot
            errs.append(line)
            agg.add_error(reason, field_name)
            continue
        report = next(reports)
        out.append(report.model_dump_json() + "\n" if out_kind == "jsonl" else _csv_result_line(report))
        agg.add_report(report.site, [(f.factor, f.kind) for f in report.findings], [m.field for m in report.missing])
    if agg.results + agg.errors != len(records):  # pragma: no cover - the identity is the contract
        raise AssertionError("a row was lost in a chunk")
    return ChunkResult("".join(out).encode(), b"".join(errs), agg.results, agg.errors, agg.to_dict())


_worker_pack: Any = None


def _init_worker(pack_dir: Path | None, parent: int) -> None:
    """Each worker: Ctrl-C is the parent's business; the pack and engine are built once."""
    global _worker_pack
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from .engine import engine_for
    from .rulepack import load_pack

    _worker_pack = load_pack(pack_dir)
    engine_for(_worker_pack)

    def watch() -> None:  # an orphaned worker (parent killed) exits instead of waiting forever
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _work(kind: str, label: str, header: list[str] | None, out_kind: str, records: list[Record],
          spill: str) -> ChunkResult:
    """In a worker: the chunk's results go to a spill file that the parent appends with a kernel
    copy, so the reports (~10 kB each) never pass through a pipe or the parent's Python code."""
    result = process_chunk(kind, label, header, out_kind, records, _worker_pack)
    with open(spill, "wb") as f:
        f.write(result.out)
    result.out = b""
    result.spill = spill
    return result


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _append_file(src: str, fd: int) -> None:
    """Append a file's bytes at fd's position (copy_file_range where the kernel has it)."""
    with open(src, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        copied = 0
        if hasattr(os, "copy_file_range"):
            with contextlib.suppress(OSError):
                while copied < size:
                    n = os.copy_file_range(f.fileno(), fd, size - copied)
                    if n == 0:
                        break
                    copied += n
        if copied < size:
            f.seek(copied)
            for block in iter(lambda: f.read(1 << 20), b""):
                _write_all(fd, block)
    os.unlink(src)


# ---------------------------------------------------------------- checkpoint files

def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, fsync, rename over the final name."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass
class _State:
    fingerprint: dict[str, Any]
    position: Position
    out_offset: int
    errors_offset: int
    aggregate: Aggregate

    def to_json(self) -> bytes:
        return json.dumps({
            "version": STATE_VERSION, "fingerprint": self.fingerprint,
            "position": {"offset": self.position.offset, "line": self.position.line, "row": self.position.row},
            "out_offset": self.out_offset, "errors_offset": self.errors_offset,
            "aggregate": self.aggregate.to_dict(),
        }, sort_keys=True).encode()

    @classmethod
    def read(cls, path: Path) -> _State:
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            if d.get("version") != STATE_VERSION:
                raise ValueError("version")
            return cls(d["fingerprint"], Position(**d["position"]), int(d["out_offset"]),
                       int(d["errors_offset"]), Aggregate(d["aggregate"]))
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError([Problem("the checkpoint of the interrupted run cannot be read; run without "
                                      "--resume to start again", file=str(path))]) from None


# ---------------------------------------------------------------- signals

class _Stopper:
    """SIGINT/SIGTERM raise BatchInterrupted, but never in the middle of writing a chunk."""

    def __init__(self) -> None:
        self.critical = False
        self.pending: int | None = None
        self.previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.critical:
            self.pending = signum
        else:
            raise _Signal(signum)

    def __enter__(self) -> _Stopper:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        self.critical = True
        try:
            yield
        finally:
            self.critical = False
        if self.pending is not None:
            raise _Signal(self.pending)


class _Signal(Exception):
    def __init__(self, signum: int):
        self.signum = signum


# ---------------------------------------------------------------- the run

Progress = Callable[[int, int, "int | None"], None]


@dataclass
class BatchResult:
    summary: dict[str, Any]
    out: Path
    errors: Path

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["counts"]["errors"] else 0


def run_batch(opts: BatchOptions, progress: Progress | None = None,
              notes: Callable[[str], None] | None = None) -> BatchResult:
    """Run a batch; returns the summary, or raises InputError (input unusable, exit 2) or
    BatchInterrupted (checkpoint written; resumable unless the input was standard input)."""
    from .rulepack import load_pack

    def note(text: str) -> None:
        if notes:
            notes(text)

    if opts.jobs < 1:
        raise InputError([Problem("--jobs takes 1 or more")])
    out_kind = output_kind(opts.out)
    out, errors = opts.out, opts.errors_path
    if out.resolve() == errors.resolve():
        raise InputError([Problem("--out and --errors name the same file; give two different files", file=str(out))])
    if opts.input != "-" and Path(opts.input).resolve() in (out.resolve(), errors.resolve()):
        raise InputError([Problem("the output would overwrite the input", file=opts.input)])
    for target in (out, errors, opts.summary):
        if target is not None and not target.resolve().parent.is_dir():
            raise InputError([Problem("the folder for this output does not exist", file=str(target))])
    pack = load_pack(opts.pack_dir)
    from . import engine  # noqa: F401 - an engine that cannot load stops here in one line, before workers or files
    source = open_source(opts.input)
    try:
        return _run(opts, source, pack, out_kind, out, errors, progress, note)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise InputError([Problem(f"{where}cannot write: {error.strerror or error}")]) from None
    finally:
        source.close()


def _run(opts: BatchOptions, source: Source, pack: Any, out_kind: str, out: Path, errors: Path,
         progress: Progress | None, note: Callable[[str], None]) -> BatchResult:
    part_out, part_err, state_path = partial_paths(out, errors)
    fingerprint = {"input": source.fingerprint() if source.seekable else "<stdin>", "out_kind": out_kind,
                   "out": str(out.resolve()), "errors": str(errors.resolve()), "pack_sha256": pack.sha256}
    if opts.resume and not source.seekable:
        raise InputError([Problem("--resume needs an input file: standard input cannot be read again")])
    state: _State | None = None
    if opts.resume:
        if state_path.exists() and part_out.exists() and part_err.exists():
            state = _State.read(state_path)
            if state.fingerprint != fingerprint:
                changed = sorted(k for k in fingerprint if state.fingerprint.get(k) != fingerprint[k])
                raise InputError([Problem(f"cannot resume: {', '.join(changed)} changed since the interrupted "
                                          "run; run without --resume to start again", file=str(state_path))])
            if (part_out.stat().st_size < state.out_offset or part_err.stat().st_size < state.errors_offset):
                raise InputError([Problem("cannot resume: the unfinished output is shorter than its checkpoint; "
                                          "run without --resume to start again", file=str(part_out))])
            note(f"resuming after {state.position.row} rows")
        else:
            note("nothing to resume: starting from the beginning")
    elif state_path.exists() or part_out.exists():
        note(f"discarding the unfinished output of an earlier run ({part_out.name}); "
             "use --resume to continue such a run instead")

    if state is None:
        with open(part_out, "wb") as f:
            if out_kind == "csv":
                f.write(csv_result_header())
        open(part_err, "wb").close()
        state = _State(fingerprint, source.start, part_out.stat().st_size, 0, Aggregate())
    if source.seekable:
        write_atomic(state_path, state.to_json())

    # Unbuffered: the parent appends whole chunks, some by kernel copy into the same descriptor.
    f_out = open(part_out, "r+b", buffering=0)  # noqa: SIM115
    f_err = open(part_err, "r+b", buffering=0)  # noqa: SIM115
    f_out.truncate(state.out_offset)
    f_err.truncate(state.errors_offset)
    f_out.seek(state.out_offset)
    f_err.seek(state.errors_offset)
    spill_dir = out.with_name(out.name + ".partial.spill")
    shutil.rmtree(spill_dir, ignore_errors=True)  # left by a killed run: its chunks were never counted
    agg = state.aggregate
    position = state.position
    executor = None

    last_checkpoint = time.monotonic()

    def checkpoint() -> None:
        """Make what was written durable, then record how far it goes (fsync before the state)."""
        nonlocal last_checkpoint
        if source.seekable:
            os.fsync(f_out.fileno())
            os.fsync(f_err.fileno())
            write_atomic(state_path, _State(fingerprint, position, f_out.tell(), f_err.tell(), agg).to_json())
        last_checkpoint = time.monotonic()

    def commit(result: ChunkResult, pos: Position, n: int, stopper: _Stopper) -> None:
        nonlocal position
        if result.results + result.error_count != n:  # pragma: no cover
            raise AssertionError("rows lost between worker and writer")
        with stopper.hold():
            if result.spill:
                _append_file(result.spill, f_out.fileno())
            else:
                _write_all(f_out.fileno(), result.out)
            _write_all(f_err.fileno(), result.errors)
            agg.merge(Aggregate(result.aggregate))
            position = pos
            if time.monotonic() - last_checkpoint >= opts.checkpoint_seconds:
                checkpoint()
        if progress:
            progress(agg.rows, pos.offset, source.total)

    try:
        with _Stopper() as stopper:
            try:
                if opts.jobs > 1:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    executor = ProcessPoolExecutor(opts.jobs, mp_context=multiprocessing.get_context("fork"),
                                                   initializer=_init_worker, initargs=(opts.pack_dir, os.getpid()))
                    spill_dir.mkdir()
                inflight: deque[tuple[Any, Position, int]] = deque()
                serial = 0
                limit = 2 * opts.jobs
                args = (source.kind, source.label, source.header, out_kind)
                for chunk, pos in _chunks(source.records(position), opts.chunk_rows, position):
                    if executor is None:
                        commit(process_chunk(*args, chunk, pack), pos, len(chunk), stopper)
                        continue
                    serial += 1
                    spill = str(spill_dir / f"{serial}.part")
                    inflight.append((executor.submit(_work, *args, chunk, spill), pos, len(chunk)))
                    while len(inflight) >= limit:
                        fut, p, n = inflight.popleft()
                        commit(fut.result(), p, n, stopper)
                while inflight:
                    fut, p, n = inflight.popleft()
                    commit(fut.result(), p, n, stopper)
            except (_Signal, KeyboardInterrupt) as stop:
                checkpoint()
                why = "terminated" if getattr(stop, "signum", None) == signal.SIGTERM else "interrupted"
                raise BatchInterrupted(agg.rows, source.seekable, why) from None
            except Exception as error:
                from concurrent.futures.process import BrokenProcessPool

                if isinstance(error, BrokenProcessPool):
                    checkpoint()
                    raise BatchInterrupted(agg.rows, source.seekable, "a worker process stopped") from None
                if isinstance(error, OSError):  # disk full, permissions, I/O error: the last checkpoint stands
                    where = f"{error.filename}: " if error.filename else ""
                    raise InputError([Problem(f"{where}{error.strerror or error} after {agg.rows} rows; fix it, "
                                              "then run the same command with --resume to finish")]) from None
                raise
            finally:
                if executor is not None:
                    # Workers ignore SIGINT; a second signal here must not leave them behind.
                    with contextlib.suppress(_Signal, KeyboardInterrupt):
                        executor.shutdown(wait=True, cancel_futures=True)
                        shutil.rmtree(spill_dir, ignore_errors=True)
    except BatchInterrupted:
        f_out.close()
        f_err.close()
        if not source.seekable:
            for p in (part_out, part_err, state_path):
                p.unlink(missing_ok=True)
        raise
    if source.seekable:
        os.fsync(f_out.fileno())
        os.fsync(f_err.fileno())
    f_out.close()
    f_err.close()
    summary = agg.to_dict()
    if agg.rows != position.row or agg.rows != agg.results + agg.errors:  # pragma: no cover
        raise AssertionError(f"count identity broken: {agg.rows} rows, {agg.results} results, {agg.errors} errors")
    if opts.summary is not None:
        write_atomic(opts.summary, summary_json(summary).encode())
    os.replace(part_err, errors)
    os.replace(part_out, out)
    state_path.unlink(missing_ok=True)
    _fsync_dir(out.resolve().parent)
    return BatchResult(summary, out, errors)


def _chunks(records: Iterator[tuple[Record, Position]], size: int,
            start: Position) -> Iterator[tuple[list[Record], Position]]:
    chunk: list[Record] = []
    pos = last = start
    for rec, pos in records:
        if rec is not None:
            chunk.append(rec)
        if len(chunk) >= size:
            yield chunk, pos
            chunk, last = [], pos
    if chunk or pos != last:  # the rest, or trailing blank lines (so the position reaches the end)
        yield chunk, pos


# ---------------------------------------------------------------- summarize from files

def summarize_files(results: str, errors: str | None = None) -> dict[str, Any]:
    """The batch summary recomputed from a results JSONL (and its error file), streamed."""
    agg = Aggregate()
    for path, is_error in ((results, False), (errors, True)):
        if path is None:
            continue
        stream = _open_binary(path)
        with stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    d = json.loads(raw)
                    if is_error:
                        agg.add_error(d["reason"], d.get("field"))
                    else:
                        agg.add_report(d["site"], [(f["factor"], f["kind"]) for f in d["findings"]],
                                       [m["field"] for m in d["missing"]])
                except (ValueError, KeyError, TypeError):
                    what = "an error record" if is_error else "a report (cryoelig batch --out *.jsonl)"
                    raise InputError([Problem(f"not {what}", file=path, line=number)]) from None
    return agg.to_dict()
