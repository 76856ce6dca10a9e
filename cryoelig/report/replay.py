"""A compact report expanded: today's Report rebuilt from its ids and values and the pack that made it.

Why replayed, not re-decided nor re-worded: the compact line holds the decisions (``report.compact``); each
rule's stored decision becomes a trace-like object (result, deciding clauses, the traces deriving the facts
it reads, the fields it waits on) and the whole is handed to the one projection of a report
(``projection.project``), so every word comes from the pack as a review's would, byte for byte. A line comes
from a file: its case goes through the case contract again, and each stored clause result, scale value and
rule placement is checked against what the pack makes of the case values before anything is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..case.contract import Case, parse_case
from ..errors import InputError, Problem
from ..reasoning.casefacts import case_facts, scale_results
from ..reasoning.evaluation import clause_result, holds
from ..reasoning.memo import LIMIT, PerPack, Table
from ..rulepack.conditions import Leaf
from ..rulepack.packmodel import Pack
from .compact import ClauseResult, CompactReport, RuleClauses, Tri, clause_index
from .projection import Report, project, report_memo


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
    index, kept = clause_index(pack), _replays(pack)
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
              waits: tuple[str, ...] | None, facts: Mapping[str, Any], index: Any) -> _Replayed:
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
