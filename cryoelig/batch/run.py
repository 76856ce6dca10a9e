"""The run loop: read records, hand chunks to workers, write their bytes in order, checkpoint.

Why it is shaped this way:
- Streamed: the parent reads the input record by record and hands chunks of a few hundred raw
  records to the workers; at most ``2 * jobs`` chunks are in flight, so memory does not grow with
  the number of rows.
- Parallel by processes (durable_rules is not thread-safe), each with its own engine: ``fork``ed, or
  ``spawn``ed when this process runs other threads (workers.start_method).
- Nothing lost: ``rows_read == results + errors`` is checked at each chunk and at the end.
- Safe outputs (targets.py, outfiles.py): every file of the run checked before any row is read (no
  link, nothing but regular files, no two names for one file), an exclusive lock on the output set,
  existing results kept unless ``--force`` or ``--resume``, final names by rename at the end.
- Resumable (checkpoint.py) unless the input is standard input; the checkpoint carries digests of
  itself, of the partial files (chains of the chunks' sha256, taken by the workers, linked here as
  chunks are appended) and of the input consumed (kept by the reader; a chunk carries the one at its
  end position).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs import Position, Record, Source, open_source
from ..safetext import shown_file
from . import outfiles
from .about import about, write_sidecars
from .aggregate import Aggregate, summary_json
from .checkpoint import ResumeFiles, State, fingerprint, link, resume_state
from .options import BatchInterrupted, BatchOptions, capped_jobs, compact_by_columns
from .outfiles import OutputLock, append_file, check_replaceable, fsync_dir, open_partial, write_all, write_atomic
from .outputs import finish_output, output_format, output_kind
from .targets import RunFiles, check_run_files
from .workers import ChunkResult, CrossCheck, batch_gc, init_worker, process_chunk, start_method, work

Progress = Callable[[int, int, "int | None"], None]
#: Draws the summary page (``--summary-html``) from the summary and the pack: presentation, so the
#: command line passes it in and the library imports no plotting code.
DrawPage = Callable[[dict[str, Any], Any], bytes]


@dataclass
class BatchResult:
    summary: dict[str, Any]
    out: Path
    errors: Path
    #: a cluster run's timing: workers, the cluster's start and the review apart, its rate (manifest.json)
    timing: dict[str, Any] | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["counts"]["errors"] else 0


class _Signal(Exception):
    def __init__(self, signum: int):
        self.signum = signum


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


def _check_existing(opts: BatchOptions, files: RunFiles) -> None:
    """Existing results are kept unless --force or --resume says otherwise."""
    if opts.force or opts.resume:
        return
    existing = [t for t in files.finals() if os.path.lexists(t)]
    if existing:
        raise InputError([Problem("already exists and is kept; give --force to replace it (or --resume to finish "
                                  "an interrupted run)", file=str(existing[0]))])


def run_batch(opts: BatchOptions, progress: Progress | None = None,
              notes: Callable[[str], None] | None = None, draw_page: DrawPage | None = None) -> BatchResult:
    """Run a batch; returns the summary, or raises InputError (input unusable, exit 2) or
    BatchInterrupted (checkpoint written; resumable unless the input was standard input).
    ``draw_page`` draws ``opts.summary_html`` (one more output of the set: locked, kept unless
    --force, regular files only, written atomically before the results get their final names)."""
    from ..rulepack.load import load_pack

    if (opts.summary_html is None) != (draw_page is None):
        raise ValueError("summary_html and draw_page go together")

    def note(text: str) -> None:
        if notes:
            notes(text)

    jobs, why = capped_jobs(opts.jobs)
    if why:
        note(why)
    out_kind = "compact" if opts.report == "compact" else output_kind(opts.out)
    CrossCheck.parse(opts.cross_check)
    out = opts.out
    files = RunFiles.of(opts)
    check_run_files(opts, files)
    with OutputLock(out):
        _check_existing(opts, files)
        pack = load_pack(opts.pack_dir)
        from ..reasoning import engine  # noqa: F401 - an engine that cannot load stops here in one line, before workers or files
        source = open_source(opts.input, opts.max_bytes, opts.ignore_columns)
        try:
            if source.kind == "csv":
                note(f"reading {source.description}")
            if opts.report == "table" or compact_by_columns(opts, source.kind, pack):
                return _run_table(opts, source, pack, out_kind, files, progress, draw_page)
            run = _Run(opts, source, pack, out_kind, files, jobs, progress, note)
            run.draw_page = draw_page
            return run.go()
        except OSError as error:
            where = f"{shown_file(str(error.filename))}: " if error.filename else ""
            raise InputError([Problem(f"{where}cannot write: {error.strerror or error}")]) from None
        finally:
            source.close()


def _run_table(opts: BatchOptions, source: Source, pack: Any, out_kind: str, files: RunFiles,
               progress: Progress | None, draw_page: DrawPage | None) -> BatchResult:
    """The analysis table, decided column-wise (colrun): written to the run's partial names, renamed at the
    end the way a full run's are (a name is replaced, never followed)."""
    from .colrun import run_columns

    with batch_gc():  # the per-row path's thresholds: its sampled and refused rows make many young objects
        agg = run_columns(source, pack, out_kind, files.part_out, files.part_err,
                          CrossCheck.parse(opts.cross_check), progress)
    summary = {**agg.to_dict(), "about": about(pack)}  # the notice and the pack, as every output
    if opts.summary is not None:
        write_atomic(opts.summary, summary_json(summary).encode())
    if opts.summary_html is not None and draw_page is not None:
        write_atomic(opts.summary_html, draw_page(summary, pack))
    write_sidecars(out_kind, files, pack)
    for part, final in ((files.part_err, files.errors), (files.part_out, files.out)):
        check_replaceable(final)  # a rename replaces the name: a link planted since is replaced, not followed
        os.replace(part, final)
    outfiles.tidy_after_run(files.state, opts.summary, opts.summary_html)
    fsync_dir(files.out.resolve().parent)
    return BatchResult(summary, files.out, files.errors)



