"""The one memo idiom of the reasoning and the report: bounded tables, typed keys, per-pack state held weakly.

Why one module: over thousands of cases a review is mostly look-ups (each rule's trace, each scale's result,
each report piece, each published-scales section), and a memo is correct only if its key covers everything
the kept value was built from. Written once here, the idiom is:

- **Per pack** (``PerPack``): what a memo keeps is built from one pack, so it lives in state made for that
  pack on first use and held weakly: it goes when the pack goes (a pack an educator reloads is not kept
  alive). Nothing kept may hold the pack itself, or the pack would never go.
- **Typed keys** (``CaseValues``): a key part carries its value's type (a value of its field's own type
  stands for itself, any other is paired with its type). 4, 4.0 and True are equal as dictionary keys,
  yet a report shows the value as the case gave it ("4" or "4.0", "yes"), so a value built for one is
  never handed to another. A field the case does not give is ``UNKNOWN``; a field still to be asked (the
  checklist's) is ``(PENDING, ...)``: neither equals a value a case can give. The types are checked once
  per case (``checked``, as its facts are made), not once per memo.
- **Bounded tables** (``Table``): a dict emptied when full. No least-recently-used order is kept: in a batch
  the entries a row needs recur, and emptying costs one refill, while keeping an order costs on every hit.
- **Keys in one C call** (``picker``): a case's key parts are made once, then each key is an
  ``itemgetter`` over them.

What the keys assume of a pack (every deriving rule before the rules reading its fact; a rule's text reads
only fields its conditions read; a published scale's rules read no derived fact and no other scale's
total; a scale's applies_when reads no derived fact) is checked when a pack loads
(``cryoelig.rulepack.packmodel.memo_problems``, run as every Pack is made), so a pack that breaks it is
refused, never evaluated wrongly.

Threads: tables are dicts whose single operations are atomic under the GIL; two threads computing the same
entry compute equal values, so a race costs time, never a result. Per-pack state is made under a lock, so
two threads never build two states for one pack; after ``fork`` the child gets fresh locks.
"""

from __future__ import annotations

import itertools
import operator
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ..rulepack.conditions import Condition, derived_refs, leaves
from ..rulepack.packmodel import Pack, Rule

K = TypeVar("K")
V = TypeVar("V")

#: Entries a table keeps before it is emptied (per rule, per scale, per section: see each table).
LIMIT = 20_000


class _Marker:
    """A key part no case value equals (its own type, compared by identity)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Marker("UNKNOWN")  # a field the case does not give
PENDING = _Marker("PENDING")  # a field still to be asked


class Table(dict):  # type: ignore[type-arg]
    """A bounded memo table: ``get`` as a dict's (in C), ``keep`` on a miss (the table is emptied first
    when full)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = LIMIT):
        super().__init__()
        self.limit = limit

    def keep(self, key: Any, value: V) -> V:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


class IdTable(Table):
    """A table keyed by an object's identity (``id``) for objects that are not hashable by value. Each
    object is held while its entry stands, so its id cannot be reused by another object meanwhile."""

    __slots__ = ("_held",)

    def __init__(self, limit: int = LIMIT):
        super().__init__(limit)
        self._held: list[Any] = []

    def keep_for(self, obj: Any, value: V) -> V:
        if len(self) >= self.limit:
            self.clear()
            self._held.clear()
        self[id(obj)] = value
        self._held.append(obj)
        return value


def typed(value: Any) -> tuple[type, Any]:
    """A value as a key part that carries its type, so that 4, 4.0 and True never share an entry."""
    return type(value), value


#: Each field's own type: the first type a value of it had in this process, kept for good (under the lock).
_own: dict[str, type] = {}
_own_lock = threading.Lock()


class CheckedFacts(dict):  # type: ignore[type-arg]
    """A case's facts whose values' types were checked once (``checked``): ``plain`` when every value is of
    its field's own type, so that each memo takes the values as their own key parts. Not changed once made."""

    __slots__ = ("plain",)


def checked(facts: CheckedFacts) -> CheckedFacts:
    """``facts`` with ``plain`` set: whether every value is of its field's own type (a field seen for the
    first time takes its value's type as its own)."""
    own = tuple(map(_own.get, facts))
    types = tuple(map(type, facts.values()))
    if types != own and None in own:
        with _own_lock:
            for name, kind in zip(facts, types, strict=True):
                _own.setdefault(name, kind)
        own = tuple(map(_own.get, facts))
    facts.plain = types == own
    return facts


