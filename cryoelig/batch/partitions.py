"""Partitions of a batch input, and the review of one partition into its part files.

Why partitions are ranges of the reader's own positions: a partition starts where the previous one
ended (a byte offset at a line start for CSV and JSONL, a row-group boundary for Parquet, a sheet
row for xlsx, a file index for a folder), and holds a fixed number of data rows, so each partition
knows the row and line numbers it starts at. Its error records then carry the same numbers as in
a one-machine run, and the parts concatenated in partition order are byte for byte that run's
output. Parquet partitions come from the footers (no scan; a row group larger than a partition is cut,
the reader skipping to the partition's first row); other inputs are scanned once by the client (records
are split into lines, not decoded). Unless ``--partition-rows`` is given, a partition is sized to the
input (``plan_sized``): at least two per worker, so that a 50,000-row input is not one task on one worker.

:func:`review_partition` is what a cluster worker runs: open the input, check it is the file the
client planned on (fingerprint), review its rows chunk by chunk with :func:`workers.process_chunk`
(the function every batch uses), write the part under a temporary name and rename it when
complete (a retried partition is written whole or not at all). The pack comes from
:class:`PackPlugin`: its files shipped once per worker, loaded, and checked against the client's
sha256.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..inputs import Position, Record, Source, open_source
from .aggregate import Aggregate
from .options import DEFAULT_CHUNK_ROWS
from .run import chunks
from .workers import GC_THRESHOLD, CrossCheck, process_chunk


@dataclass(frozen=True)
class Partition:
    index: int
    start: Position
    end: Position
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"partition": self.index, "start": asdict(self.start), "end": asdict(self.end), "rows": self.rows}


def plan(source: Source, rows_per: int) -> list[Partition]:
    """The input's partitions of about ``rows_per`` data rows each, in input order."""
    groups = getattr(source, "groups", None)
    if groups is not None:  # Parquet: whole row groups, from the footers
        return _plan_groups(groups, rows_per)
    out: list[Partition] = []
    start = pos = source.start
    rows = 0
    for rec, pos in source.records(source.start):
        if rec is None:
            continue
        rows += 1
        if rows == rows_per:
            out.append(Partition(len(out), start, pos, rows))
            start, rows = pos, 0
    if rows or not out:
        out.append(Partition(len(out), start, pos, rows))
    return out


#: The most rows in a partition sized to the input (an explicit ``--partition-rows`` may give more).
MAX_PARTITION_ROWS = 50_000
#: The rows of the first plan of an input whose rows are counted by scanning (CSV, JSONL, xlsx, folders).
FINE_ROWS = 1_000


