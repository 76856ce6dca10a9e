"""The compact report (schema version 2): a case's decisions as ids and values, without the words.

Why: a registry reviews ids, values and counts; the words of a report (rule texts, quotes, labels, the
headline, sources) are the same for every case that meets the same rule, and they live in the pack. A
compact report holds only what is a decision or a case value: the case's facts (exactly ``Report.facts``),
each decided rule by id with its deciding clauses as ``[index, result]`` (the index into
``leaves(rule.condition)`` of the loaded, link-rewritten rule; the result true / false / null), the fields
missing with the rules waiting on them, and per published scale its status, total, band, whether it applies
and its rules' decisions; the pack set is named by its sha256. ``report.replay.expand`` rebuilds today's
Report from these and the pack by replaying them through the one projection (``projection.project``), byte
for byte.

Input notes: only this row's own reading of its raw input is kept as text (``Case.reading_notes``: ``1,500``
read as 1500, a size from millimetres, a platelet count per uL), which the facts no longer hold; the notes
that follow from the facts and the pack (values that disagree, the links') are made again on expansion by
the same code (``Case.value_notes``, ``Pack.link_notes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from ..case.contract import Case
from ..reasoning.evaluation import Trace
from ..reasoning.memo import LIMIT, CaseValues, PerPack, Table, picker
from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack
from .projection import report_memo
from .scalesection import published_scales
from .valuetext import fill

COMPACT_SCHEMA_VERSION = 2

Tri = bool | None
#: a deciding clause: its index in ``leaves(rule.condition)`` and its result (true, false, null: unknown)
ClauseResult = tuple[int, Tri]
#: a decided rule: its id and its deciding clauses
RuleClauses = tuple[str, list[ClauseResult]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CompactScaleLine(_Model):
    """A published scale the case gives (wholly or in part): the values its report line shows, whether the
    paper describes it for the case, its met rules (``points``) and its undecided ones (``open``)."""

    scale: str
    status: Literal["not_given", "incomplete", "complete", "total_given", "given"]
    total: int | float | None
    total_from: Literal["components", "given"] | None
    band: str | None
    applies: Tri
    points: list[RuleClauses]
    open: list[RuleClauses]


class CompactScaleNotGiven(_Model):
    """A scale published for such a case that the case does not give, with its undecided rules."""

    scale: str
    applies: Tri
    open: list[RuleClauses]


class CompactScales(_Model):
    lines: list[CompactScaleLine]
    not_given: list[CompactScaleNotGiven]


class CompactReport(_Model):
    """One case's decisions as ids and values; the words are the pack's (``pack``: the set's sha256)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              title="cryoelig compact report (schema version 2)")

    schema_version: Literal[2] = COMPACT_SCHEMA_VERSION
    case_id: str
    site: str
    pack: str
    facts: dict[str, Any]
    notes: list[str]
    findings: list[RuleClauses]
    not_applicable: list[RuleClauses]
    derived: list[RuleClauses]
    missing: list[tuple[str, list[str]]]
    scales: CompactScales | None


class _Index:
    """Per pack: each rule's clauses (``leaves``) and their positions by identity (a link's rewrite repeats
    a guard's text, never its object), and each scale's rules in pack order. Holds no Pack (``PerPack``)."""

    def __init__(self, pack: Pack):
        self.leaves = {rule.id: leaves(rule.condition) for rule in pack.rules}
        self.at = {rid: {id(leaf): i for i, leaf in enumerate(found)} for rid, found in self.leaves.items()}
        self.refs = {rid: tuple(dict.fromkeys(leaf.field for leaf in found if leaf.op == "derived"))
                     for rid, found in self.leaves.items()}
        #: the typed values of the fields each rule reads, as the rule memo keys them (one C call a rule)
        self.values = CaseValues(tuple(dict.fromkeys(f for rule in pack.rules for f in rule.fields)))
        at = {f: i for i, f in enumerate(self.values.fields)}
        self.pick = {rule.id: picker([at[f] for f in rule.fields]) for rule in pack.rules}
        self.scale_rules: dict[str, list[str]] = {}
        for rule in pack.rules:
            if rule.id in pack.rule_scale:
                self.scale_rules.setdefault(pack.rule_scale[rule.id], []).append(rule.id)


clause_index = PerPack(_Index).get


def _clauses(rt: Any, at: Mapping[str, Mapping[int, int]]) -> RuleClauses:
    positions = at[rt.rule.id]
    return (rt.rule.id, [(positions[id(leaf)], result) for leaf, result in rt.deciders])


_FINDINGS, _NOT_APPLICABLE, _DERIVED, _WAITING = "findings", "not_applicable", "derived", "waiting"


def _piece(rt: Any, at: Mapping[str, Mapping[int, int]]) -> tuple[str | None, Any]:
    """Where a source rule's trace goes in a compact report and its JSON there (a decided rule), or the fields
    it waits on (an undecided point), or nothing (an undecided derived fact)."""
    result, kind = rt.result, rt.rule.spec.kind
    if result is None:
        return (_WAITING, rt.waits_on) if kind != "derived" else (None, None)
    slot = _NOT_APPLICABLE if result is False else _DERIVED if kind == "derived" else _FINDINGS
    return slot, to_json(_clauses(rt, at))


class _Lines:
    """Per pack, what compact lines are made of, kept as the report's pieces are (``projection``): each
    source rule's piece on its trace (by identity: a kept trace stands for the typed values of the fields its
    rule reads), and the scales part on the section and the scale rules' traces. Holds no Pack."""

    def __init__(self, pack: Pack):
        memo = report_memo(pack)
        self.count = memo.count
        self.scale_ids = frozenset(pack.rule_scale)
        self.pieces: Table = Table(LIMIT * max(1, len(pack.rules)))
        self.scales: Table = Table()
        self.head = b'{"schema_version":2,"case_id":'

    def scale_traces(self, trace: Trace) -> tuple[Any, ...]:
        if self.count is not None:
            return tuple(trace.rules[self.count:])
        return tuple(rt for rt in trace.rules if rt.rule.id in self.scale_ids)


_lines = PerPack(_Lines).get


class CompactParts(NamedTuple):
    """A compact line and what a batch counts of it without a Report: the points' rules, the missing fields
    (the report's order) and the published-scales section (None without scales)."""

    line: bytes
    findings: list[str]
    missing: list[str]
    section: Any


def compact_line(case: Case, trace: Trace) -> bytes:
    """A reviewed case's compact report as its JSON line (no line end): every decision read from its Trace,
    never made again; the bytes ``CompactReport.model_dump_json`` gives (built from pieces kept per trace, as
    a batch's full line is: ``batch/serialize.py``; the tests hold the two equal)."""
    return compact_parts(case, trace).line


def compact_parts(case: Case, trace: Trace) -> CompactParts:
    """``compact_line`` and what a batch counts of it (``CompactParts``)."""
    pack = trace.pack
    memo, index, lines = report_memo(pack), clause_index(pack), _lines(pack)
    at, pieces = index.at, lines.pieces
    parts: dict[str | None, list[bytes]] = {_FINDINGS: [], _NOT_APPLICABLE: [], _DERIVED: [], None: []}
    found: list[str] = []
    waiting: dict[str, list[str]] = {}
    for rt in memo.source_traces(trace.rules):
        piece = pieces.get(rt)
        if piece is None:
            piece = pieces.keep(rt, _piece(rt, at))
        slot, data = piece
        if slot is _WAITING:
            for name in data:
                waiting.setdefault(name, []).append(rt.rule.id)
            continue
        parts[slot].append(data)
        if slot is _FINDINGS:
            found.append(rt.rule.id)
    section = published_scales(trace, found, fill)
    scales = b"null"
    if section is not None:
        key = (id(section), lines.scale_traces(trace))  # the entry holds the section: its id stays its own
        hit = lines.scales.get(key)
        if hit is None or hit[0] is not section:
            hit = lines.scales.keep(key, (section, to_json(_scales_of(trace, section, index))))
        scales = hit[1]
    missing = [(name, list(rules)) for name, rules in memo.missing_order(waiting)]
    line = b"".join((lines.head, to_json(case.case_id), b',"site":', to_json(case.site), b',"pack":',
                     to_json(pack.sha256), b',"facts":', to_json(memo.shown_facts(trace.facts)), b',"notes":',
                     to_json(case.reading_notes()), b',"findings":[', b",".join(parts[_FINDINGS]),
                     b'],"not_applicable":[', b",".join(parts[_NOT_APPLICABLE]), b'],"derived":[',
                     b",".join(parts[_DERIVED]), b'],"missing":', to_json(missing), b',"scales":', scales, b"}"))
    return CompactParts(line, found, [name for name, _ in missing], section)


def compact_of(case: Case, trace: Trace) -> CompactReport:
    """The compact report of a reviewed case (its line read back: one way to make it)."""
    return CompactReport.model_validate_json(compact_line(case, trace))


def _scales_of(trace: Trace, section: Any, index: _Index) -> CompactScales:
    """The published scales as the report's section shows them (which scales, their values), with the
    decisions of each one's rules from the trace."""
    at = index.at

    def decided(scale_id: str, result: Tri) -> list[RuleClauses]:
        traces = [trace.rule(r) for r in index.scale_rules.get(scale_id, ())]
        return [_clauses(rt, at) for rt in traces if rt.result is result]

    applies = {"yes": True, "no": False, "unknown": None}
    lines = [CompactScaleLine(scale=line.scale, status=line.status, total=line.total,  # type: ignore[arg-type]
                              total_from=line.total_from, band=line.band, applies=applies[line.applies],
                              points=decided(line.scale, True), open=decided(line.scale, None))
             for line in section.lines]
    not_given = [CompactScaleNotGiven(scale=item.scale, applies=applies[item.applies], open=decided(item.scale, None))
                 for item in section.not_given]
    return CompactScales(lines=lines, not_given=not_given)
