"""Per row and rule, the deciding clauses and the fields waited on, from the pack compiled to columns.

Why: a compact report names each decided rule's deciding clauses (``RuleTrace.deciders``) and the fields
an unknown rule waits on (``RuleTrace.waits_on``). The columns decide every clause of every row
(``Compiled.decide``); what decides a rule is the evaluator's, so it is never written a second time here.
Each rule's clause results on a row are encoded as one integer, its **key** (base 3: false 0, unknown 1,
true 2, the rule's clauses in ``leaves`` order, then the keys of the rules deriving the facts it reads,
whose states a rule's waits-on follows), computed column-wise; each distinct key is replayed once
through the evaluator (``evaluation.replayed``, ``RuleTrace``) and kept. A batch meets a few hundred
keys per rule, so the evaluator runs a few hundred times per rule, not once per row.

A key is an int64: a rule with more than 39 digits (its clauses and its derivers') cannot be keyed, and a
pack with one is decided per row (``keyable``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack, Rule
from .evaluation import RuleTrace, Tri, replayed
from .memo import PerPack, Table

MAX_DIGITS = 39  # 3**39 < 2**63
_TRI: dict[int, Tri] = {0: False, 1: None, 2: True}


@dataclass(frozen=True)
class Decided:
    """A rule on the rows of one key: its result, its deciding clauses as (index into ``leaves(rule.condition)``,
    result), and the case fields it waits on (empty unless unknown)."""

    result: Tri
    deciders: tuple[tuple[int, Tri], ...]
    waits_on: tuple[str, ...]


class _Layout:
    """A rule's key: its clauses, then per derived fact it reads (once, in clause order) the rules deriving
    it before it, each with its own layout."""

    def __init__(self, rule: Rule, before: list[Rule], layouts: dict[str, _Layout]):
        self.rule_id = rule.id
        self.leaves = leaves(rule.condition)
        self.derivers = {name: [layouts[r.id] for r in before if r.spec.derives == name]
                         for name in dict.fromkeys(lf.field for lf in self.leaves if lf.op == "derived")}
        self.digits = len(self.leaves) + sum(d.digits for ds in self.derivers.values() for d in ds)


class RuleKeys:
    """Per pack: each rule's key layout and, per (rule, key), what the evaluator says (kept, bounded). Holds
    the rules, never the pack (``PerPack``)."""

    def __init__(self, pack: Pack):
        self.layouts: dict[str, _Layout] = {}
        for i, rule in enumerate(pack.rules):
            self.layouts[rule.id] = _Layout(rule, pack.rules[:i], self.layouts)
        self.rules = {rule.id: rule for rule in pack.rules}
        self.kept: dict[str, Table] = {rid: Table() for rid in self.layouts}
        self.at = {rid: {id(leaf): i for i, leaf in enumerate(lay.leaves)} for rid, lay in self.layouts.items()}

    def keyable(self) -> bool:
        return all(lay.digits <= MAX_DIGITS for lay in self.layouts.values())

    def keys(self, nodes: dict[int, Any]) -> dict[str, Any]:
        """Rule id -> its key per row (int64), from the clauses' results of ``Compiled.decide``."""
        digits: dict[int, Any] = {}  # a clause's results -> its digits (clauses read by several rules: once)
        own: dict[str, list[Any]] = {}
        out: dict[str, Any] = {}
        for rid, lay in self.layouts.items():
            own[rid] = [_digit(nodes[id(leaf)], digits) for leaf in lay.leaves]
            column = [*own[rid], *(d for ds in lay.derivers.values() for der in ds for d in _all_digits(der, own))]
            out[rid] = _code(column)
        return out

    def decided(self, rule_id: str, key: int) -> Decided:
        """What the evaluator says of a rule on the rows of ``key`` (replayed once per key, then kept)."""
        table = self.kept[rule_id]
        hit = table.get(key)
        if hit is None:
            trace = self._trace(self.layouts[rule_id], iter(_base3(key, self.layouts[rule_id].digits)))
            at = self.at[rule_id]
            hit = table.keep(key, Decided(trace.result, tuple((at[id(leaf)], r) for leaf, r in trace.deciders),
                                          trace.waits_on))
        return hit

    def _trace(self, lay: _Layout, digits: Iterator[Tri]) -> RuleTrace:
        tree = replayed(self.rules[lay.rule_id].condition, digits)
        derivers = {name: tuple(self._trace(d, digits) for d in ds) for name, ds in lay.derivers.items()}
        return RuleTrace(self.rules[lay.rule_id], tree, derivers)


def _all_digits(lay: _Layout, own: dict[str, list[Any]]) -> Iterator[Any]:
    """A deriver's digits in its layout's order (its clauses, then its own derivers')."""
    yield from own[lay.rule_id]
    for ds in lay.derivers.values():
        for d in ds:
            yield from _all_digits(d, own)


def _digit(result: Any, kept: dict[int, Any]) -> Any:
    """A clause's results as base-3 digits (false 0, unknown 1, true 2), int64."""
    hit = kept.get(id(result))
    if hit is None:
        hit = kept[id(result)] = (result, pc.fill_null(pc.multiply(pc.cast(result, pa.int64()), 2), 1))
    return hit[1]


def _code(digits: list[Any]) -> Any:
    out = digits[0]
    for i, d in enumerate(digits[1:], 1):
        out = pc.add(out, pc.multiply(d, 3 ** i))
    return out


def _base3(key: int, n: int) -> Iterator[Tri]:
    for _ in range(n):
        key, digit = divmod(key, 3)
        yield _TRI[digit]


rule_keys = PerPack(RuleKeys).get

__all__ = ["Decided", "RuleKeys", "rule_keys"]
