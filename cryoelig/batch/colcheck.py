"""Validation of a table of text cells, column-wise: the facts table, and the rows it cannot vouch for.

Why conservative: a row is decided column-wise only when every cell passes a check that accepts a
**subset** of what the case model accepts, with the same value; every other row takes today's
per-row path (``colread``), whose error record is today's byte for byte, or whose case (when the
model takes it after all) is decided by the same compiled pack. So the columns can refuse too much,
never too little: limits and identifier refusal stay the case model's. The patterns below are
supersets of ``case.identifiers`` (no look-arounds: RE2 has none; any non-ASCII text goes per row).

A dictionary column (Parquet's dictionary pages, the CSV reader's dictionary type) is checked once
per distinct cell text, the results taken back to the rows by the indices.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import TypeAdapter, ValidationError

from ..case.contract import CASE_ID_REGEX
from ..inputs.cells import SKIP, cell_value
from ..inputs.csvrows import EXTRA_COLUMNS
from ..reasoning.coltypes import base_type, model_fields
from ..reasoning.columns import TYPES, Plan, flag, points
from ..reasoning.memo import LastOne

#: Numbers the check reads as the grammar does: no sign (every range starts at 0 or above; a negative zero is
#: refused by the grammar), and no comma before exactly three digits (``1,500`` has two readings: per row).
NUMBER_TEXT = r"^[0-9]{1,15}(?:\.[0-9]{1,15}|,[0-9]{1,2}|,[0-9]{4,15})?$"
WHOLE_TEXT = r"^[0-9]{1,15}$"
_HINTS = (r"[^\x00-\x7f]", r"[@\x01]|://|(?i:www\.)|[0-9][-_./ ][0-9]|[0-9]{7}",
          r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_LABEL_HINTS = (r"^[0-9]{5}(?:[-_. ][0-9]{4})?$", r"[A-Z][a-z]+(?:[A-Z][a-z]+)?[-_. ]{1,2}[A-Z][a-z]")
VALUE_HINT = "|".join(f"(?:{h})" for h in _HINTS)
LABEL_HINT = "|".join(f"(?:{h})" for h in _HINTS + _LABEL_HINTS)
DISTINCT_KINDS = ("case_id", "notes")  # mostly distinct cells: checked cell by cell
ASCII_SPACE = " \t\n\r\x0b\x0c"  # a subset of what str.strip() removes
NONE_CELLS = ("none", "-")
MAX_NOTES = 2000
MAX_LIST_CELL = 1000  # characters: fewer than limits.MAX_LIST_ITEMS items, whatever the items
CONVERTED = ("tumor.size_mm", "labs.platelets_per_ul")  # round(x, 6) of a conversion: per row
_NULL = pa.scalar(None, pa.bool_())


@dataclass(frozen=True)
class InputField:
    name: str
    kind: str  # site | enum | bool | number | whole | list | case_id | notes | converted
    values: tuple[Any, ...] = ()
    ge: float | None = None
    le: float | None = None
    step: int | None = None


def _bounds(info: Any) -> tuple[float | None, float | None]:
    ge = le = None
    for m in info.metadata:
        ge = getattr(m, "ge", ge)
        le = getattr(m, "le", le)
    return ge, le


def input_fields(plan: Plan) -> dict[str, InputField]:
    """Every column a batch may have, with what a column-wise check needs: built once per plan (the last one
    asked)."""
    return _FIELDS.get(plan)


def _input_fields(plan: Plan) -> dict[str, InputField]:
    specs, infos = plan.case_fields, model_fields()
    out: dict[str, InputField] = {}
    for name in [*specs, *EXTRA_COLUMNS]:
        spec = specs.get(name, {})
        if name in out:
            continue
        if name in ("case_id", "notes"):
            out[name] = InputField(name, name)
        elif name in CONVERTED:
            out[name] = InputField(name, "converted")
        elif name == "site":
            out[name] = InputField(name, "site", tuple(plan.pack.site_ids))
        elif spec["type"] in ("enum", "list", "bool"):
            out[name] = InputField(name, spec["type"], tuple(spec["values"]))
        else:
            ge, le = _bounds(infos[name])
            whole = base_type(infos[name].annotation) is int
            out[name] = InputField(name, "whole" if whole else "number", (), ge, le, 10 if name == "kps" else None)
    return out


_FIELDS: LastOne[Plan, dict[str, InputField]] = LastOne(_input_fields)


def list_patterns(values: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """A list cell (lower-cased) the check takes: allowed values between ';' or ',' and ASCII spaces (an
    empty item is dropped, as csvrows does); and, per value, whether the cell names it."""
    ws, alt = f"[{ASCII_SPACE.encode('unicode_escape').decode()}]*", "|".join(re.escape(v) for v in values)
    item = f"(?:(?:{alt}){ws})?"
    return f"^{ws}{item}(?:[;,]{ws}{item})*$", {
        v: f"(?:^|[;,]){ws}{re.escape(v)}{ws}(?:$|[;,])" for v in values}


def _regex(col: Any, pattern: str) -> Any:
    return pc.fill_null(pc.match_substring_regex(col, pattern), False)


def _text_column(raw: pa.Table, name: str) -> Any:
    """A column as text (plain or dictionary), None when absent; a typed column is returned as it is."""
    if name not in raw.column_names:
        return None
    col = raw.column(name)
    if pa.types.is_dictionary(col.type):
        return col.unify_dictionaries().combine_chunks()
    return col.combine_chunks()


@dataclass
class Checked:
    """A table of text cells checked: the facts table, per column the cells the check cannot vouch for
    (``cells``), and the rows the per-row path must take for another reason (``other``: a typed cell, a
    missing site or case_id column, a cell over the reader's limit, a total its components cannot make)."""

    facts: pa.Table
    cells: dict[str, Any]  # a column none of whose cells is in doubt may be left out
    other: Any

    @property
    def bad(self) -> Any:
        """The rows the columns do not decide (a bool array; a null, which no check should give, counts as
        undecided: a row is never dropped)."""
        return pc.fill_null(reduce(pc.or_, [self.other, *self.cells.values()]), True)


def validate(plan: Plan, raw: pa.Table, cell_limit: int | None = None) -> tuple[pa.Table, Any]:
    """Text cells -> (facts table, rows the per-row path must take: a bool array). ``row`` is left 1..n
    (the caller numbers rows). ``cell_limit``: the longest cell the reader takes (CSV, before stripping)."""
    checked = check(plan, raw, cell_limit)
    return checked.facts, checked.bad


def check(plan: Plan, raw: pa.Table, cell_limit: int | None = None, numbers: Any = None) -> Checked:
    """Text cells -> the facts table and what the check cannot vouch for, cell by cell (``validate``);
    ``numbers``: the rows' numbers (1..n when not given)."""
    n, fields = raw.num_rows, input_fields(plan)
    cols: dict[str, Any] = {"row": pa.array(range(1, n + 1), pa.int64()) if numbers is None else numbers}
    wrongs: dict[str, Any] = {}
    others: list[Any] = [pa.repeat(False, n)]
    types = dict(plan.fact_columns())
    for name, spec in fields.items():
        col = _text_column(raw, name)
        text_type = None if col is None else (col.type.value_type if pa.types.is_dictionary(col.type) else col.type)
        if col is not None and not pa.types.is_string(text_type):
            others.append(pc.is_valid(col))  # typed cells (numbers, booleans in Parquet): per row
            col = None
        if col is None:
            if spec.kind in ("site", "case_id"):
                others.append(pc.is_valid(cols["row"]))
            for c in ([*(flag(name, v) for v in spec.values), name] if spec.kind == "list" else [name]):
                if c in types:
                    cols[c] = pa.nulls(n, TYPES[types[c]])
            continue
        if cell_limit is not None:  # the reader refuses a long cell with its own message: per row
            others.append(pc.fill_null(pc.greater(cell_bytes(col), cell_limit), False))
        if not pa.types.is_dictionary(col.type):  # a null cell: not given (a row without its id: per row)
            wrongs[name] = pc.fill_null(_cells(spec, name, col, cols), spec.kind in ("site", "case_id"))
            continue
        few: dict[str, Any] = {}  # once per distinct text, then to the rows
        wrong = _cells(spec, name, col.dictionary, few)
        for c, values in few.items():
            cols[c] = pc.take(values, col.indices)
        needed = spec.kind in ("site", "case_id")  # a null cell is not given: a row without these goes per row
        if pc.any(wrong).as_py() or needed and col.null_count:  # else no cell in doubt: no column
            wrongs[name] = pc.fill_null(pc.take(wrong, col.indices), needed)
    others += _conflicting_totals(plan, cols)
    facts = pa.table({c: cols[c] for c in plan.schema().names}, schema=plan.schema())
    return Checked(facts, wrongs, reduce(pc.or_, others))


def cell_bytes(col: Any) -> Any:
    """Bytes per cell (a dictionary's lengths taken to the rows)."""
    if pa.types.is_dictionary(col.type):
        return pc.take(pc.binary_length(col.dictionary), col.indices)
    return pc.binary_length(col)


def _conflicting_totals(plan: Plan, cols: dict[str, Any]) -> list[Any]:
    """A given total the given components cannot add up to: per row (its message is the model's)."""
    out = []
    for scale in plan.scores:
        total = cols[scale.total_field]
        if total.null_count == len(total):
            continue  # no total given: nothing to conflict with
        parts = [points(c, cols[c.field]) for c in scale.components]
        low = reduce(pc.add, [pc.coalesce(p, c.min_points) for p, c in zip(parts, scale.components, strict=True)])
        high = reduce(pc.add, [pc.coalesce(p, c.max_points) for p, c in zip(parts, scale.components, strict=True)])
        known = reduce(pc.or_, [pc.is_valid(p) for p in parts])
        out.append(pc.fill_null(pc.and_kleene(known, pc.or_kleene(pc.less(total, low), pc.greater(total, high))),
                                False))
    return out


def _choice(spec: InputField, name: str, text: Any, given: Any, cols: dict[str, Any]) -> Any:
    low = pc.ascii_lower(text)
    if spec.kind == "bool":
        cols[name] = value = pc.take(pa.array([True, True, False, False]),
                                     pc.index_in(low, value_set=pa.array(["true", "yes", "false", "no"])))
    else:
        members = pa.array(list(spec.values))
        cols[name] = value = pc.take(members, pc.index_in(low, value_set=members))
    return pc.is_null(value) if spec.kind == "site" else pc.and_(given, pc.is_null(value))


def _number(spec: InputField, name: str, text: Any, given: Any, cols: dict[str, Any]) -> Any:
    ok = _regex(text, NUMBER_TEXT if spec.kind == "number" else WHOLE_TEXT)
    shown = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    if spec.kind == "number":
        value = pc.cast(pc.replace_substring(shown, ",", "."), pa.float64())
    else:
        value = pc.cast(shown, pa.int64())
    cols[name] = value
    wrong = pc.and_(given, pc.invert(ok))
    for limit, cmp in ((spec.ge, pc.less), (spec.le, pc.greater)):
        if limit is not None:
            wrong = pc.or_(wrong, pc.fill_null(cmp(value, limit), False))
    if spec.step:
        stepped = pc.multiply(pc.divide(value, spec.step), spec.step)  # integer division
        wrong = pc.or_(wrong, pc.fill_null(pc.not_equal(stepped, value), False))
    return wrong


def _list(spec: InputField, name: str, text: Any, given: Any, cols: dict[str, Any]) -> Any:
    low = pc.ascii_lower(text)
    whole, items = list_patterns(spec.values)
    ok = pc.or_(pc.fill_null(pc.is_in(low, value_set=pa.array(list(NONE_CELLS))), False),
                pc.and_(_regex(low, whole), pc.less_equal(pc.utf8_length(text), MAX_LIST_CELL)))
    for v, pattern in items.items():
        cols[flag(name, v)] = pc.if_else(given, _regex(low, pattern), _NULL)
    distinct = pc.unique(text)
    order = pa.array([list_order(name, cell) for cell in distinct.to_pylist()], pa.string())
    cols[name] = pc.if_else(given, pc.take(order, pc.index_in(text, value_set=distinct)), pa.scalar(None, pa.string()))
    return pc.and_(given, pc.invert(ok))


@functools.cache
def _list_type(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model_fields()[name].annotation)


def list_order(name: str, cell: str | None) -> str | None:
    """A list cell's items as the case keeps them (split as the readers split, then the case model's own
    reading: letter case, duplicates), ``;``-joined; None when the model refuses it (that row goes per row)."""
    items = cell_value(cell, True) if cell is not None else SKIP
    if items is SKIP:
        return None
    try:
        return ";".join(_list_type(name).validate_python(items))
    except ValidationError:
        return None


def _cells(spec: InputField, name: str, col: Any, cols: dict[str, Any]) -> Any:
    """One column's cells: their fact columns into ``cols``; returns the rows it cannot vouch for."""
    text = pc.utf8_trim(col, ASCII_SPACE)
    given = pc.fill_null(pc.greater(pc.binary_length(text), 0), False)
    if spec.kind in ("site", "enum", "bool"):
        wrong = _choice(spec, name, text, given, cols)
    elif spec.kind in ("number", "whole"):
        wrong = _number(spec, name, text, given, cols)
    elif spec.kind == "list":
        wrong = _list(spec, name, text, given, cols)
    elif spec.kind == "case_id":
        cols[name] = text
        wrong = pc.or_(pc.invert(_regex(text, CASE_ID_REGEX)), _regex(text, LABEL_HINT))
    elif spec.kind == "notes":
        wrong = pc.and_kleene(given, pc.or_(pc.greater(pc.utf8_length(text), MAX_NOTES), _regex(text, VALUE_HINT)))
    else:  # a unit to convert: per row
        wrong = given
    return wrong


def dictionary_types(plan: Plan, columns: list[str]) -> dict[str, Any]:
    """The column types a reader gives: a dictionary of texts, but for the columns of mostly distinct cells."""
    return {c: pa.string() if c in DISTINCT_KINDS else pa.dictionary(pa.int32(), pa.string()) for c in columns}
