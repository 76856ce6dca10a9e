"""An input read into facts tables for the compiled pack: column-wise where it can, per row elsewhere.

Why two ways: column-wise reading and validation (``colcheck``) is 50 to 100 times cheaper than the
per-row path, but only some inputs are read column-wise with exactly today's cells: one Parquet file
(by row group), and a CSV file without quotes, NUL, CR, blank lines or ragged rows (``csv_fast``).
Any other input (JSONL, xlsx, folders, datasets, other CSV files) and every row the columns refuse
go through today's code (the source's records and decoder, ``workers._decode``, ``error_line``), so
their error records are today's byte for byte; a row the model takes after all becomes a facts row
decided by the same compiled pack. The cross-check's sampled rows are decoded per row as well: the
reference the columns are checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..inputs import Record, Source
from ..inputs.base import BOM
from ..inputs.csvrows import detect_delimiter, split_line
from ..reasoning.columns import Plan
from .colcheck import cell_bytes, check, dictionary_types
from .colerrors import Built, ColumnErrors
from .workers import _decode

PART_ROWS = 65_536  # rows per part: memory holds one part of facts and results
#: (row, its error record, reason, field) of a refused row
ErrorRow = tuple[int, tuple[bytes, str, Any]]
Sampled = Callable[[Any], Any]  # an int64 array of row numbers -> a bool array: rows the cross-check takes


@dataclass
class Part:
    """Some rows of the input: the facts of those decided, the error records of the others, the
    cross-check's sampled rows decoded per row (row -> Case, or None when the per-row path refuses it), and
    the rows the columns refused that the case model takes (row -> Case: their facts are per-row facts)."""

    facts: pa.Table
    errors: list[ErrorRow]
    rows: int
    sample: dict[int, Any] = field(default_factory=dict)
    decoded: dict[int, Any] = field(default_factory=dict)
    #: sampled rows whose error record was built column-wise (``colerrors``): row -> (that record, the per-row
    #: path's record, or None when the per-row path takes the row); the cross-check compares them
    recheck: dict[int, tuple[bytes, bytes | None]] = field(default_factory=dict)


class NotFast(Exception):
    """The input must be read per row."""


def parts(source: Source, plan: Plan, sampled: Sampled) -> Iterator[Part]:
    """The input's rows in parts, in row order."""
    built = ColumnErrors(source, plan.pack)
    if source.kind == "parquet" and not getattr(source, "is_folder", True):
        yield from _parquet(source, plan, sampled, built)
        return
    if source.kind == "csv":
        try:
            raw = _csv_table(source, plan)
        except NotFast:
            raw = None
        if raw is not None:
            for start in range(0, raw.num_rows, PART_ROWS):
                yield _csv_part(source, plan, raw.slice(start, PART_ROWS), start, sampled, built)
            return
    yield from _per_row(source, plan, sampled)


def _per_row(source: Source, plan: Plan, sampled: Sampled) -> Iterator[Part]:
    records: list[Record] = []
    for rec, _pos in source.records(source.start):
        if rec is not None:
            records.append(rec)
        if len(records) >= 4096:
            yield _decoded(source, plan, records, [], sampled, empty(plan))
            records = []
    if records:
        yield _decoded(source, plan, records, [], sampled, empty(plan))


def empty(plan: Plan) -> pa.Table:
    return plan.schema().empty_table()


def _decoded(source: Source, plan: Plan, records: list[Record], sample_records: list[Record], sampled: Sampled,
             facts: pa.Table, built: Built | None = None) -> Part:
    """Records through today's per-row path: error records, and facts rows for the cases the model takes
    (added to ``facts``); ``sample_records`` (rows the columns decided, or refused with a ``built`` record)
    are decoded for the cross-check."""
    slots, cases, rows = _decode(source.decoder(), source.label, records + sample_records, plan.pack)
    valid = dict(zip(rows, cases, strict=True))
    errors = [(rec.row, slot) for rec, slot in zip(records, slots[:len(records)], strict=True)
              if isinstance(slot[0], bytes)]
    recheck = {}
    if built:
        mine = dict(built.values())
        errors = sorted([*errors, *built.values()], key=lambda e: e[0])
        recheck = {rec.row: (mine[rec.row][0], slot[0] if isinstance(slot[0], bytes) else None)
                   for rec, slot in zip(sample_records, slots[len(records):], strict=True) if rec.row in mine}
    extra = [plan.facts_row(r.row, valid[r.row].case_id, valid[r.row].facts()) for r in records if r.row in valid]
    if extra:
        facts = pa.concat_tables([facts, pa.Table.from_pylist(extra, schema=plan.schema())]).sort_by("row")
    mask = sampled(pa.array([r.row for r in records], pa.int64())).to_pylist() if records else []
    sample = {r.row: valid.get(r.row) for r, take in zip(records, mask, strict=True) if take}
    sample.update({r.row: valid.get(r.row) for r in sample_records})
    return Part(facts, errors, len(records), sample, {r.row: valid[r.row] for r in records if r.row in valid},
                recheck)