class CaseValues:
    """The key parts of a case for some fields, in order: ``of(facts)``.

    Typed: a value is its own key part when its type is its field's own type (the first type a value of
    that field had in this process, kept for good), else it is ``typed(value)``; so two values share a key
    part only if they are equal and of the same type: 4, 4.0 and True never do, whichever came first. The
    types of a ``CheckedFacts`` were checked once for the case, so its values are taken as they are (in C).
    A field the case does not give is ``UNKNOWN``; a field still to be asked is ``(PENDING, part)``.
    """

    __slots__ = ("fields",)

    def __init__(self, fields: tuple[str, ...]):
        self.fields = tuple(fields)

    def of(self, facts: Mapping[str, Any], pending: frozenset[str] = frozenset()) -> list[Any]:
        values = list(map(facts.get, self.fields, itertools.repeat(UNKNOWN)))
        if not getattr(facts, "plain", False):
            own = _own.get
            values = [v if v is UNKNOWN or own(f) is type(v) else typed(v)
                      for f, v in zip(self.fields, values, strict=True)]
        if pending:
            values = [(PENDING, v) if f in pending else v for f, v in zip(self.fields, values, strict=True)]
        return values


def picker(positions: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A key from a case's values (``CaseValues.of``): the values at ``positions``, in one C call
    (``itemgetter`` gives a bare item for one index, so one index gets its own function)."""
    if len(positions) >= 2:
        return operator.itemgetter(*positions)  # type: ignore[return-value]
    if positions:
        only = positions[0]
        return lambda values: (values[only],)
    return lambda values: ()


class LastOne(Generic[K, V]):
    """``get(key)``: the state of the one object asked last, made by ``factory(key)`` and held with it (a batch
    works with one pack at a time). For state that holds its object, which ``PerPack``'s must not: the
    compiled pack, the plan's column checks and reference layout."""

    __slots__ = ("_factory", "_held")

    def __init__(self, factory: Callable[[K], V]) -> None:
        self._factory = factory
        self._held: tuple[K, V] | None = None

    def get(self, key: K) -> V:
        held = self._held
        if held is None or held[0] is not key:
            held = self._held = (key, self._factory(key))
        return held[1]

    def clear(self) -> None:
        self._held = None


class PerPack(Generic[V]):
    """``get(pack)``: the state of ``pack``, made by ``factory(pack)`` the first time and dropped when the
    pack goes (the state must not hold the pack, or the pack would never go). Keyed by the pack's ``id``,
    one C look-up per call: the entry is removed by a weak reference's callback as the pack is collected,
    before its id can be reused. ``forget(pack)`` drops every PerPack's state of a pack."""

    _all: weakref.WeakSet[PerPack[Any]] = weakref.WeakSet()

    def __init__(self, factory: Callable[[Pack], V]) -> None:
        self._factory = factory
        self._states: dict[int, V] = {}
        self._lock = threading.Lock()
        PerPack._all.add(self)

    def get(self, pack: Pack) -> V:
        state = self._states.get(id(pack))
        if state is None:
            with self._lock:
                state = self._states.get(id(pack))
                if state is None:
                    state = self._factory(pack)
                    weakref.finalize(pack, self._states.pop, id(pack), None).atexit = False
                    self._states[id(pack)] = state
        return state

    def values(self) -> list[V]:
        return list(self._states.values())

    def __contains__(self, pack: object) -> bool:
        return id(pack) in self._states

    @classmethod
    def forget(cls, pack: Pack) -> None:
        """Drop every memo of a pack (tests; a long-lived process that is done with a pack)."""
        for per_pack in list(cls._all):
            with per_pack._lock:
                per_pack._states.pop(id(pack), None)

    @classmethod
    def _fresh_locks(cls) -> None:
        for per_pack in list(cls._all):
            per_pack._lock = threading.Lock()


os.register_at_fork(after_in_child=PerPack._fresh_locks)
forget = PerPack.forget


# ---------------------------------------------------------------- the rule traces' memo


#: What the evaluation computes for one rule on a miss: (rule, facts, derivers, pending) -> its trace, where
#: ``derivers`` maps each derived fact the rule reads to the traces of the rules deriving it.
Compute = Callable[[Rule, Mapping[str, Any], dict[str, tuple[Any, ...]], frozenset[str]], Any]
#: ... and for a scale's applies_when: (condition, facts, pending) -> its result
Guard = Callable[[Condition, Mapping[str, Any], frozenset[str]], Any]


def rule_groups(pack: Pack) -> list[list[Rule]]:
    """The rules memoized as groups: those of the last packs of a set that neither derive a fact nor read one
    (the published scales), one group per run of rules of the same scale (in pack order). What each of their
    rules gives is fixed by the values of the fields the group reads, so one look-up stands for all of them;
    a group per scale, not per pack, keeps one scale's fields (a kidney scale's tumor size) out of the other
    scales' keys."""
    out: list[list[Rule]] = []
    for part in reversed(pack.parts[1:]):
        if not part.rules or any(r.spec.derives or derived_refs(r.condition) for r in part.rules):
            break
        runs: list[list[Rule]] = []
        for rule in part.rules:
            if runs and pack.rule_scale.get(runs[-1][-1].id) == pack.rule_scale.get(rule.id):
                runs[-1].append(pack.rule_by_id[rule.id])
            else:
                runs.append([pack.rule_by_id[rule.id]])
        out[:0] = runs
    return out


class RuleMemo:
    """Per pack: each rule's trace kept on the typed values of the fields the rule reads and on the traces
    of the rules deriving the facts it reads (by identity: a kept trace stands for its own key), one table
    per rule (or per group of rules, ``rule_groups``); and each scale's applies_when on the typed values
    of the fields it reads. Holds rules and conditions, never the pack."""

    def __init__(self, pack: Pack):
        groups = rule_groups(pack)
        grouped = {rule.id for rules in groups for rule in rules}
        single = [rule for rule in pack.rules if rule.id not in grouped]
        #: every field some rule reads, once: a case's values are looked up once, then each key is one C call
        self.values = CaseValues(tuple(dict.fromkeys([*(f for rule in single for f in rule.fields),
                                                      *(f for rules in groups for r in rules for f in r.fields)])))
        at = {f: i for i, f in enumerate(self.values.fields)}
        self.plan = [(rule, picker([at[f] for f in rule.fields]), tuple(dict.fromkeys(derived_refs(rule.condition))),
                      rule.spec.derives, Table()) for rule in single]
        self.groups = [(rules, picker([at[f] for f in dict.fromkeys(f for r in rules for f in r.fields)]), Table())
                       for rules in groups]
        self.guards = {sid: (cond, CaseValues(tuple(dict.fromkeys(leaf.field for leaf in leaves(cond)))), Table())
                       for sid, cond in pack.guards.items()}

    def applies(self, scale_id: str, facts: Mapping[str, Any], pending: frozenset[str], compute: Guard) -> Any:
        """Whether the case is one a scale is published for (``compute`` on a miss)."""
        cond, values, table = self.guards[scale_id]
        key = tuple(values.of(facts, pending))
        hit = table.get(key, UNKNOWN)
        if hit is UNKNOWN:
            hit = table.keep(key, compute(cond, facts, pending))
        return hit

    def traces(self, facts: Mapping[str, Any], pending: frozenset[str], compute: Compute
               ) -> tuple[list[Any], dict[str, tuple[Any, ...]]]:
        """Every rule's trace in pack order (``compute`` on a miss), and per derived fact the traces of the
        rules deriving it."""
        values = self.values.of(facts, pending)
        traces: list[Any] = []
        deriving: dict[str, tuple[Any, ...]] = {}
        for rule, pick, refs, derives, table in self.plan:
            key = pick(values)
            if refs:
                key += tuple([deriving.get(name) for name in refs])
            hit = table.get(key)
            if hit is None:
                hit = table.keep(key, compute(rule, facts, {name: deriving.get(name, ()) for name in refs}, pending))
            traces.append(hit)
            if derives:
                deriving[derives] = (*deriving.get(derives, ()), hit)
        for rules, pick, table in self.groups:
            group = table.get(key := pick(values))
            if group is None:
                group = table.keep(key, tuple([compute(rule, facts, {}, pending) for rule in rules]))
            traces.extend(group)
        return traces, deriving


rule_memos = PerPack(RuleMemo)
rule_memo = rule_memos.get
