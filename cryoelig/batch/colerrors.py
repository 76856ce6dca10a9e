"""The error records of refused rows, built column-wise for the common case: one cell the model refuses.

Why: a registry export refuses a few rows in a hundred (a value out of range, not a listed value, a unit
slip, an ambiguous ``1,500``, an identifying-looking note), and taking each through the per-row path
(decode, the case model, the record) cost ~300 µs, most of a table run. Here a refused row whose other
cells the column-wise check vouches for (``colcheck``), whose case_id is valid and whose only doubtful
cell is a text, gets its record from the model itself, asked once per distinct (column, cell, site): the
row's decoder and ``parse_case`` run on a valid case_id, the site and that cell alone. A cell's validation does not read
the row's other cells (a model validator reading two cells runs only once both are valid), so the
problems are the row's; the record is written by ``workers.error_record``, the per-row path's own code,
so the bytes are the same. Every other refused row (two doubtful cells, a typed or over-long cell, a
case_id in doubt, a probe the model takes, a problem naming another field) takes the per-row path. The
cross-check compares its sampled rows' records with the per-row path's, byte for byte (``colrun``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..case.contract import parse_case
from ..errors import InputError, Problem
from ..inputs import Record, RecordError, Source
from ..reasoning.memo import Table
from .workers import error_record, record_file

Probe = Callable[[str, Any, Any], "list[Problem] | None"]
_CASE_ID = "0"  # a valid case_id for the question (the row's own is valid: its record shows it)
#: row index in the part -> (row, (its error record, reason, field))
Built = dict[int, tuple[int, tuple[bytes, str, Any]]]


class ColumnErrors:
    """The error records a source's refused rows get column-wise, with the model's answers kept per
    distinct (column, cell, site) for the whole run (bounded)."""

    def __init__(self, source: Source, pack: Any):
        self.source, self.pack = source, pack
        self.file = record_file(Record(0, None, None), source.label)
        self.line_after = 1 if source.kind == "csv" else None  # a CSV row's line: the header is line 1
        self.answers: Table = Table(4096)
        self.decoders: dict[tuple[str, ...], Any] = {}

    def build(self, raw: pa.Table, numbers: Any, checked: Any, refused: list[int]) -> tuple[Built, list[int]]:
        """(records built column-wise by row index, the refused row indices left for the per-row path)."""
        if not refused or not checked.cells or "site" not in raw.column_names:
            return {}, refused
        index = pa.array(refused, pa.int64())
        masks = {name: mask.take(index) for name, mask in checked.cells.items()}
        doubtful = pc.cast(masks[next(iter(masks))], pa.int8())
        for mask in list(masks.values())[1:]:
            doubtful = pc.add(doubtful, pc.cast(mask, pa.int8()))
        single = pc.and_(pc.equal(doubtful, 1), pc.invert(checked.other.take(index)))
        if "case_id" in masks:
            single = pc.and_(single, pc.invert(masks["case_id"]))
        built: Built = {}
        case_ids = checked.facts.column("case_id")
        for name, mask in masks.items():
            rows = pc.indices_nonzero(pc.and_(single, mask))
            if name == "case_id" or not len(rows):
                continue
            at = index.take(rows)
            self._column(name, raw, at.to_pylist(), numbers.take(at).to_pylist(),
                         case_ids.take(at).to_pylist(), built)
        return built, [i for i in refused if i not in built]

    def _column(self, name: str, raw: pa.Table, at: list[int], rows: list[int], case_ids: list[Any],
                built: Built) -> None:
        """The records of rows whose one doubtful cell is in column ``name`` (when the model says why)."""
        cells, sites = _texts(raw, name, at), _texts(raw, "site", at)
        for i, row, case_id, cell, site in zip(at, rows, case_ids, cells, sites, strict=True):
            key = (name, cell, site)
            problems = self.answers.get(key, False)
            if problems is False:
                problems = self.answers.keep(key, self._ask(name, cell, site))
            if problems:
                line = row + self.line_after if self.line_after is not None else None
                built[i] = (row, error_record(row, line, self.file, case_id, problems))

    def _ask(self, name: str, cell: Any, site: Any) -> list[Problem] | None:
        """The model's problems with the site and one cell, None unless every one names that cell's field."""
        columns = ("case_id", "site") if name == "site" else ("case_id", "site", name)
        values = (_CASE_ID, site) if name == "site" else (_CASE_ID, site, cell)
        try:
            parse_case(self._decode(columns, values), self.pack)
        except RecordError:
            return None  # the reader's own refusal: the per-row path writes it
        except InputError as error:
            problems = error.problems
            return problems if problems and all(p.field == name for p in problems) else None
        return None  # the model takes the cell: the row is not refused for it alone

    def _decode(self, columns: tuple[str, ...], values: tuple[Any, ...]) -> Any:
        """The cells as the source's own decoder makes them into the nested case form."""
        decoder = self.decoders.get(columns)
        if decoder is None:
            decoder = self.decoders[columns] = _decoder(self.source, columns)
        return decoder(values)


def _decoder(source: Source, columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], Any]:
    from ..inputs.cells import CellsDecoder
    from ..inputs.csvrows import CsvDecoder

    if source.kind == "csv":
        csv = CsvDecoder(source.label, columns, source.delimiter, source.limit)
        return lambda values: csv.to_data(list(values))
    cells = CellsDecoder(source.label, columns)
    return lambda values: cells(Record(0, None, ("row", values)))


def _texts(raw: pa.Table, name: str, at: list[int]) -> list[Any]:
    """A column's cells at some rows as Python values (a dictionary column decoded)."""
    col = raw.column(name).take(pa.array(at, pa.int64()))
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    return col.to_pylist()
