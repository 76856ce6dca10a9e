"""The facts both evaluators read, made once per case: the case's own, with the published scales' known totals.

Why one place: a pack with published scales reads their totals as computed facts (``scales.mirels_total``,
...), and the rule engine and the Python evaluation must read the same ones. ``case_facts`` adds them once;
the result is a ``CaseFacts``, which both ``engine.Engine.fire_many`` and ``evaluation.evaluate`` take as
it is (given plain facts, each adds the totals itself, the same way).

A total is a fact only when it is known (every component given, or the total given), so a band rule over a
scale the case gives in part stays unknown, never false. A field still to be asked (``pending``: the
checklist's) counts as not given.

Each scale's result is kept per pack on the typed values of the fields the scale reads
(``cryoelig.reasoning.memo``): over thousands of cases scoring is mostly look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rulepack.packmodel import Pack
from ..scales.scalemodel import Scale
from ..scales.scoring import ScaleResult, score
from .memo import CaseValues, CheckedFacts, PerPack, Table, checked


class CaseFacts(CheckedFacts):
    """A case's facts with the known totals of its pack's published scales (made by ``case_facts``; its
    values' types checked once for the memos, ``memo.checked``)."""

    __slots__ = ()


class _Scales:
    """Per pack: each scale with the fields it reads and its table of results; the scores, with the
    components that must all be given for a total (a set: one C-level test); the computed facts."""

    def __init__(self, pack: Pack):
        self.reads = [(s, CaseValues(tuple(s.input_fields)), Table()) for s in pack.scales]
        self.by_id = {s.id: entry for s, entry in zip(pack.scales, self.reads, strict=True)}
        self.scores = [(entry, frozenset(c.field for c in entry[0].components))
                       for entry in self.reads if entry[0].kind == "score"]
        self.computed = frozenset(s.fact for s in pack.scales if s.kind == "score" and s.fact)


_scales = PerPack(_Scales).get


def _result(entry: tuple[Scale, CaseValues, Table], facts: Mapping[str, Any]) -> ScaleResult:
    scale, values, table = entry
    key = tuple(values.of(facts))  # typed: a result shows its values as given (4 and 4.0 apart)
    hit = table.get(key)
    if hit is None:
        hit = table.keep(key, score(scale, facts))
    return hit


def scale_result(pack: Pack, scale_id: str, facts: Mapping[str, Any]) -> ScaleResult:
    """One published scale of the pack on a case: total or value, band, components, missing."""
    return _result(_scales(pack).by_id[scale_id], facts)


def scale_results(pack: Pack, facts: Mapping[str, Any]) -> list[ScaleResult]:
    """Every published scale of the pack on a case, in the pack's order."""
    return [_result(entry, facts) for entry in _scales(pack).reads]


def case_facts(pack: Pack, facts: Mapping[str, Any], pending: frozenset[str] = frozenset()) -> CaseFacts:
    """The case's facts with the known totals of the pack's published scales (only the scores whose total
    can be known are scored). Given a CaseFacts (its totals made with no field pending), its own totals are
    made again from its case fields."""
    scales = _scales(pack)
    if type(facts) is CaseFacts and scales.computed:
        facts = {k: v for k, v in facts.items() if k not in scales.computed}
    out = CaseFacts(facts)
    given = {k: v for k, v in facts.items() if k not in pending} if pending else facts
    for entry, components in scales.scores:
        scale = entry[0]
        if scale.total_field in given or components <= given.keys():
            total = _result(entry, given).total
            if total is not None:
                out[scale.fact] = total  # type: ignore[index]
    return checked(out)


def as_case_facts(pack: Pack, facts: Mapping[str, Any], pending: frozenset[str] = frozenset()) -> CaseFacts:
    """``facts`` when they are already a CaseFacts and no field is pending, else ``case_facts``."""
    if type(facts) is CaseFacts and not pending:
        return facts
    return case_facts(pack, facts, pending)
