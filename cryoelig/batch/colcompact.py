"""Compact report lines (schema version 2) built column-wise from the pack compiled to columns.

Why: a compact line is ids and values, and most of its parts repeat across rows: a rule's deciding clauses
are the same for every row with the same clause results, a fact's text the same for every row with the same
value, a scale's item the same for every row with the same values of that scale. So each part is made once
per distinct key, by the code that makes it for one case (``coldeciders`` replays a rule's key through the
evaluator; ``projection``'s order of missing information; ``compact_of`` on one representative row for a
scale's item), kept, and taken to the rows; the line is the parts
joined with Arrow's string kernels. A value is written by pydantic's own JSON (the compact model's
serializer), never by Arrow's casts.

Rows decoded per row anyway (refused by the columns, accepted by the case model) get the per-row line, made
from their case. ``reference_line`` is that line: the cross-check compares it with the emitted one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic_core import to_json

from ..reasoning.coldeciders import Decided, rule_keys
from ..reasoning.columns import Plan
from ..reasoning.evaluation import evaluate
from ..reasoning.memo import Table
from ..report.compact import compact_of
from ..report.projection import report_memo

Env = dict[str, Any]
_EMPTY = pa.scalar("", pa.string())
#: A compact line keeps only a row's readings of its raw input as notes (``Case.reading_notes``: a number whose
#: comma the field's range read, a size in mm, a platelet count per uL); the columns send every such cell per
#: row (``colcheck``: ``CONVERTED``, a comma before three digits), so a row they decide has none. The
#: cross-check compares the sampled rows' lines with the per-row ones, notes included.
NO_NOTES = pa.scalar("", pa.string())
#: rows per slice of a part: the lines of a slice stay in the processor's caches while they are joined
SLICE_ROWS = 8192


def reference_line(case: Any, trace: Any) -> bytes:
    """The compact line of a reviewed case, as the per-row path writes it."""
    return compact_of(case, trace).model_dump_json().encode() + b"\n"


class _Standin:
    """A row's id and site as ``compact_of`` reads a case (a row the columns decide has no reading notes)."""

    def __init__(self, case_id: str, site: str):
        self.case_id, self.site = case_id, site

    def reading_notes(self) -> list[str]:
        return []


def facts_of(plan: Plan, row: dict[str, Any]) -> dict[str, Any]:
    """One row of the facts table as the case's facts (``Case.facts()``: lists as tuples in the given order)."""
    out: dict[str, Any] = {}
    for name, kind in plan.kinds.items():
        value = row.get(name)
        if value is None:
            continue
        out[name] = (tuple(value.split(";")) if value else ()) if kind == "list" else value
    return out


def _join(parts: list[Any]) -> Any:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def _listed(fragments: list[Any], n: int) -> Any:
    """Fragments each ending in a comma, joined, the last comma cut: a JSON list's inside."""
    if not fragments:
        return pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())
    return pc.utf8_slice_codeunits(_join(fragments), 0, -1)


def _taken(values: list[str], index: Any) -> Any:
    return pc.take(pa.array(values, pa.string()), index)


def groups(columns: list[Any], n: int) -> tuple[Any, list[int]]:
    """Rows with the same values in ``columns`` (nulls equal): a group number per row (int64), and the first
    row of each group, by group number."""
    code: Any = None
    size = 1
    for col in columns:
        index, card = _codes(col)
        if size * card >= 1 << 62:  # renumber the groups so far densely
            code, size = _codes(code)
        code = index if code is None else pc.add(pc.multiply(code, card), index)
        size *= card
    if code is None:
        code = pa.array([0] * n, pa.int64())
    distinct = pc.unique(code)
    return pc.index_in(code, value_set=distinct), pc.index_in(distinct, value_set=code).to_pylist()


def _encoded(key: Any) -> tuple[Any, list[int]]:
    """A rule's keys per row as (index per row into the distinct keys, int64; the distinct keys)."""
    enc = pc.dictionary_encode(key)
    return pc.cast(enc.indices, pa.int64()), enc.dictionary.to_pylist()


def _codes(col: Any) -> tuple[Any, int]:
    """A column's values as small codes (int64, null its own code) and how many codes there may be (a pair of
    both: as it is)."""
    if isinstance(col, tuple):
        return col
    if pa.types.is_boolean(col.type):
        return pc.fill_null(pc.cast(col, pa.int64()), 2), 3
    enc = pc.dictionary_encode(col)
    size = len(enc.dictionary) + 1
    return pc.fill_null(pc.cast(enc.indices, pa.int64()), size - 1), size


