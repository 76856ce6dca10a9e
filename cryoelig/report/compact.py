"""The compact report (schema version 2): a case's decisions as ids and values, without the words.

Why: a registry reviews ids, values and counts; the words of a report (rule texts, quotes, labels, the
headline, sources) are the same for every case that meets the same rule, and they live in the pack. A
compact report holds only what is a decision or a case value: the case's facts (exactly ``Report.facts``),
each decided rule by id with its deciding clauses as ``[index, result]`` (the index into
``leaves(rule.condition)`` of the loaded, link-rewritten rule; the result true / false / null), the fields
missing with the rules waiting on them, and per published scale its status, total, band, whether it applies
and its rules' decisions; the pack set is named by its sha256. ``expand`` rebuilds today's Report from these
and the pack by replaying them through the one projection (``projection.project``), byte for byte.

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

from ..case.contract import Case, parse_case
from ..errors import InputError, Problem
from ..reasoning.casefacts import case_facts, scale_results
from ..reasoning.evaluation import Trace, clause_result, holds
from ..reasoning.memo import LIMIT, CaseValues, PerPack, Table, picker
from ..rulepack.conditions import Leaf, leaves
from ..rulepack.packmodel import Pack
from .projection import Report, project, report_memo
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


_index = PerPack(_Index).get


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
    memo, index, lines = report_memo(pack), _index(pack), _lines(pack)
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


# ---------------------------------------------------------------- the expansion


class _Replayed:
    """A rule's decision read back from a compact report, as the projection reads a ``RuleTrace``: its
    result, deciding clauses, the traces deriving the facts it reads and the fields it waits on."""

    __slots__ = ("rule", "result", "deciders", "derivers", "waits_on")

    def __init__(self, rule: Any, result: Tri, deciders: tuple[tuple[Leaf, Tri], ...],
                 derivers: Mapping[str, tuple[Any, ...]], waits_on: tuple[str, ...]):
        self.rule, self.result, self.deciders, self.derivers, self.waits_on = (rule, result, deciders, derivers,
                                                                               waits_on)


class _Replay:
    """A Trace rebuilt from a compact report: the pack, the facts (with the scales' totals, computed as a
    review computes them), the rules' replayed decisions in pack order and whether each scale applies."""

    __slots__ = ("pack", "facts", "pending", "rules", "_by_id", "_applies")

    def __init__(self, pack: Pack, facts: Mapping[str, Any], rules: list[_Replayed], applies: dict[str, Tri]):
        self.pack, self.facts, self.pending, self.rules = pack, facts, frozenset(), rules
        self._by_id = {rt.rule.id: rt for rt in rules}
        self._applies = applies

    @property
    def scales(self) -> list[Any]:
        return scale_results(self.pack, self.facts)

    def applies(self, scale_id: str) -> Tri:
        """A scale the compact report does not list adds nothing to the section: it does not apply."""
        return self._applies.get(scale_id, False)

    def rule(self, rule_id: str) -> Any:
        return self._by_id[rule_id]


def _refuse(message: str, field: str | None = None) -> InputError:
    return InputError([Problem(f"compact report: {message}", field=field)])


def expand(compact: CompactReport, pack: Pack) -> Report:
    """Today's Report of a compact report, from its ids and values and the pack that made it: the decisions
    replayed through the one projection, so every word is the pack's. Refused (``InputError``, nothing of the
    file echoed) when the pack is another one, a rule or clause is not the pack's, or a stored clause result
    or scale value is not what the pack makes of the case values."""
    if compact.pack != pack.sha256:
        raise _refuse(f"made with another pack set than the loaded one (sha256 {pack.sha256}); expand it with "
                      "the pack that made it (--pack)", "pack")
    case = _case(compact, pack)
    given = case.facts()
    facts = case_facts(pack, given)
    decided, waits, applies = _decisions(compact, pack)
    index, kept = _index(pack), _replays(pack)
    rules: list[_Replayed] = []
    deriving: dict[str, tuple[_Replayed, ...]] = {}
    values = index.values.of(facts)
    for rule in pack.rules:
        result, pairs = decided.get(rule.id, (None, ()))
        refs = index.refs[rule.id]
        derivers = {name: deriving.get(name, ()) for name in refs}
        key = (rule.id, result, tuple(pairs), tuple(derivers.values()), waits.get(rule.id), index.pick[rule.id](values))
        rt = kept.get(key)
        if rt is None:
            rt = kept.keep(key, _replayed(rule, result, pairs, derivers, waits.get(rule.id), facts, index))
        rules.append(rt)
        if rule.spec.derives:
            deriving[rule.spec.derives] = (*deriving.get(rule.spec.derives, ()), rt)
    replay = _Replay(pack, facts, rules, applies)
    _check_scales(compact, replay)
    notes = [*compact.notes, *case.value_notes(pack), *pack.link_notes(given)]
    return project(compact.case_id, compact.site, notes, replay, replayed=True)  # type: ignore[arg-type]


def _replayed(rule: Any, result: Tri, pairs: Any, derivers: dict[str, tuple[Any, ...]],
              waits: tuple[str, ...] | None, facts: Mapping[str, Any], index: _Index) -> _Replayed:
    """A rule's decision as the compact report stores it, checked against the case values: kept on exactly what
    it depends on (``_replays``), so each is made and checked once however many rows share it."""
    found = index.leaves[rule.id]
    if any(type(i) is not int or not 0 <= i < len(found) for i, _ in pairs):
        raise _refuse(f"rule {rule.id} has no such clause", "findings")
    deciders = tuple((found[i], r) for i, r in pairs)
    _check_clauses(rule.id, result, deciders, derivers, facts)
    waiting = waits or tuple(dict.fromkeys(leaf.field for leaf, _ in deciders
                                           if result is None and leaf.op != "derived"))
    return _Replayed(rule, result, deciders, derivers, waiting)