class _Run:
    """One run from the first chunk (or the checkpoint) to the final renames."""

    def __init__(self, opts: BatchOptions, source: Source, pack: Any, out_kind: str, files: RunFiles,
                 jobs: int, progress: Progress | None, note: Callable[[str], None]):
        self.opts, self.source, self.pack, self.out_kind = opts, source, pack, out_kind
        self.files, self.out, self.errors = files, files.out, files.errors
        self.jobs, self.progress, self.note = jobs, progress, note
        self.part_out, self.part_err, self.state_path = files.part_out, files.part_err, files.state
        self.spill_dir = files.spill
        self.fingerprint = fingerprint(opts, source, out_kind, self.out, self.errors, pack.sha256)
        self.cross = CrossCheck.parse(opts.cross_check)
        self.last_checkpoint = time.monotonic()
        self.draw_page: DrawPage | None = None

    def go(self) -> BatchResult:
        state = self._start()
        self.agg, self.position = state.aggregate, state.position
        # Unbuffered descriptors: whole chunks are appended, some by kernel copy into the same descriptor.
        self.fd_out = open_partial(self.part_out, truncate=False)
        self.fd_err = open_partial(self.part_err, truncate=False)
        try:
            for fd, offset in ((self.fd_out, state.out_offset), (self.fd_err, state.errors_offset)):
                os.ftruncate(fd, offset)
                os.lseek(fd, offset, os.SEEK_SET)
            shutil.rmtree(self.spill_dir, ignore_errors=True)  # left by a killed run: never counted
            self._loop()
        except BatchInterrupted:
            self._close()
            if not self.source.seekable:
                for p in (self.part_out, self.part_err, self.state_path):
                    p.unlink(missing_ok=True)
            raise
        except BaseException:
            self._close()
            raise
        return self._finish()

    def _start(self) -> State:
        header = output_format(self.out_kind).header(self.pack)
        resumed = resume_state(self.opts, self.source, self.note, self.fingerprint,
                               ResumeFiles(self.part_out, self.part_err, self.state_path, self.files.finals(), header,
                                           self.out_kind in ("jsonl", "compact")))
        if resumed is not None:
            self.out_chain, self.err_chain = resumed.out_chain, resumed.errors_chain
            self.input_digest, self.chunks = resumed.state.digests["input"], resumed.state.chunks
            return resumed.state
        fd = open_partial(self.part_out, truncate=True)
        try:
            write_all(fd, header)
        finally:
            os.close(fd)
        os.close(open_partial(self.part_err, truncate=True))
        self.out_chain, self.err_chain = link(b"", _sha256(header)), link(b"", _sha256(b""))
        self.chunks = [[len(header), 0]]
        self.input_digest = self.source.prefix_digest(self.source.start)
        state = State(self.fingerprint, self.source.start, len(header), 0, Aggregate(), self._digests(), self.chunks)
        if self.source.seekable:
            write_atomic(self.state_path, state.to_json())
        return state

    def _digests(self) -> dict[str, str | None]:
        return {"input": self.input_digest, "out": self.out_chain.hex(), "errors": self.err_chain.hex()}

    def _close(self) -> None:
        for fd in (self.fd_out, self.fd_err):
            with contextlib.suppress(OSError):
                os.close(fd)

    def checkpoint(self) -> None:
        """Make what was written durable, then record how far it goes (fsync before the state)."""
        if self.source.seekable:
            os.fsync(self.fd_out)
            os.fsync(self.fd_err)
            state = State(self.fingerprint, self.position, os.lseek(self.fd_out, 0, os.SEEK_CUR),
                          os.lseek(self.fd_err, 0, os.SEEK_CUR), self.agg, self._digests(), self.chunks)
            write_atomic(self.state_path, state.to_json())
        self.last_checkpoint = time.monotonic()

    def commit(self, result: ChunkResult, pos: Position, n: int, stopper: _Stopper, digest: str | None) -> None:
        """Append one chunk's bytes, and its digests (a worker's, or taken here with --jobs 1) to the partial
        files' chains; ``digest``: the input's up to ``pos``."""
        if result.results + result.error_count != n:  # pragma: no cover
            raise AssertionError("rows lost between worker and writer")
        if not result.spill:
            result.out_sha256, result.out_size = _sha256(result.out), len(result.out)
            result.errors_sha256 = _sha256(result.errors)
        with stopper.hold():
            if result.spill:
                append_file(result.spill, self.fd_out)
            else:
                write_all(self.fd_out, result.out)
            write_all(self.fd_err, result.errors)
            self.out_chain = link(self.out_chain, result.out_sha256)
            self.err_chain = link(self.err_chain, result.errors_sha256)
            self.chunks.append([result.out_size, len(result.errors)])
            self.agg.merge(Aggregate(result.aggregate))
            self.position, self.input_digest = pos, digest
            if time.monotonic() - self.last_checkpoint >= self.opts.checkpoint_seconds:
                self.checkpoint()
        if self.progress:
            self.progress(self.agg.rows, pos.offset, self.source.total)

    def _loop(self) -> None:
        decoder, label = self.source.decoder(), self.source.label
        executor = None
        with _Stopper() as stopper, batch_gc():
            try:
                inflight: deque[tuple[Any, Position, int, str | None]] = deque()
                serial = 0
                for chunk, pos in chunks(self.source.records(self.position), self.opts.chunk_rows, self.position):
                    digest = self.source.digest()  # the reader stands just after pos
                    if executor is None:
                        self.commit(process_chunk(decoder, label, self.out_kind, chunk, self.pack, self.cross), pos,
                                    len(chunk), stopper, digest)
                        if self.jobs > 1:  # the first chunk warmed this process: the workers start from it
                            executor = self._pool()
                        continue
                    serial += 1
                    spill = str(self.spill_dir / f"{serial}.part")
                    future = executor.submit(work, decoder, label, self.out_kind, chunk, spill, self.cross)
                    inflight.append((future, pos, len(chunk), digest))
                    while len(inflight) >= 2 * self.jobs:
                        fut, p, n, d = inflight.popleft()
                        self.commit(fut.result(), p, n, stopper, d)
                while inflight:
                    fut, p, n, d = inflight.popleft()
                    self.commit(fut.result(), p, n, stopper, d)
            except (_Signal, KeyboardInterrupt) as stop:
                self.checkpoint()
                why = "terminated" if getattr(stop, "signum", None) == signal.SIGTERM else "interrupted"
                raise BatchInterrupted(self.agg.rows, self.source.seekable, why) from None
            except Exception as error:
                self._stopped_by(error)
                raise
            finally:
                if executor is not None:
                    # Workers ignore SIGINT; a second signal here must not leave them behind.
                    with contextlib.suppress(_Signal, KeyboardInterrupt):
                        executor.shutdown(wait=True, cancel_futures=True)
                        shutil.rmtree(self.spill_dir, ignore_errors=True)

    def _pool(self) -> Any:
        """The workers, started after this process reviewed the first chunk (pack validated, engine compiled,
        memos filled): forked, they start with all of it (docs/scaling.md, "Warm workers")."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from ..reasoning.engine import engine_for

        engine_for(self.pack)
        executor = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context(start_method()),
                                       initializer=init_worker, initargs=(self.opts.pack_dir, os.getpid()))
        self.spill_dir.mkdir()
        return executor

    def _stopped_by(self, error: Exception) -> None:
        """A lost worker, a full disk or memory that ran out: said in one line (the last checkpoint stands)."""
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(error, BrokenProcessPool):
            self.checkpoint()
            raise BatchInterrupted(self.agg.rows, self.source.seekable, "a worker process stopped") from None
        then = "then run the same command with --resume to finish" if self.source.seekable else "then run it again"
        if isinstance(error, MemoryError):  # e.g. a record of up to --max-bytes (1 GiB) sent to a worker
            raise InputError([Problem(f"out of memory after {self.agg.rows} rows (each record of up to --max-bytes "
                                      f"is held whole: lower --max-bytes, or use --jobs 1); {then}")]) from None
        if isinstance(error, OSError):  # disk full, permissions, I/O error
            where = f"{shown_file(str(error.filename))}: " if error.filename else ""
            raise InputError([Problem(f"{where}{error.strerror or error} after {self.agg.rows} rows; fix it, "
                                      f"{then}")]) from None

    def _finish(self) -> BatchResult:
        if self.source.seekable:
            os.fsync(self.fd_out)
            os.fsync(self.fd_err)
        self._close()
        agg = self.agg
        summary = {**agg.to_dict(), "about": about(self.pack)}  # the notice and the pack, as every output
        if agg.rows != self.position.row or agg.rows != agg.results + agg.errors:  # pragma: no cover
            raise AssertionError(f"count identity broken: {agg.rows} rows, {agg.results} results, {agg.errors} errors")
        page = self.draw_page(summary, self.pack) if self.draw_page is not None else None
        if self.opts.summary is not None:
            write_atomic(self.opts.summary, summary_json(summary).encode())
        if self.opts.summary_html is not None and page is not None:
            write_atomic(self.opts.summary_html, page)
        write_sidecars(self.out_kind, self.files, self.pack)
        made = finish_output(self.out_kind, self.part_out, self.out, self.part_err, summary, self.pack)
        for part, final in ((self.part_err, self.errors), (made or self.part_out, self.out)):
            check_replaceable(final)  # a rename replaces the name: a link planted since is replaced, not followed
            os.replace(part, final)
        if made is not None:
            self.part_out.unlink()
        outfiles.tidy_after_run(self.state_path, self.opts.summary, self.opts.summary_html)
        fsync_dir(self.out.resolve().parent)
        return BatchResult(summary, self.out, self.errors)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def chunks(records: Iterator[tuple[Record | None, Position]], size: int,
           start: Position) -> Iterator[tuple[list[Record], Position]]:
    """Records in lists of ``size``, each with the position after its last record (blank lines move it too)."""
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