class CompactLines:
    """Per pack: what a compact line's parts are made from, and the parts made so far (bounded tables)."""

    def __init__(self, plan: Plan):
        pack = self.pack = plan.pack
        self.plan, self.keys, self.memo = plan, rule_keys(pack), report_memo(pack)
        self.source = [r for r in plan.rules if r.id not in pack.rule_scale]
        self.waiting = [r for r in self.source if r.spec.kind != "derived"]
        self.head = ',"pack":' + to_json(pack.sha256).decode() + ',"facts":{'
        self.fragments: dict[str, Table] = {r.id: Table() for r in self.source}
        self.shown: dict[str, Table] = {name: Table() for name in plan.kinds}
        self.missing: Table = Table()
        self.scales: dict[str, Table] = {s.id: Table() for s in pack.scales}

    def slices(self, facts: pa.Table, results: pa.Table, nodes: Env) -> Iterator[tuple[int, Any]]:
        """The compact lines of the facts table's rows, a slice of ``SLICE_ROWS`` rows at a time: (the slice's first
        position, its lines: a string array, each line ending in a newline)."""
        keys = self.keys.keys(nodes) if facts.num_rows else {}
        for start in range(0, facts.num_rows, SLICE_ROWS):
            yield start, self.lines(facts.slice(start, SLICE_ROWS), results.slice(start, SLICE_ROWS),
                                    {rid: key.slice(start, SLICE_ROWS) for rid, key in keys.items()})

    def lines(self, facts: pa.Table, results: pa.Table, rule_keys: Env) -> Any:
        """One compact line per row of the facts table, from the rows' rule keys (``RuleKeys.keys``)."""
        n = facts.num_rows
        if not n:
            return pa.array([], pa.string())
        keys = {rid: _encoded(key) for rid, key in rule_keys.items()}
        sections = self._rules(keys, n)
        parts = ['{"schema_version":2,"case_id":"', facts.column("case_id").combine_chunks(), '","site":',
                 _taken_json(facts.column("site")), self.head, self._facts(facts), '},"notes":[',
                 NO_NOTES, '],"findings":[', sections[0], '],"not_applicable":[', sections[1],
                 '],"derived":[', sections[2], '],"missing":[', self._missing(keys, n), '],"scales":',
                 self._scales(facts, results, keys), "}\n"]
        return _join([p if not isinstance(p, str) else pa.scalar(p, pa.string()) for p in parts])

    def _rules(self, keys: Env, n: int) -> list[Any]:
        """The findings, not-applicable and derived sections: per source rule, its fragment per key."""
        out: list[list[Any]] = [[], [], []]
        for rule in self.source:
            index, distinct = keys[rule.id]
            made = [self._fragment(rule, k) for k in distinct]
            for section in range(3):
                texts = [m[section] for m in made]
                if any(texts):
                    out[section].append(_taken(texts, index))
        return [_listed(fragments, n) for fragments in out]

    def _fragment(self, rule: Any, key: int) -> tuple[str, str, str]:
        table = self.fragments[rule.id]
        hit = table.get(key)
        if hit is None:
            d: Decided = self.keys.decided(rule.id, key)
            text = to_json([rule.id, [list(pair) for pair in d.deciders]]).decode() + ","
            derived = rule.spec.kind == "derived"
            hit = table.keep(key, (text if d.result is True and not derived else "",
                                   text if d.result is False else "", text if d.result is True and derived else ""))
        return hit

    def _facts(self, facts: pa.Table) -> Any:
        """The case fields given, in the schema's order, each value as pydantic writes it."""
        fragments = []
        for name, kind in self.plan.kinds.items():
            col = facts.column(name).combine_chunks()
            if col.null_count == len(col):
                continue
            enc = pc.dictionary_encode(col)
            table = self.shown[name]
            texts = []
            for value in enc.dictionary.to_pylist():
                text = table.get(value)
                if text is None:
                    shown = (value.split(";") if value else []) if kind == "list" else value
                    text = table.keep(value, to_json(name).decode() + ":" + to_json(shown).decode() + ",")
                texts.append(text)
            fragments.append(pc.fill_null(_taken(texts, enc.indices), ""))
        return _listed(fragments, facts.num_rows)

    def _missing(self, keys: Env, n: int) -> Any:
        """The missing information as ``missing_order`` lists it: per field (the schema's order), the rules waiting
        on it (pack order) per row; the items a rule of one site waits on first, then the others."""
        by_field: dict[str, list[tuple[str, Any]]] = {}  # field -> (rule, the rows it waits on the field)
        for rule in self.waiting:
            index, distinct = keys[rule.id]
            waits = [self.keys.decided(rule.id, k).waits_on for k in distinct]
            for name in dict.fromkeys(f for w in waits for f in w):
                by_field.setdefault(name, []).append((rule.id, pc.take(pa.array([name in w for w in waits]), index)))
        order = self.memo.order
        first, rest = [], []
        for name in sorted((f for f in by_field if f in order), key=order.__getitem__):
            masks = by_field[name]
            code, firsts = groups([m for _, m in masks], n)
            at = pa.array(firsts, pa.int64())
            waiting = zip(*(pc.take(m, at).to_pylist() for _, m in masks), strict=True)
            made = [self._item(name, tuple(rid for (rid, _), w in zip(masks, ws, strict=True) if w))
                    for ws in waiting]
            if any(m[0] for m in made):
                first.append(_taken([m[0] for m in made], code))
            if any(m[1] for m in made):
                rest.append(_taken([m[1] for m in made], code))
        return _listed(first + rest, n)

    def _item(self, name: str, rules: tuple[str, ...]) -> tuple[str, str]:
        """A field's item (with its trailing comma) among the site's own items, or among the others."""
        hit = self.missing.get((name, rules))
        if hit is None:
            text = to_json([name, list(rules)]).decode() + "," if rules else ""
            own = any(r in self.memo.site_rules for r in rules)  # missing_order's sort key
            hit = self.missing.keep((name, rules), (text, "") if own else ("", text))
        return hit

    def _scales(self, facts: pa.Table, results: pa.Table, keys: Env) -> Any:
        """Per published scale, its item of the section: per distinct (applies, its rules' keys, its values),
        from ``compact_of`` on the first such row."""
        n = facts.num_rows
        if not self.pack.scales:
            return pa.scalar("null", pa.string())
        lines, not_given = [], []
        for scale in self.pack.scales:
            rules = [keys[r.id] for r in self.plan.rules if self.pack.rule_scale.get(r.id) == scale.id]
            values = [results.column(f"applies.{scale.id}").combine_chunks(),
                      *(facts.column(f).combine_chunks() for f in scale.input_fields if f in facts.column_names)]
            code, firsts = groups([*values, *((index, len(distinct)) for index, distinct in rules)], n)
            at = pa.array(firsts, pa.int64())
            picked = [pc.take(v, at).to_pylist() for v in values]
            picked += [[distinct[i] for i in pc.take(index, at).to_pylist()] for index, distinct in rules]
            made = [self._scale_item(scale.id, facts, key, row)
                    for key, row in zip(zip(*picked, strict=True), firsts, strict=True)]
            lines.append(_taken([m[0] for m in made], code))
            not_given.append(_taken([m[1] for m in made], code))
        text = pa.string()
        return _join([pa.scalar('{"lines":[', text), _listed(lines, n), pa.scalar('],"not_given":[', text),
                      _listed(not_given, n), pa.scalar("]}", text)])

    def _scale_item(self, scale_id: str, facts: pa.Table, key: tuple[Any, ...], row: int) -> tuple[str, str]:
        table = self.scales[scale_id]
        hit = table.get(key)
        if hit is None:
            values = facts_of(self.plan, facts.slice(row, 1).to_pylist()[0])
            compact = compact_of(_Standin("scale", values["site"]), evaluate(self.pack, values))  # type: ignore[arg-type]
            scales = compact.scales
            line = next((x.model_dump_json() + "," for x in scales.lines if x.scale == scale_id), "") if scales else ""
            gap = next((x.model_dump_json() + "," for x in scales.not_given if x.scale == scale_id), "") \
                if scales else ""
            hit = table.keep(key, (line, gap))
        return hit


def _taken_json(col: Any) -> Any:
    """A string column as JSON strings, each distinct value written once."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    distinct = pc.unique(col)
    return _taken([to_json(v).decode() for v in distinct.to_pylist()], pc.index_in(col, value_set=distinct))


Emit = Callable[[pa.Table, pa.Table, Env], Any]
