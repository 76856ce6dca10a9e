"""The batch review as a function of Arrow record batches: for Spark's ``mapInArrow`` and other engines.

Why: an engine that already partitions the registry (Spark, Ray, DuckDB's Arrow streams) can run the
same review without cryoelig's own run loop: each partition's record batches (case columns, dotted or
nested structs, as for ``batch cases.parquet``) go through the same decoding, validation, review and
serialization (``workers.process_chunk``) and come back as record batches of ``output_schema(pack)``: one row
per input row, a result (the typed columns of ``--out *.parquet`` and the report's JSON) or an error
(the JSON error record a batch writes to its error file, in ``error``). Nothing lost: rows out = rows in.

Row numbers in error records count the rows this call has seen (1, 2, ...): an engine's partitions
have no global row number; ``case_id`` (when it is safe to show) locates a row.
pyarrow comes with the ``[parquet]`` extra.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..inputs import Record
from ..inputs.cells import CellsDecoder
from ..inputs.csvrows import header_problems
from ..inputs.parquet import flat_columns
from .parquet_out import schema_of
from .workers import CrossCheck, process_chunk

#: Spark SQL's name of each Arrow type of the output (``spark_schema``).
SPARK_TYPES = {pa.string(): "string", pa.int32(): "int", pa.int64(): "bigint", pa.float64(): "double",
               pa.list_(pa.string()): "array<string>"}
LABEL = "<arrow>"
_packs: dict[str, Any] = {}


def _pack(pack_dir: str | None) -> Any:
    key = pack_dir or ""
    if key not in _packs:
        from ..rulepack.load import load_pack

        _packs[key] = load_pack(Path(pack_dir) if pack_dir else None)
    return _packs[key]


def output_schema(pack: Any) -> pa.Schema:
    """The output's columns: those of ``--out *.parquet`` for the pack (its scales' totals and bands
    included), then ``error``."""
    return pa.schema([*schema_of(pack), pa.field("error", pa.string())])


def spark_schema(pack_dir: str | None = None) -> str:
    """The output schema of a pack as Spark DDL, for ``df.mapInArrow(review_arrow, spark_schema())``."""
    return ", ".join(f"{f.name if f.name.isidentifier() else f'`{f.name}`'} {SPARK_TYPES[f.type]}"
                     for f in output_schema(_pack(pack_dir)))


def review_arrow(batches: Iterable[pa.RecordBatch], pack_dir: str | None = None,
                 cross_check: str = "all") -> Iterator[pa.RecordBatch]:
    """Reviewed rows for the record batches of one partition (results first, then errors, per batch).
    Raises InputError when a batch's columns are not the case columns (an identifying or unknown name)."""
    pack = _pack(pack_dir)
    results, schema = schema_of(pack), output_schema(pack)
    cross = CrossCheck.parse(cross_check)
    decoder: CellsDecoder | None = None
    seen = 0
    for batch in batches:
        columns = flat_columns(batch)
        names = tuple(columns)
        if decoder is None or decoder.columns != names:
            problems = header_problems(list(names), LABEL)
            if problems:
                raise InputError(problems)
            decoder = CellsDecoder(LABEL, names)
        cells = [columns[n].to_pylist() for n in names]
        records = []
        for values in zip(*cells, strict=True):
            seen += 1
            records.append(Record(seen, None, ("row", values)))
        if not records:
            continue
        result = process_chunk(decoder, LABEL, "parquet", records, pack, cross)
        if result.out:
            found = pa.ipc.read_record_batch(pa.py_buffer(result.out), results)
            yield pa.RecordBatch.from_arrays([*found.columns, pa.nulls(found.num_rows, pa.string())],
                                             schema=schema)
        if result.errors:
            yield _errors(result.errors.splitlines(), schema)


def _errors(lines: list[bytes], schema: pa.Schema) -> pa.RecordBatch:
    ids = [json.loads(line).get("case_id") for line in lines]
    n = len(lines)
    arrays = [pa.array(ids, pa.string())] + [pa.nulls(n, f.type) for f in list(schema)[1:-1]] + \
        [pa.array([line.decode() for line in lines], pa.string())]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


__all__ = ["SPARK_TYPES", "output_schema", "review_arrow", "spark_schema"]
