"""A reviewed case as the bytes of its result line, from pieces serialized once.

Why: a report is ~9 kB of JSON, and most of it (each finding, not-applicable rule and derived
fact) is a piece shared by every case with the same values for the fields its rule reads: the
report keeps it per rule trace (``cryoelig.report.projection``). Serializing each piece once,
by the piece's identity, and joining bytes is what removed a fifth of a batch's time (docs/scaling.md), while
``Report.model_dump_json`` re-serialized every piece of every case.

Byte-identical by construction and by check: the top level follows the Report model's fields in
order, each value serialized by pydantic itself (``pydantic_core.to_json`` / the piece's own
serializer), and the first reports of each process and one per chunk are compared with
``model_dump_json``; a difference (a model changed in a way this composition does not know)
switches the process to ``model_dump_json`` for good, so the output stays right.
"""

from __future__ import annotations

import csv
import io
from typing import Any, NamedTuple, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import to_json

from ..reasoning.memo import IdTable

_CACHE_LIMIT = 16_384  # pieces whose JSON is kept: a miss rate of 4.4% on 60,000 generated rows (3.7% is the
# floor: each piece once), a few MB, filled within the first thousand rows so a run's RSS stays flat
_CHECK_FIRST = 20  # reports compared with model_dump_json at the start of each process


class Summary(NamedTuple):
    """What the CSV, Parquet and xlsx results and the aggregate read of a report."""

    case_id: str
    site: str
    supporting: int
    caution: int
    context: int
    missing: int
    factors: tuple[str, ...]
    missing_fields: tuple[str, ...]
    findings: tuple[tuple[str, str], ...]  # (factor, kind) of each finding, for the aggregate
    scales: tuple[str, ...] = ()  # the total and band cells of each scale of the pack (scale_cells)


#: Per published scale of a pack, in its order: (scale id, whether it has bands).
Layout = tuple[tuple[str, bool], ...]


def scale_layout(pack: Any) -> Layout:
    return tuple((s.id, bool(s.bands)) for s in pack.scales) if pack is not None else ()


def scale_cells(section: Any, layout: Layout) -> tuple[str, ...]:
    """The report's published scales as result cells: per scale of the pack its total (the report's number
    as its JSON writes it) and, for a scale with bands, its band id; empty when the report has no total for
    it, or the paper does not describe the scale for the case (applies no: the report's line says so)."""
    lines = {line.scale: line for line in section.lines} if section is not None else {}
    cells: list[str] = []
    for scale_id, bands in layout:
        line = lines.get(scale_id)
        shown = line is not None and line.applies != "no" and line.total is not None
        cells.append(to_json(line.total).decode() if shown else "")
        if bands:
            cells.append((line.band or "") if shown else "")
    return tuple(cells)


def summary_of(report: Any, layout: Layout = ()) -> Summary:
    return summary_from(report.case_id, report.site, tuple([(f.factor, f.kind) for f in report.findings]),
                        tuple([m.field for m in report.missing]), report.published_scales, layout)


def summary_from(case_id: str, site: str, findings: tuple[tuple[str, str], ...], missing: tuple[str, ...],
                 section: Any, layout: Layout = ()) -> Summary:
    """The summary of a report's points ((factor, kind) each), missing fields and published-scales section:
    a report's (``summary_of``), or a compact line's (``workers``: no Report is made)."""
    kinds = [kind for _, kind in findings]
    return Summary(case_id, site, kinds.count("supporting"), kinds.count("caution"),
                   kinds.count("context"), len(missing), tuple(dict.fromkeys([f for f, _ in findings])), missing,
                   findings, scale_cells(section, layout) if layout else ())


def csv_line(s: Summary) -> bytes:
    """One CSV result row. Every cell is a schema token or a count (case_id is ``[A-Za-z0-9._-]``),
    so no cell needs quoting; the csv module writes any other (never seen) value."""
    cells = [s.case_id, s.site, str(s.supporting), str(s.caution), str(s.context), str(s.missing),
             ";".join(s.factors), ";".join(s.missing_fields), *s.scales]
    text = ",".join(cells)
    if text.count(",") != len(cells) - 1 or '"' in text or "\n" in text or "\r" in text:  # pragma: no cover
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode()
    return (text + "\n").encode()


_MODEL_TYPES: dict[type, bool] = {}


