"""A batch on a Dask cluster: ``batch INPUT --out OUTDIR --cluster local:N`` or ``--scheduler tcp://host:8786``.

Why Dask (``distributed``) and not a home-made pool: past one machine the same review runs on an
engine analysts already operate, with its scheduling, retries of a lost worker's tasks, and
dashboards. What this module adds is what the tool guarantees on one machine:
- the same review: each task runs ``partitions.review_partition`` (chunks through
  ``workers.process_chunk``, as a local run), with the pack shipped once per worker and its sha256
  checked;
- nothing lost: the manifest (``manifest.json``: partition, input range, rows read, results,
  errors, sha256 of each part) adds up to the input's rows, checked before the summary is written;
- written once: a part appears by rename when complete; a retried partition (a worker killed or a
  task failed) writes the same bytes again, so the part under its name is always whole;
- resumable: ``--resume`` keeps every partition whose part files match the manifest's sha256 and
  reviews the rest; a changed input, pack or partition size is refused;
- byte-identical: the parts concatenated in partition order are the ``--out x.jsonl`` and its
  error file of a one-machine run.
Every worker reads the input and writes OUTDIR at the same path as the client (shared storage).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs import open_source
from ..report.words import words_json
from .about import about
from .aggregate import Aggregate, summary_json
from .options import BatchOptions, capped_jobs, words_path
from .outfiles import OutputLock, write_atomic
from .run import BatchResult
from .workers import CrossCheck

MANIFEST_VERSION = 1
MANIFEST = "manifest.json"
SUMMARY = "summary.json"


@dataclass
class ClusterOptions:
    batch: BatchOptions
    cluster: str | None = None  # "local:N"
    scheduler: str | None = None  # "tcp://host:port"
    partition_rows: int | None = None  # None: sized to the input (partitions.plan_sized)
    retries: int = 3  # further tries of a partition whose task failed (a lost worker is retried by Dask too)


def _need_dask() -> None:
    if importlib.util.find_spec("distributed") is None:
        raise InputError([Problem("a cluster run needs the optional extra [cluster]: pip install 'cryoelig[cluster]'")])


def local_workers(spec: str) -> int:
    head, _, n = spec.partition(":")
    if head != "local" or not n.isdigit() or len(n) > 4 or int(n) < 1:
        raise InputError([Problem("--cluster takes local:N (N worker processes on this machine, 1 or more)")])
    return int(n)


def _check_out_dir(out: Path, opts: BatchOptions) -> None:
    if opts.errors is not None or opts.summary is not None or getattr(opts, "summary_html", None) is not None:
        raise InputError([Problem("with --cluster or --scheduler, errors and summary go into the --out folder "
                                  "(part-*.errors.jsonl, summary.json): leave out --errors, --summary and "
                                  "--summary-html")])
    if out.exists() and not out.is_dir():
        raise InputError([Problem("with --cluster or --scheduler, --out is a folder for the part files",
                                  file=str(out))])
    if not out.resolve().parent.is_dir():
        raise InputError([Problem("the folder for this output does not exist", file=str(out))])
    out.mkdir(exist_ok=True)


class _Manifest:
    """``manifest.json``: the plan, the finished partitions, and (when complete) the counts."""

    def __init__(self, path: Path, head: dict[str, Any], partitions: list[Any]):
        self.path, self.head, self.partitions = path, head, partitions
        self.done: dict[int, dict[str, Any]] = {}

    def load_previous(self, resume: bool, force: bool, note: Callable[[str], None]) -> None:
        if not self.path.exists():
            if resume:
                note("nothing to resume: starting from the beginning")
            return
        if not resume:
            if not force:
                raise InputError([Problem("already exists and is kept; give --force to replace the run in this "
                                          "folder (or --resume to finish it)", file=str(self.path))])
            return
        try:
            old = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            raise InputError([Problem("the manifest cannot be read; run without --resume to start again",
                                      file=str(self.path))]) from None
        changed = sorted(k for k in self.head if old.get(k) != self.head[k])
        if changed:
            raise InputError([Problem(f"cannot resume: {', '.join(changed)} changed since the interrupted run; run "
                                      "with --force to start again", file=str(self.path))])
        from .partitions import file_sha256

        folder = self.path.parent
        for entry in old.get("done", []):
            if (file_sha256(folder / entry["part"]) == entry["sha256"]
                    and file_sha256(folder / entry["errors_part"]) == entry["errors_sha256"]):
                self.done[entry["partition"]] = entry
        note(f"resuming: {len(self.done)} of {len(self.partitions)} partition(s) already complete")

    def record(self, entry: dict[str, Any]) -> None:
        self.done[entry["partition"]] = entry
        self.write()

    def write(self, counts: dict[str, Any] | None = None, timing: dict[str, Any] | None = None) -> None:
        data = {**self.head, "partitions": [p.to_dict() for p in self.partitions],
                "done": [self.done[i] for i in sorted(self.done)], "complete": counts is not None}
        if counts is not None:
            data["counts"] = counts
        if timing is not None:  # the cluster's start apart from the review and its rate (not in summary.json)
            data["timing"] = timing
        write_atomic(self.path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


@contextlib.contextmanager
def _connected(copts: ClusterOptions, note: Callable[[str], None]) -> Iterator[tuple[Any, int]]:
    """The client and the number of its workers; the cluster (a local one) closed at the end."""
    from distributed import Client, LocalCluster

    cluster = None
    if copts.cluster is not None:
        n, why = capped_jobs(local_workers(copts.cluster))
        if why:
            note(why.replace("--jobs", "--cluster local:").replace("worker(s)", "worker process(es)"))
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        try:
            client = Client(copts.scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as error:
            raise InputError([Problem(f"cannot reach the Dask scheduler {copts.scheduler}: {type(error).__name__}")]
                             ) from None
    try:
        yield client, max(1, len(client.scheduler_info().get("workers", {})))
    finally:
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def _previous_rows(path: Path) -> int | None:
    """The rows per partition of the run a ``--resume`` finishes (its manifest), when readable."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        rows = json.loads(path.read_bytes()).get("partition_rows")
        return rows if isinstance(rows, int) and not isinstance(rows, bool) and rows > 0 else None
    return None


