"""THE evaluation: a pack's rules against one case's facts, three-valued, into a Trace.

Why one module: the report, the explanation tree, the checklist's "why asked" and "not asked",
the catalog's scenario results and every later view are projections of the Trace built here,
so the three-valued logic and the propagation of derived facts exist once in the code base.
The engine (durable_rules) decides which rules fire; ``Trace.check_engine`` cross-checks it
against this evaluation for every case; the Trace explains.

Three-valued: a clause over a field the case does not give is unknown (None), except
``exists`` / ``is not given``; a field still to be asked (``pending``: the checklist's open
questions) is unknown even for those. ``all`` is false if any item is false, else unknown if
any item is unknown; ``any`` is true if any item is true, else unknown if any is unknown. A
derived fact holds when any rule deriving it is met (Kleene OR over its deriving rules,
starting from false: a fact no rule derives is not established). Rules are evaluated in the
pack's order, where every deriving rule comes before the rules reading its fact (checked when a
pack loads).

Published scales: a pack with scales (``Pack.scales``) reads their totals as computed facts
(``scales.mirels_total``, ...), added to the case's facts once per case before any rule runs
(``cryoelig.reasoning.casefacts``; the rule engine reads the same facts), so a band rule over a total
the case does not allow to compute is unknown, never false. The Trace also answers whether each scale
applies to the case (its ``applies_when``, three-valued) and gives each scale's result (``Trace.scales``).

Speed: each rule's trace, and each scale's applies_when, is kept per pack on exactly what it depends
on (``cryoelig.reasoning.memo``): this module computes them, the memo decides when. Over thousands of
cases a Trace is then mostly look-ups, and the parts a view needs (deciding clauses, fields waited on)
are computed once per kept trace, when first asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import EngineMismatchError
from ..rulepack.conditions import Condition, Leaf
from ..rulepack.packmodel import Pack, Rule
from ..scales.scoring import ScaleResult
from .casefacts import as_case_facts, scale_results
from .memo import rule_memo

Tri = bool | None

#: A three-valued result as clinicians read it.
RESULT_WORD: dict[Tri, str] = {True: "met", False: "not met", None: "unknown"}


def or3(a: Tri, b: Tri) -> Tri:
    """Kleene OR: true if either is true, else unknown if either is unknown, else false."""
    if a or b:
        return True
    return None if a is None or b is None else False


def holds(derivers: Iterable[RuleTrace]) -> Tri:
    """A derived fact's state: the Kleene OR of its deriving rules' results, from false."""
    state: Tri = False
    for deriver in derivers:
        state = or3(state, deriver.result)
    return state


class TraceNode:
    """One node of a rule's condition checked against the case: a clause, whether the case gives
    its field and, for a derived fact, the fact's state; or an all / any group with its items.

    A node is shared by every case with the same values for the rule's fields (the memo), so the
    case value a clause read is ``Trace.facts[field]``, never stored here."""

    __slots__ = ("cond", "result", "items", "value", "given")

    def __init__(self, cond: Condition, result: Tri, items: tuple[TraceNode, ...] = (), value: Any = None,
                 given: bool = False):
        self.cond, self.result, self.items, self.value, self.given = cond, result, items, value, given

    @property
    def is_clause(self) -> bool:
        return isinstance(self.cond, Leaf)


def _check(cond: Condition, facts: Mapping[str, Any], derived: Mapping[str, Tri],
           pending: frozenset[str]) -> TraceNode:
    """Every node of a condition, three-valued (no short cut: the tree shows every clause)."""
    if isinstance(cond, Leaf):
        name = cond.field
        if cond.op == "derived":
            state = derived.get(name, False)
            return TraceNode(cond, state, (), state, name in derived)
        given = name in facts
        if name in pending:
            result: Tri = None
        elif cond.op == "exists":
            result = given
        elif cond.op == "not_exists":
            result = not given
        else:
            result = cond.test(facts[name]) if given else None  # type: ignore[misc]
        return TraceNode(cond, result, (), None, given)
    return _group(cond, tuple(_check(item, facts, derived, pending) for item in cond.items))


def _group(cond: Condition, items: tuple[TraceNode, ...]) -> TraceNode:
    """An all / any node from its items' nodes, three-valued."""
    results = [item.result for item in items]
    decisive = cond.op != "all"  # an all is decided by a false item, an any by a true one
    result = decisive if decisive in results else (None if None in results else not decisive)
    return TraceNode(cond, result, items)