#: Per pack, the replayed decisions made so far, on their rule, stored decision, the replayed traces deriving
#: the facts the rule reads (held: by identity), the fields it waits on and the typed values of the fields it
#: reads: what its part of a report depends on, as a reviewed trace's does (``reasoning.memo``). Apart from
#: the reviewed traces, so a decision read from a file never stands for a reviewed one.
_replays = PerPack(lambda pack: Table(LIMIT * len(pack.rules))).get


def _case(compact: CompactReport, pack: Pack) -> Case:
    """The case of the compact report's facts, read again through the case contract: a compact line comes
    from a file, so its id, site and values are validated (ranges, listed values, the identifier guard) as any
    input is, and must be what the contract makes of them (typed, in order). Its facts are the reviewed
    case's, and so are the notes that follow from them (``Case.value_notes``)."""
    memo = report_memo(pack)
    nested: dict[str, Any] = {"case_id": compact.case_id}
    for name, value in compact.facts.items():
        if name not in memo.order or name == "case_id":
            raise _refuse("a fact is not a case field", "facts")
        *groups, leaf = name.split(".")
        place = nested
        for group in groups:
            place = place.setdefault(group, {})
        place[leaf] = value
    try:
        case = parse_case(nested, pack)
    except InputError as error:  # the contract's messages name fields and listed values, never a value given
        first = error.problems[0]
        raise _refuse(f"its facts are not a valid case ({first.message})", first.field) from None
    given = case.facts()
    shown = memo.shown_facts(given)
    if case.site != compact.site or [(k, type(v), v) for k, v in shown.items()] != [
            (k, type(v), v) for k, v in compact.facts.items()]:
        raise _refuse("its facts are not the case's as the contract reads them", "facts")
    return case


def _decisions(compact: CompactReport, pack: Pack
               ) -> tuple[dict[str, tuple[Tri, list[ClauseResult]]], dict[str, tuple[str, ...]], dict[str, Tri]]:
    """Per rule its stored result and clauses, per waiting rule its fields, per listed scale whether it
    applies; a rule of the wrong part (a source rule among a scale's), or listed twice, is refused."""
    decided: dict[str, tuple[Tri, list[ClauseResult]]] = {}

    def put(entries: list[RuleClauses], result: Tri, where: str, scale: str | None = None) -> None:
        for rule_id, pairs in entries:
            rule = pack.rule_by_id.get(rule_id)
            if rule is None or rule_id in decided or pack.rule_scale.get(rule_id) != scale or (
                    scale is None and (rule.spec.kind == "derived") != (where == "derived")
                    and result is True) or (result is not None and not pairs):
                raise _refuse(f"{where} lists a rule that is not one of the pack's there, or twice", where)
            decided[rule_id] = (result, pairs)

    put(compact.findings, True, "findings")
    put(compact.derived, True, "derived")
    put(compact.not_applicable, False, "not_applicable")
    applies: dict[str, Tri] = {}
    for item in (compact.scales.lines + compact.scales.not_given) if compact.scales else []:  # type: ignore[operator]
        if item.scale not in pack.guards or item.scale in applies:
            raise _refuse("a scale that is not one of the pack's, or twice", "scales")
        applies[item.scale] = item.applies
        put(getattr(item, "points", []), True, "scales", item.scale)
        put(item.open, None, "scales", item.scale)
    waits: dict[str, list[str]] = {}
    for name, rule_ids in compact.missing:
        for rule_id in rule_ids:
            if rule_id not in pack.rule_by_id or rule_id in decided or rule_id in pack.rule_scale:
                raise _refuse("missing names a rule that is not an undecided one of the pack's", "missing")
            waits.setdefault(rule_id, []).append(name)
    return decided, {r: tuple(names) for r, names in waits.items()}, applies


def _check_clauses(rule_id: str, result: Tri, deciders: tuple[tuple[Leaf, Tri], ...],
                   derivers: Mapping[str, tuple[Any, ...]], facts: Mapping[str, Any]) -> None:
    """Each stored clause result is the rule's and what the pack makes of the case value (a derived fact's:
    of its deriving rules): a planted or mistaken clause index is caught here, not shown as a basis."""
    for leaf, stored in deciders:
        shown = holds(derivers.get(leaf.field, ())) if leaf.op == "derived" else clause_result(leaf, facts)
        if stored is not result or shown is not stored:
            raise _refuse(f"rule {rule_id}: a clause's stored result is not what its case value gives", "findings")


def _check_scales(compact: CompactReport, replay: _Replay) -> None:
    """Each scale line's stored values are what the pack computes from the facts."""
    if compact.scales is None:
        return
    results = {r.scale.id: r for r in replay.scales}
    for line in compact.scales.lines:
        r = results[line.scale]
        band = r.band.id if r.band else None
        if (line.status, line.total, line.total_from, line.band) != (r.status, r.total, r.total_from, band) or (
                type(line.total) is not type(r.total)):
            raise _refuse(f"scale {line.scale}: the stored total or band is not what the pack computes", "scales")