def _plan(copts: ClusterOptions, source: Any, workers: int) -> tuple[list[Any], int]:
    """The partitions: ``--partition-rows`` when given, else those of the run being resumed, else sized to the
    input (at least two per worker)."""
    from .partitions import plan, plan_sized

    opts = copts.batch
    rows = copts.partition_rows or (_previous_rows(opts.out / MANIFEST) if opts.resume else None)
    if rows is not None:
        return plan(source, rows), rows
    return plan_sized(source, workers)


def run_cluster(copts: ClusterOptions, notes: Callable[[str], None] | None = None) -> BatchResult:
    """Plan the partitions, review them on the cluster, write the manifest and the summary. The cluster's
    start-up is timed apart from the review: the rate counts the review only (notes and ``manifest.json``)."""
    from ..rulepack.load import load_pack

    def note(text: str) -> None:
        if notes:
            notes(text)

    _need_dask()
    opts, out = copts.batch, copts.batch.out
    cross = CrossCheck.parse(opts.cross_check)
    if copts.cluster is not None:
        local_workers(copts.cluster)
    if opts.input == "-":
        raise InputError([Problem("a cluster run reads a file or a folder: standard input cannot be partitioned")])
    _check_out_dir(out, opts)
    with OutputLock(out / MANIFEST):
        pack = load_pack(opts.pack_dir)
        if (out / MANIFEST).exists() and not opts.resume and not opts.force:  # before a cluster starts
            _Manifest(out / MANIFEST, {}, []).load_previous(False, False, note)
        with open_source(opts.input, opts.max_bytes, opts.ignore_columns) as source:  # refused before a cluster
            began = time.monotonic()
            with _connected(copts, note) as (client, workers):
                timing = {"workers": workers, "start_seconds": round(time.monotonic() - began, 3)}
                note(f"the cluster: {workers} worker(s), started in {timing['start_seconds']:.1f} s (not counted "
                     "in the rate)")
                manifest, partitions = _planned(copts, pack, source, workers, note)
                todo = [p for p in partitions if p.index not in manifest.done]
                began = time.monotonic()
                if todo:
                    _review_on_cluster(client, copts, pack, manifest.head["input"], cross, todo, manifest, note)
        timing |= _rate(sum(p.rows for p in todo), time.monotonic() - began)
        note(f"reviewed {timing['rows']} rows in {timing['review_seconds']:.1f} s: {timing['rows_per_second']:.0f} "
             f"rows/s on {workers} worker(s); the cluster's start ({timing['start_seconds']:.1f} s) is apart")
        return _finish(out, manifest, partitions, pack, timing)