def _decided(source: Source, plan: Plan, raw: pa.Table, numbers: pa.Array, records: Callable[[list[int]], list[Record]],
             sampled: Sampled, cell_limit: int | None, errors: ColumnErrors) -> Part:
    """A table of text cells validated column-wise; refused rows with a record built column-wise
    (``colerrors``), the other refused rows and the sampled rows through the per-row path. The columns
    ``--ignore-column`` drops are left out here; ``records`` gives whole rows (the decoder drops them)."""
    if source.ignore:
        raw = raw.select([i for i, c in enumerate(raw.column_names) if c not in source.ignore])
    checked = check(plan, raw, cell_limit, numbers)
    bad = checked.bad
    facts = checked.facts
    built, refused = errors.build(raw, numbers, checked, pc.indices_nonzero(bad).to_pylist())
    take = sampled(numbers)
    again = [i for i in pc.indices_nonzero(pc.and_(bad, take)).to_pylist() if i in built]
    decided = pc.indices_nonzero(pc.and_(pc.invert(bad), take)).to_pylist()
    return _decoded(source, plan, records(refused), records(sorted(decided + again)), sampled,
                    facts.filter(pc.invert(bad)), built)


def cells(raw: pa.Table, index: list[int]) -> list[tuple[Any, ...]]:
    """Some rows' cells as Python values, in column order (dictionary columns decoded first)."""
    if not index:
        return []
    taken = pa.array(index, pa.int64())
    out = []
    for col in raw.columns:
        part = col.take(taken)
        out.append((part.cast(part.type.value_type) if pa.types.is_dictionary(part.type) else part).to_pylist())
    return list(zip(*out, strict=True))


def _parquet(source: Any, plan: Plan, sampled: Sampled, errors: ColumnErrors) -> Iterator[Part]:
    """One Parquet file, a record batch at a time, text columns as dictionaries (its dictionary pages)."""
    import pyarrow.parquet as pq

    from ..inputs.parquet import flat_columns

    names = list(source.columns)
    text = [c for c, t in dictionary_types(plan, names).items() if pa.types.is_dictionary(t)]
    # pre_buffer (pyarrow's default) reads ahead the column chunks of every row group the iteration covers,
    # here the whole file: memory would grow with the input's size (issue 24: flat from 200,000 to 2,000,000 rows)
    reader = pq.ParquetFile(source.path, read_dictionary=[c for c in text if "." not in c], pre_buffer=False)
    first = 0
    for batch in _whole_parts(reader.iter_batches(batch_size=PART_ROWS, use_threads=False)):
        columns = flat_columns(batch)
        raw = pa.table({c: columns[c] for c in names})
        numbers = pa.array(range(first + 1, first + raw.num_rows + 1), pa.int64())

        def records(index: list[int], raw: pa.Table = raw, first: int = first) -> list[Record]:
            return [Record(first + i + 1, None, ("row", values)) for i, values in zip(index, cells(raw, index),
                                                                                       strict=True)]
        yield _decided(source, plan, raw, numbers, records, sampled, None, errors)
        first += raw.num_rows


def _whole_parts(batches: Iterator[Any]) -> Iterator[Any]:
    """Record batches (at most a row group each) joined into batches of about PART_ROWS rows: each part
    costs a fixed overhead (validation per distinct text, the compiled pack's call)."""
    held: list[Any] = []
    rows = 0
    for batch in batches:
        held.append(batch)
        rows += batch.num_rows
        if rows >= PART_ROWS:
            yield pa.Table.from_batches(held).combine_chunks().to_batches()[0]
            held, rows = [], 0
    if held and rows:
        yield pa.Table.from_batches(held).combine_chunks().to_batches()[0]