def _is_model(kind: type) -> bool:
    """Whether a type is a pydantic model (``isinstance(x, BaseModel)`` goes through an ABC check that cost
    more than the serialization it chose)."""
    known = _MODEL_TYPES.get(kind)
    if known is None:
        known = _MODEL_TYPES[kind] = isinstance(kind, type) and issubclass(kind, BaseModel)
    return known


class ReportLines:
    """``Report.model_dump_json()`` of reviewed cases, built from cached pieces (one per process)."""

    def __init__(self) -> None:
        self._plan: list[tuple[str, Any, bytes]] | None = None
        self._json = IdTable(_CACHE_LIMIT)  # the JSON of model objects, by identity (each object held)
        self.checked = 0
        self.exact = True

    def line(self, review: Any, check: bool = False) -> bytes:
        """The report's JSON (no line end). ``check``: also compare with ``model_dump_json``."""
        report = review.report
        if not self.exact:
            return report.model_dump_json().encode()
        text = self._compose(report)
        if check or self.checked < _CHECK_FIRST:
            self.checked += 1
            plain = report.model_dump_json().encode()
            if plain != text:  # pragma: no cover - only if the Report model changes shape
                self.exact = False
                return plain
        return text

    def _compose(self, report: Any) -> bytes:
        plan = self._plan
        if plan is None:
            plan = self._plan = _plan_of(type(report))
        values = report.__dict__
        pieces = self._pieces
        out = [b"{"]  # joined once at the end: each piece's bytes are copied once
        for how, what, key in plan:  # every key holds its separator (',' but for the first field)
            if how is _PLAIN:  # a run of plain fields: one dict serialized, without its braces
                out += (key, to_json({name: values[name] for name in what})[1:-1])
                continue
            value = values[what]
            if how is _DEFAULT and value is key[0]:
                out.append(key[1])
            elif how is _MODELS and type(value) is list and value and _is_model(type(value[0])):
                out += (key, b"[", b",".join(pieces(value)), b"]")
            elif how is not _DEFAULT and _is_model(type(value)):
                out += (key, self._json.get(id(value)) or self._piece(value))
            else:
                out += ((key[2] if how is _DEFAULT else key), to_json(value))
        out.append(b"}")
        return b"".join(out)

    def _pieces(self, values: list[Any]) -> list[bytes]:
        """The JSON of each model of a list: looked up in C (``map``), the misses serialized."""
        found = list(map(self._json.get, map(id, values)))
        if not all(found):  # a piece's JSON is never empty: a miss is None
            found = [data if data is not None else self._piece(v) for data, v in zip(found, values, strict=True)]
        return found

    def _piece(self, value: Any) -> bytes:
        """A model's JSON, cached by identity: the report's pieces are shared by every case with the same
        values for their rule's fields (kept by the report's memo), the missing-information items and the
        pack reference by many more. The table holds the object, so its id cannot be reused by another
        object while the entry exists; it is emptied when full (bounded memory)."""
        data = self._json.get(id(value))
        if data is not None:
            return data
        return self._json.keep_for(value, value.__pydantic_serializer__.to_json(value))


_PLAIN, _MODELS, _MODEL, _DEFAULT = "plain", "models", "model", "default"


def _plan_of(model: type[BaseModel]) -> list[tuple[str, Any, Any]]:
    """How each top-level field of the model is written, in the model's order: runs of plain fields
    (numbers, texts, dicts of plain values) as one dictionary serialized by pydantic, a field whose default
    is a text or number as its serialized default when it holds that default, any other field as its
    model pieces (a list of models, or a model) or, when it holds something else, serialized by pydantic.
    Each entry's key starts with its separator (a comma, but for the first field)."""
    plan: list[tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        key = (b"," if plan else b"") + b'"%s":' % name.encode()
        if isinstance(info.default, str | int) and not isinstance(info.default, bool):
            plan.append((_DEFAULT, name, (info.default, key + to_json(info.default), key)))
        elif _holds_models(info.annotation):
            plan.append((_MODELS if get_origin(info.annotation) is list else _MODEL, name, key))
        elif plan and plan[-1][0] is _PLAIN:
            plan[-1] = (_PLAIN, (*plan[-1][1], name), plan[-1][2])
        else:
            plan.append((_PLAIN, (name,), b"," if plan else b""))
    return plan


def _holds_models(annotation: Any) -> bool:
    """Whether a field's type is a model, an optional model or a list of models."""
    args = get_args(annotation)
    if get_origin(annotation) is list:
        return bool(args) and _is_model(args[0])
    return _is_model(annotation) or any(_is_model(a) for a in args)