def sized_rows(total: int, workers: int) -> int:
    """Rows per partition for ``total`` rows on ``workers`` workers: at least two partitions per worker (a
    partition is one task), and none over MAX_PARTITION_ROWS rows."""
    return max(1, min(MAX_PARTITION_ROWS, -(-total // (2 * max(1, workers)))))


def plan_sized(source: Source, workers: int) -> tuple[list[Partition], int]:
    """The partitions of ``plan(source, sized_rows(rows, workers))`` and that number of rows. A Parquet input
    counts its rows from the footers; another is scanned once in partitions of FINE_ROWS, which are then
    joined (the same cuts as planning with a multiple of FINE_ROWS), or scanned again when it is small."""
    if getattr(source, "groups", None) is not None:
        rows_per = sized_rows(source.total or 0, workers)
        return plan(source, rows_per), rows_per
    fine = plan(source, FINE_ROWS)
    rows_per = sized_rows(sum(p.rows for p in fine), workers)
    if rows_per < 4 * FINE_ROWS:
        return plan(source, rows_per), rows_per
    k = rows_per // FINE_ROWS
    joined = [fine[i:i + k] for i in range(0, len(fine), k)]
    return [Partition(n, g[0].start, g[-1].end, sum(p.rows for p in g)) for n, g in enumerate(joined)], k * FINE_ROWS


def _pieces(groups: list[tuple[int, int, int, int]], rows_per: int) -> Iterator[tuple[int, int]]:
    """(rows, first row) of each row group, a group of more than ``rows_per`` rows cut into pieces of that
    many rows (a partition may start inside a row group: the reader skips to its first row)."""
    for _file, _group, n, group_first in groups:
        for at in range(0, n, rows_per) if n > rows_per else (0,):
            yield min(rows_per, n - at) if n > rows_per else n, group_first + at


def _plan_groups(groups: list[tuple[int, int, int, int]], rows_per: int) -> list[Partition]:
    out: list[Partition] = []
    first = rows = 0
    for n, group_first in _pieces(groups, rows_per):
        rows += n
        if rows >= rows_per:
            end = group_first + n
            out.append(Partition(len(out), Position(first, 0, first), Position(end, 0, end), rows))
            first, rows = end, 0
    if rows or not out:
        end = first + rows
        out.append(Partition(len(out), Position(first, 0, first), Position(end, 0, end), rows))
    return out


def _take(records: Iterator[tuple[Record | None, Position]], rows: int) -> Iterator[tuple[Record | None, Position]]:
    """The records of one partition: up to its last data row (blank lines after it belong to the next)."""
    if rows == 0:
        return
    seen = 0
    for rec, pos in records:
        yield rec, pos
        if rec is not None:
            seen += 1
            if seen == rows:
                return


# ---------------------------------------------------------------- on a worker

_packs: dict[str, Any] = {}
_folders: dict[str, Path] = {}  # the folder each shipped pack (or set) was written to

class PackPlugin:
    """What the Dask worker plugin does (``DaskPackPlugin``): the pack's files, written to a folder of the
    worker and loaded once; a pack whose sha256 is not the client's is refused (the worker never reviews
    with other rules)."""

    name = "cryoelig-pack"

    def __init__(self, files: dict[str, bytes], sha256: str, parts: tuple[str, ...] = ("",)):
        # parts: each pack of a set loaded together, as its folder among the files ("" the top folder)
        self.files, self.sha256, self.parts = files, sha256, parts

    def setup(self, worker: Any = None) -> None:
        from ..reasoning.engine import engine_for
        from ..rulepack.load import load_pack

        folder = Path(tempfile.mkdtemp(prefix="cryoelig-pack-"))
        for name, data in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        folders = [folder / part if part else folder for part in self.parts]
        pack = load_pack(folders if len(folders) > 1 else folders[0])
        _folders[self.sha256] = folder
        if pack.sha256 != self.sha256:
            raise RuntimeError(f"the pack shipped to this worker has sha256 {pack.sha256}, not {self.sha256}")
        engine_for(pack)
        gc.set_threshold(*GC_THRESHOLD)
        _packs[self.sha256] = pack

    def teardown(self, worker: Any = None) -> None:
        _packs.pop(self.sha256, None)
        folder = _folders.pop(self.sha256, None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def __getattr__(name: str) -> Any:
    """``DaskPackPlugin``, made on first use: Dask accepts only subclasses of its ``WorkerPlugin``, and
    importing ``distributed`` (which loads click) when this module loads would put it in every library
    import. A worker unpickling the plug-in looks the class up here by name and gets the same class."""
    if name == "DaskPackPlugin":
        from distributed.diagnostics.plugin import WorkerPlugin

        cls = type("DaskPackPlugin", (PackPlugin, WorkerPlugin), {"__module__": __name__})
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def pack_files(directory: Path) -> dict[str, bytes]:
    """Every file of a pack folder by relative path (what a worker needs to load the same pack)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def pack_set_files(pack: Any) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The files of a pack or of a set of packs loaded together (the source pack and the published scales),
    and each pack's folder among them: packs inside the first one's folder (the default set) keep their
    places; others are shipped each in a folder of its own."""
    base = Path(pack.directory).resolve()
    try:
        relative = [Path(p.directory).resolve().relative_to(base) for p in pack.parts]
        return pack_files(base), tuple("" if r == Path(".") else r.as_posix() for r in relative)
    except ValueError:  # a pack outside the first one's folder
        files: dict[str, bytes] = {}
        for i, part in enumerate(pack.parts):
            files.update({f"pack-{i}/{name}": data for name, data in pack_files(Path(part.directory)).items()})
        return files, tuple(f"pack-{i}" for i in range(len(pack.parts)))


def part_names(index: int) -> tuple[str, str]:
    return f"part-{index:05d}.jsonl", f"part-{index:05d}.errors.jsonl"


@dataclass(frozen=True)
class Job:
    """What a worker needs for one partition (picklable)."""

    input: str
    max_bytes: int
    fingerprint: dict[str, Any]
    pack_sha256: str
    out_dir: str
    cross_every: int = 1
    ignore_columns: tuple[str, ...] = ()
    out_kind: str = "jsonl"  # or "compact": the parts' lines are compact reports (schema v2)


def review_partition(job: Job, part: Partition) -> dict[str, Any]:
    """Review one partition into ``part-NNNNN.jsonl`` and ``part-NNNNN.errors.jsonl`` in the output
    folder; returns its manifest entry (counts, sha256 of both parts, the partition's aggregate)."""
    pack = _packs.get(job.pack_sha256)
    if pack is None:
        raise RuntimeError("this worker has no pack with the run's sha256 (the pack plug-in did not run)")
    names = part_names(part.index)
    out_dir = Path(job.out_dir)
    temps = [out_dir / f"{n}.tmp-{os.getpid()}-{os.urandom(4).hex()}" for n in names]
    agg = Aggregate()
    digests = [hashlib.sha256(), hashlib.sha256()]
    with open_source(job.input, job.max_bytes, job.ignore_columns) as source:
        if source.fingerprint() != job.fingerprint:
            raise InputError([Problem("the input changed since the run was planned", file=job.input)])
        decoder, label = source.decoder(), source.label
        try:
            with open(temps[0], "wb") as out, open(temps[1], "wb") as err:
                records = _take(source.records(part.start), part.rows)
                for chunk, _pos in chunks(records, DEFAULT_CHUNK_ROWS, part.start):
                    result = process_chunk(decoder, label, job.out_kind, chunk, pack, CrossCheck(job.cross_every))
                    for data, f, digest in ((result.out, out, digests[0]), (result.errors, err, digests[1])):
                        f.write(data)
                        digest.update(data)
                    agg.merge(Aggregate(result.aggregate))
                for f in (out, err):
                    f.flush()
                    os.fsync(f.fileno())
            if agg.rows != part.rows:
                raise RuntimeError(f"partition {part.index}: {agg.rows} rows read, {part.rows} planned")
            os.replace(temps[1], out_dir / names[1])
            os.replace(temps[0], out_dir / names[0])
        finally:
            for temp in temps:
                with contextlib.suppress(OSError):
                    temp.unlink()
    return {**part.to_dict(), "rows_read": agg.rows, "results": agg.results, "errors": agg.errors,
            "part": names[0], "sha256": digests[0].hexdigest(), "errors_part": names[1],
            "errors_sha256": digests[1].hexdigest(), "aggregate": agg.to_dict()}


def file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