def csv_fast(path: str) -> tuple[list[str], str, bytes]:
    """(header, delimiter, the bytes after the BOM) of a CSV file the column-wise reader reads with the cells
    ``csvrows`` gives: no quote, NUL, CR or empty line, no empty column at the header's end, and every line
    with the header's number of cells. Else ``NotFast``."""
    with open(path, "rb") as f:
        data = f.read().removeprefix(BOM)
    for bad in (b'"', b"\0", b"\r", b"\n\n"):
        if bad in data:
            raise NotFast
    end = data.find(b"\n")
    if end <= 0:
        raise NotFast
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError:
        raise NotFast from None
    delimiter = detect_delimiter(text)
    header_cells = split_line(text, delimiter)
    if header_cells is None or not header_cells[-1].strip():
        raise NotFast
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if data.count(delimiter.encode()) != lines * (len(header_cells) - 1):
        raise NotFast
    return [c.strip() for c in header_cells], delimiter, data


def _csv_table(source: Any, plan: Plan) -> pa.Table:
    import pyarrow.csv as pacsv

    header, delimiter, data = csv_fast(source.path)
    if header != list(source.header) or delimiter != source.delimiter or source.start.line != 1:
        raise NotFast
    try:
        raw = pacsv.read_csv(
            pa.py_buffer(data[data.find(b"\n") + 1:]),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=header, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dictionary_types(plan, header),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):  # a ragged row, bytes that are not UTF-8
        raise NotFast from None
    if _has_blank_rows(raw, delimiter):
        raise NotFast  # a line of spaces, tabs and delimiters is not a row: today's reader numbers the rest
    return raw


def _has_blank_rows(raw: pa.Table, delimiter: str) -> bool:
    if raw.num_rows == 0 or "case_id" not in raw.column_names:
        return raw.num_rows > 0
    first = pc.utf8_trim(raw.column("case_id"), " \t")
    candidates = pc.indices_nonzero(pc.equal(pc.binary_length(first), 0)).to_pylist()
    return any(all(not str(v or "").strip(" \t" + delimiter) for v in row) for row in cells(raw, candidates))


def _csv_part(source: Any, plan: Plan, raw: pa.Table, start: int, sampled: Sampled, errors: ColumnErrors) -> Part:
    """Rows ``start``.. of a fast CSV: row i (from 0) is row i + 1, on line i + 2 (line 1: the header)."""
    from ..case.limits import MAX_STRING_CHARS

    numbers = pa.array(range(start + 1, start + raw.num_rows + 1), pa.int64())
    delimiter, limit = source.delimiter, source.limit

    def records(index: list[int]) -> list[Record]:
        out = []
        for i, values in zip(index, cells(raw, index), strict=True):
            line = delimiter.join(values).encode()
            out.append(Record(start + i + 1, start + i + 2, line if len(line) <= limit else None, len(line)))
        return out

    lengths = [cell_bytes(c.combine_chunks()) for c in raw.columns]
    size = pc.add(_sum(lengths), len(raw.columns) - 1)
    part = _decided(source, plan, raw, numbers, records, sampled, MAX_STRING_CHARS, errors)
    too_long = pc.indices_nonzero(pc.greater(size, limit)).to_pylist()
    if too_long:  # a line over --max-bytes: per row (today's error record)
        return _with_long_lines(source, plan, part, records(too_long))
    return part


def _sum(arrays: list[Any]) -> Any:
    out = pc.cast(arrays[0], pa.int64())
    for a in arrays[1:]:
        out = pc.add(out, pc.cast(a, pa.int64()))
    return out


def _with_long_lines(source: Source, plan: Plan, part: Part, records: list[Record]) -> Part:
    """Rows whose line is longer than the limit: out of the facts, their error records in."""
    rows = pa.array([r.row for r in records], pa.int64())
    facts = part.facts.filter(pc.invert(pc.is_in(part.facts.column("row"), value_set=rows)))
    redone = _decoded(source, plan, records, [], lambda a: pc.equal(a, -1), empty(plan))
    long_rows = {r.row for r in records}  # their record is the per-row path's (a column-wise one is dropped)
    errors = sorted([*[e for e in part.errors if e[0] not in long_rows], *redone.errors], key=lambda e: e[0])
    sample = {r: c for r, c in part.sample.items() if r not in long_rows}
    recheck = {r: c for r, c in part.recheck.items() if r not in long_rows}
    decoded = {r: c for r, c in part.decoded.items() if r not in long_rows}
    return Part(facts, errors, part.rows, sample, decoded, recheck)