def replayed(cond: Condition, results: Iterator[Tri]) -> TraceNode:
    """A condition's node tree from its clauses' results, given in ``leaves`` order: how the pack compiled to
    columns (which decides clauses, not trees) gets a node tree, so what decides and what a rule waits on
    stay this module's (``RuleTrace``)."""
    if isinstance(cond, Leaf):
        return TraceNode(cond, next(results))
    return _group(cond, tuple(replayed(item, results) for item in cond.items))


def _deciders(node: TraceNode) -> tuple[tuple[Leaf, Tri], ...]:
    """The clauses that decided a node: the met ones when true, the failed ones when false, the
    unknown ones when unknown (every item when none of them decides)."""
    if not node.items:
        return ((node.cond, node.result),)  # type: ignore[return-value]
    decisive = node.cond.op != "all"  # type: ignore[union-attr]
    chosen = [i for i in node.items if i.result is decisive] or [i for i in node.items if i.result is None] \
        or node.items
    return tuple(d for item in chosen for d in _deciders(item))


def _open_clauses(node: TraceNode) -> list[Leaf]:
    """The clauses of the undecided parts of a node (a decided item of an undecided group is left out)."""
    if node.result is not None:
        return []
    if not node.items:
        return [node.cond]  # type: ignore[list-item]
    return [leaf for item in node.items for leaf in _open_clauses(item)]


class RuleTrace:
    """One rule checked against the case: its result, its clause tree with the case values, and,
    computed on first use, the deciding clauses and the fields it waits on.

    Shared by every case with the same values for the fields the rule reads and the same traces
    deriving the facts it reads (``cryoelig.reasoning.memo``).
    """

    __slots__ = ("rule", "result", "tree", "derivers", "_deciders", "_waits_on", "_open")

    def __init__(self, rule: Rule, tree: TraceNode, derivers: Mapping[str, tuple[RuleTrace, ...]]):
        self.rule = rule
        self.tree = tree
        self.result: Tri = tree.result
        #: per derived fact the rule reads: the traces of the rules deriving it, in pack order
        self.derivers = derivers
        self._deciders: tuple[tuple[Leaf, Tri], ...] | None = None
        self._waits_on: tuple[str, ...] | None = None
        self._open: tuple[str, ...] | None = None

    @property
    def deciders(self) -> tuple[tuple[Leaf, Tri], ...]:
        if self._deciders is None:
            self._deciders = _deciders(self.tree)
        return self._deciders

    def derived_state(self, name: str) -> Tri:
        """The state of a derived fact this rule reads."""
        return holds(self.derivers.get(name, ()))

    @property
    def waits_on(self) -> tuple[str, ...]:
        """The case fields whose absence leaves this rule unknown, through derived facts too
        (each once, in clause order); empty unless the rule is unknown."""
        if self._waits_on is None:
            out: dict[str, None] = {}
            if self.result is None:
                for leaf, _ in self.deciders:
                    if leaf.op != "derived":
                        out[leaf.field] = None
                        continue
                    for deriver in self.derivers.get(leaf.field, ()):
                        if deriver.result is None:
                            out.update(dict.fromkeys(deriver.waits_on))
            self._waits_on = tuple(out)
        return self._waits_on

    @property
    def open_fields(self) -> tuple[str, ...]:
        """While the rule is undecided: the fields of its clauses still undecided (a branch the answers
        already decide, such as a link's ``site in [...]`` at another site, asks nothing), and those of
        the undecided rules deriving an unknown fact it reads (the checklist keeps the ones not
        answered yet)."""
        if self._open is None:
            out: list[str] = []
            if self.result is None:
                clauses = _open_clauses(self.tree)
                out += dict.fromkeys(leaf.field for leaf in clauses if leaf.op != "derived")
                for name in dict.fromkeys(leaf.field for leaf in clauses if leaf.op == "derived"):
                    if self.derived_state(name) is None:
                        for deriver in self.derivers.get(name, ()):
                            out += deriver.open_fields
            self._open = tuple(out)
        return self._open


