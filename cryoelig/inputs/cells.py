"""Typed cells (Parquet, xlsx) to the nested case form, under the same grammar as CSV cells.

Why one module: a Parquet column or a spreadsheet cell may already be a number, a yes/no, a list
or a date, where a CSV cell is always text. Text goes through exactly the CSV rules (stripped,
empty is unknown, list cells split at ``;`` or ``,``, ``none``/``-`` is an empty list); typed
values pass as they are and the case model applies the one grammar (cryoelig.case.grammar) to them.
A typed number is read by its value, since a binary cell holds no notation: a double column holds 7 as
7.0 (pandas writes an integer column with gaps as doubles; xlsx stores every number as a double), so a
whole double in a whole-number column is that whole number; a fraction there is refused by the grammar,
as is a signed zero. A missing value (null, an empty cell, a NaN float as data frames write missing numbers) is
unknown. A date or time is refused as identifying (a de-identified case holds no dates), and a
value of another type (bytes, a mapping) is unreadable; both name the column (a schema field name),
never the value.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..case.contract import case_fields
from ..case.measures import MEASURES
from ..errors import Problem
from .base import Record, RecordError, unreadable
from .csvrows import NONE_CELLS

_SPLIT = re.compile(r"[;,]")


class _Skip:
    """An unknown value: the field is left out of the case."""


SKIP = _Skip()


def _text(cell: str, is_list: bool) -> Any:
    cell = cell.strip()
    if not cell:
        return SKIP
    if is_list:
        return [] if cell.lower() in NONE_CELLS else [v.strip() for v in _SPLIT.split(cell) if v.strip()]
    return cell


def _number(value: float, whole: bool) -> Any:
    """A typed number: NaN (a data frame's gap) is unknown; a whole double in a whole-number column is that
    whole number (a signed zero stays a float, for the grammar to refuse)."""
    if math.isnan(value):
        return SKIP
    return int(value) if whole and value.is_integer() and math.copysign(1.0, value) > 0 else value


def cell_value(value: Any, is_list: bool, whole: bool = False) -> Any:
    """The value a field gets from one typed cell, SKIP when unknown; raises ValueError (unreadable) or
    LookupError (identifying: a date) with a message that holds no value."""
    kind = type(value)
    if value is None:
        return SKIP
    if kind is str:
        return _text(value, is_list)
    if kind is bool or kind is int:
        return value
    if kind is float:
        return _number(value, whole)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise LookupError("a date or time (not shown): identifying data is refused")
    if isinstance(value, decimal.Decimal):
        return _number(float(value), whole) if value.is_finite() else SKIP
    if isinstance(value, list | tuple) and is_list:
        items = []
        for item in value:
            if item is None:
                continue
            if type(item) is not str:
                raise ValueError("a list item that is not text")
            if item.strip():
                items.append(item.strip())
        return items
    raise ValueError("a value of a type this column does not take")


def to_case_data(paths: Sequence[tuple[str, ...]], lists: Sequence[bool], columns: Sequence[str],
                 values: Sequence[Any], file: str, rec: Record, wholes: Sequence[bool] | None = None) -> dict[str, Any]:
    """One row's typed cells as the nested case form; a cell that cannot be used is a RecordError
    naming its column (reason ``identifier`` for a date, ``unreadable`` otherwise). ``wholes``: which
    columns are whole-number fields."""
    data: dict[str, Any] = {}
    wholes = wholes if wholes is not None else [False] * len(columns)
    for path, is_list, whole, column, value in zip(paths, lists, wholes, columns, values, strict=True):
        try:
            value = cell_value(value, is_list, whole)
        except LookupError as error:
            raise RecordError([Problem(str(error), file=file, row=rec.row, line=rec.line, field=column,
                                       reason="identifier")]) from None
        except ValueError as error:
            raise RecordError([Problem(f"cannot read the cell: {error}", file=file, row=rec.row, line=rec.line,
                                       field=column, reason="unreadable")]) from None
        if value is SKIP:
            continue
        target = data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return data


@dataclass
class CellsDecoder:
    """A record of typed cells (``("row", values in column order)``, or ``("unreadable", message)`` for
    rows a reader could not read) -> the nested case form; picklable for the workers. Used by the
    Parquet and xlsx readers and by ``batch.arrow``."""

    label: str
    columns: tuple[str, ...]
    paths: tuple[tuple[str, ...], ...] = field(init=False)
    lists: tuple[bool, ...] = field(init=False)
    wholes: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        fields = case_fields()
        self.paths = tuple(tuple(c.split(".")) for c in self.columns)
        self.lists = tuple(fields.get(c, {}).get("type") == "list" for c in self.columns)
        self.wholes = tuple(c in MEASURES and MEASURES[c].whole for c in self.columns)

    def __call__(self, rec: Record) -> Any:
        kind, body = rec.payload
        if kind == "unreadable":
            raise unreadable(body, self.label, rec)
        return to_case_data(self.paths, self.lists, self.columns, body, self.label, rec, self.wholes)
