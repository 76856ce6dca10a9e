"""Parquet results (``--out results.parquet``): one row per case, typed, with its full report.

Columns: the CSV result columns, typed (counts as int32, ``factors`` and ``missing_fields`` as
lists of strings, a total and a band column per published scale of the pack, typed as the analysis table
types them), and ``report``, the report's JSON (what a ``.jsonl`` line holds). The pack's
name, version and sha256 are in the file's key-value metadata, so a file says which rules made it.

Why the run writes Arrow IPC record batches first: a Parquet file is readable only once its footer
is written, so a killed run would leave nothing to resume. Each chunk's rows are one encapsulated
IPC message appended to the partial file (byte offsets checkpointed as for JSONL); ``finish`` then
streams the messages into row groups of ``ROW_GROUP_ROWS`` rows, each made one contiguous array per
column before it is written (pages are cut where the writer's input chunks end, so without this the
bytes would depend on chunk sizes or on where a run was resumed), holding one row group at a time.
Deterministic: the same rows give the same bytes (pyarrow writes no time stamp; ``created_by``
names the pyarrow version, so byte identity holds for one installation).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..reasoning.coltypes import scale_columns
from ..reasoning.columns import TYPES
from .about import NOTICE
from .outfiles import open_partial
from .outputs import Row

ROW_GROUP_ROWS = 2048
#: The columns before the scales' (the CSV result columns, typed) and the report's JSON after them.
FIXED = [
    ("case_id", pa.string()), ("site", pa.string()), ("documented_factor", pa.int32()), ("caution", pa.int32()),
    ("background", pa.int32()), ("missing", pa.int32()), ("factors", pa.list_(pa.string())),
    ("missing_fields", pa.list_(pa.string())),
]
REPORT = ("report", pa.string())


def schema_of(pack: Any) -> pa.Schema:
    """The results' columns for a pack: the fixed ones, a total and a band column per published scale
    (``reasoning.coltypes.scale_columns``: the CSV results' names, the analysis table's types), the report."""
    return pa.schema([*FIXED, *((n, TYPES[t]) for n, t in scale_columns(pack)), REPORT])


def encode(rows: list[Row], pack: Any) -> bytes:
    """A chunk's rows as one encapsulated Arrow IPC record batch (schema not included)."""
    schema = schema_of(pack)
    columns = list(zip(*[(s.case_id, s.site, s.supporting, s.caution, s.context, s.missing, list(s.factors),
                          list(s.missing_fields), *s.scales) for s, _ in rows], strict=True))
    arrays = [pa.array(c, type=kind) for c, (_, kind) in zip(columns[:len(FIXED)], FIXED, strict=True)]
    arrays += [_scale(cells, f.type) for cells, f in zip(columns[len(FIXED):], list(schema)[len(FIXED):-1],
                                                         strict=True)]
    # the reports' JSON bytes as one binary array, cast (UTF-8 checked in C): building it from decoded texts
    # cost ~60 µs of a row's ~330 (a 20 kB report)
    arrays.append(pa.array([line for _, line in rows], pa.binary()).cast(pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema).serialize().to_pybytes()


def _scale(cells: tuple[str, ...], kind: pa.DataType) -> pa.Array:
    """A scale's column from its CSV cells (``serialize.scale_cells``): empty is null, a total the report's
    number as its JSON wrote it, parsed by Arrow (a column at a time: a parse per cell cost ~3% of a row)."""
    text = pa.array([c or None for c in cells], pa.string())
    return text if kind == pa.string() else text.cast(kind)


def batches(path: Path, schema: pa.Schema) -> Any:
    """The record batches of a partial file, in order."""
    with pa.OSFile(str(path), "rb") as f:
        reader = pa.ipc.MessageReader.open_stream(f)
        while True:
            try:
                message = reader.read_next_message()
            except StopIteration:
                return
            yield pa.ipc.read_record_batch(message, schema)


def metadata(pack: Any) -> dict[bytes, bytes]:
    """The pack identity and the non-diagnostic notice (``batch/about.py``) as key-value metadata."""
    return {b"cryoelig.pack.name": pack.name.encode(), b"cryoelig.pack.version": pack.version.encode(),
            b"cryoelig.pack.sha256": pack.sha256.encode(), b"cryoelig.notice": NOTICE.encode()}


def write_parquet(source: Any, sink: Any, pack: Any) -> None:
    """Record batches into a Parquet file (a path or a binary file object), ``ROW_GROUP_ROWS`` rows per
    row group (the last may be shorter)."""
    plain = schema_of(pack)
    schema = plain.with_metadata(metadata(pack))
    pending: list[pa.RecordBatch] = []
    held = 0
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for batch in source:
            pending.append(batch)
            held += batch.num_rows
            while held >= ROW_GROUP_ROWS:
                table = pa.Table.from_batches(pending, schema=plain)
                writer.write_table(table.slice(0, ROW_GROUP_ROWS).combine_chunks(), row_group_size=ROW_GROUP_ROWS)
                rest = table.slice(ROW_GROUP_ROWS)
                pending, held = rest.to_batches(), rest.num_rows
        if held:
            writer.write_table(pa.Table.from_batches(pending, schema=plain).combine_chunks(),
                               row_group_size=ROW_GROUP_ROWS)


def finish(partial: Path, final: Path, errors_partial: Path, summary: dict[str, Any], pack: Any) -> Path:
    """The Parquet file made from the partial, under a temporary name next to ``final``."""
    temp = final.with_name(final.name + ".partial.parquet")
    with os.fdopen(open_partial(temp, truncate=True), "wb") as sink:
        write_parquet(batches(partial, schema_of(pack)), sink, pack)
        sink.flush()
        os.fsync(sink.fileno())
    return temp


__all__ = ["FIXED", "REPORT", "ROW_GROUP_ROWS", "batches", "encode", "finish", "metadata", "schema_of", "write_parquet"]