@dataclass(frozen=True)
class DerivedState:
    """A derived fact: its state, the rules that can establish it, and those that did."""

    name: str
    result: Tri
    rules: tuple[str, ...]
    established_by: tuple[str, ...]


class Trace:
    """Every rule of a pack checked against one case's facts (pack evaluation order), and the
    state of every derived fact. ``pending``: fields counted as unknown even for ``exists``.
    ``facts`` are the case's facts with the known totals of the pack's published scales."""

    __slots__ = ("pack", "facts", "pending", "rules", "derived", "_by_id")

    def __init__(self, pack: Pack, facts: Mapping[str, Any], pending: frozenset[str], rules: list[RuleTrace],
                 derived: dict[str, Tri]):
        self.pack, self.facts, self.pending, self.rules, self.derived = pack, facts, pending, rules, derived
        self._by_id: dict[str, RuleTrace] | None = None

    @property
    def scales(self) -> list[ScaleResult]:
        """Each published scale of the pack on this case: total or value, band, components, missing."""
        return scale_results(self.pack, self.facts)

    def applies(self, scale_id: str) -> Tri:
        """Whether the case is one a scale is published for (its applies_when), three-valued: a field
        still to be asked is unknown."""
        return rule_memo(self.pack).applies(scale_id, self.facts, self.pending, _guard_result)

    def rule(self, rule_id: str) -> RuleTrace:
        if self._by_id is None:
            self._by_id = {rt.rule.id: rt for rt in self.rules}
        return self._by_id[rule_id]

    @property
    def fired(self) -> frozenset[str]:
        """The rules whose condition is met."""
        return frozenset(rt.rule.id for rt in self.rules if rt.result is True)

    def derived_facts(self) -> list[DerivedState]:
        """Every fact the pack derives, in the order its first deriving rule is evaluated."""
        names: dict[str, list[RuleTrace]] = {}
        for rt in self.rules:
            if rt.rule.spec.derives:
                names.setdefault(rt.rule.spec.derives, []).append(rt)
        return [DerivedState(name, self.derived.get(name, False), tuple(rt.rule.id for rt in traces),
                             tuple(rt.rule.id for rt in traces if rt.result is True))
                for name, traces in names.items()]

    def check_engine(self, fired: frozenset[str], case_id: str) -> None:
        """The engine's decision must be this evaluation's: a disagreement is a bug, never the user's."""
        decided = self.fired
        if fired != decided:
            raise EngineMismatchError(
                f"case {case_id}: engine fired {sorted(fired - decided)} that Python did not, "
                f"and Python fired {sorted(decided - fired)} that the engine did not"
            )


def _rule_trace(rule: Rule, facts: Mapping[str, Any], derivers: dict[str, tuple[RuleTrace, ...]],
                pending: frozenset[str]) -> RuleTrace:
    """One rule checked against the case, given the traces of the rules deriving the facts it reads (a
    fact no rule derived before it is not established)."""
    derived = {name: holds(traces) for name, traces in derivers.items() if traces}
    return RuleTrace(rule, _check(rule.condition, facts, derived, pending), derivers)


def clause_result(leaf: Leaf, facts: Mapping[str, Any]) -> Tri:
    """A clause over a case field checked against the case's facts, three-valued (a compact report's stored
    results are checked with it as they are expanded)."""
    return _check(leaf, facts, {}, frozenset()).result


def _guard_result(cond: Condition, facts: Mapping[str, Any], pending: frozenset[str]) -> Tri:
    return _check(cond, facts, {}, pending).result


def evaluate(pack: Pack, facts: Mapping[str, Any], pending: Iterable[str] = ()) -> Trace:
    """The Trace of a case's facts (dotted field -> value; absent fields are unknown), the published
    scales' known totals added unless they are a ``CaseFacts`` already. ``pending``: fields still to be
    asked, unknown even for ``exists``."""
    pending = frozenset(pending)
    facts = as_case_facts(pack, facts, pending)
    traces, deriving = rule_memo(pack).traces(facts, pending, _rule_trace)
    return Trace(pack, facts, pending, traces, {name: holds(ts) for name, ts in deriving.items()})