def _out_kind(opts: BatchOptions) -> str:
    """The parts' lines: full reports, or compact ones (``--report compact``; the words once, ``words.json``)."""
    return "compact" if opts.report == "compact" else "jsonl"


def _rate(rows: int, seconds: float) -> dict[str, Any]:
    return {"rows": rows, "review_seconds": round(seconds, 3), "rows_per_second": round(rows / max(seconds, 1e-9), 1)}


def _planned(copts: ClusterOptions, pack: Any, source: Any, workers: int,
             note: Callable[[str], None]) -> tuple[_Manifest, list[Any]]:
    """The input planned into partitions, and the manifest (a resumed run's finished partitions in it)."""
    opts, out = copts.batch, copts.batch.out
    fingerprint = source.fingerprint()
    partitions, rows = _plan(copts, source, workers)
    head = {"version": MANIFEST_VERSION, "input": fingerprint, "pack_sha256": pack.sha256,
            "partition_rows": rows, "cross_check": opts.cross_check, "format": _out_kind(opts),
            "max_bytes": opts.max_bytes, "ignore_columns": sorted(set(opts.ignore_columns))}
    manifest = _Manifest(out / MANIFEST, head, partitions)
    manifest.load_previous(opts.resume, opts.force, note)
    if opts.force and not opts.resume:
        (out / SUMMARY).unlink(missing_ok=True)
    todo = sum(p.index not in manifest.done for p in partitions)
    sized = "" if copts.partition_rows else f" (sized to the input: at least two per worker, {workers} worker(s))"
    note(f"{len(partitions)} partition(s) of up to {rows} rows{sized}; {todo} to review")
    return manifest, partitions


def _review_on_cluster(client: Any, copts: ClusterOptions, pack: Any, fingerprint: dict[str, Any], cross: CrossCheck,
                       todo: list[Any], manifest: _Manifest, note: Callable[[str], None]) -> None:
    from distributed import as_completed

    from . import partitions
    from .partitions import Job, pack_set_files, review_partition

    opts = copts.batch
    job = Job(str(Path(opts.input).resolve()), opts.max_bytes, fingerprint, pack.sha256,
              str(opts.out.resolve()), cross.every, opts.ignore_columns, _out_kind(opts))
    files, parts = pack_set_files(pack)
    plugin = partitions.DaskPackPlugin(files, pack.sha256, parts)
    client.register_plugin(plugin, name="cryoelig-pack")
    futures = [client.submit(review_partition, job, p, key=f"cryoelig-{pack.sha256[:12]}-{p.index:05d}",
                             retries=copts.retries, pure=False) for p in todo]
    step = max(1, len(todo) // 10)
    for n, future in enumerate(as_completed(futures), 1):
        try:
            entry = future.result()
        except InputError:
            raise
        except Exception as error:  # noqa: BLE001 - a task that failed after its retries
            raise InputError([Problem(f"a partition failed on the cluster after {copts.retries} retries "
                                      f"({type(error).__name__}: {str(error)[:200]}); run again with "
                                      "--resume to finish")]) from None
        manifest.record(entry)
        if n % step == 0 or n == len(todo):
            note(f"{n} of {len(todo)} partition(s) done")


def _finish(out: Path, manifest: _Manifest, partitions: list[Any], pack: Any, timing: dict[str, Any]) -> BatchResult:
    agg = Aggregate()
    for p in partitions:
        entry = manifest.done[p.index]
        if entry["rows_read"] != p.rows or entry["rows_read"] != entry["results"] + entry["errors"]:
            raise AssertionError(f"partition {p.index}: counts do not add up")  # pragma: no cover
        agg.merge(Aggregate(entry["aggregate"]))
    planned = sum(p.rows for p in partitions)
    if agg.rows != planned or agg.rows != agg.results + agg.errors:  # pragma: no cover
        raise AssertionError("count identity broken across partitions")
    summary = {**agg.to_dict(), "about": about(pack)}  # the notice and the pack, as every output
    write_atomic(out / SUMMARY, summary_json(summary).encode())
    if manifest.head.get("format") == "compact":
        write_atomic(words_path(out), words_json(pack))
    manifest.write(summary["counts"], timing)
    for stale in out.glob("part-*.tmp-*"):  # left by a killed worker: never counted
        with contextlib.suppress(OSError):
            stale.unlink()
    with contextlib.suppress(OSError):
        fd = os.open(out, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    return BatchResult(summary, out, out, timing)
