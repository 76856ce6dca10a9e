"""The rule pack compiled to Arrow compute (pyarrow.compute): the third evaluator, for a batch.

Why: a registry reads ids and values, and deciding a row with the rule engine and a full report costs
about 300 µs; deciding a column of rows costs about 1 µs per row (issue 24, docs/columns.md). The
compiler walks the same parsed condition trees as the engine and the Python evaluator
(``Rule.condition``, ``Pack.scales``, ``Pack.derivers``): nothing is parsed again, so the three
cannot drift apart without the cross-check and the differential tests seeing it.

Three-valued, null is unknown: ``and_kleene`` / ``or_kleene`` / ``invert`` are Kleene; comparisons give
null on a null input; ``and_`` / ``or_`` (null wins) are used only on masks without nulls; ``is_in``
gives false on a null input, so membership is a Kleene OR of equalities.

The facts table (input of a compiled pack): ``row`` (int64), ``case_id``, then per case field one typed
column (string, bool, float64, int64: null when not given); a list field is one bool column per allowed
value, ``<field>__<value>`` (null when the list is not given), and its items in the order the case gives
them, ``;``-joined, in ``<field>`` (a report lists them so). pyarrow is the optional ``[parquet]``
extra: only a batch imports this module, and only when pyarrow is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..case.contract import case_fields
from ..rulepack.conditions import Condition, Leaf, leaves
from ..rulepack.packmodel import Pack
from .coltypes import field_kinds, scale_columns
from .memo import LastOne

TYPES = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string(), "bool": pa.bool_()}
_CMP = {"eq": pc.equal, "ne": pc.not_equal, "lt": pc.less, "le": pc.less_equal, "gt": pc.greater,
        "ge": pc.greater_equal}
Env = dict[str, Any]
Fn = Callable[[Env, Env], Any]  # (columns, derived states) -> bool array


def flag(field: str, value: Any) -> str:
    """The column of one allowed value of a list field (as the engine's ``conditions.list_key``)."""
    return f"{field}__{value}"


class Plan:
    """A pack as the compiler reads it, built once per pack."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.case_fields = case_fields()
        self.kinds = dict(field_kinds())
        self.lists = {n: tuple(s["values"]) for n, s in self.case_fields.items() if s["type"] == "list"}
        self.rules = list(pack.rules)  # evaluation order: derivers first
        of_a_scale = set(pack.rule_scale)
        #: the rules whose unknowns are the report's missing information (projection._source_traces)
        self.missing_rules = [r for r in self.rules if r.id not in of_a_scale and r.kind != "derived"]
        self.factors = [f.id for f in pack.meta.factors]
        self.factor_kind = {f.id: f.kind for f in pack.meta.factors}
        self.factor_rules = {f: [r for r in self.rules if r.spec.factor == f] for f in self.factors}
        self.derived = list(dict.fromkeys(r.spec.derives for r in self.rules if r.spec.derives))
        self.scores = [s for s in pack.scales if s.kind == "score"]
        read: set[str] = set()
        for rule in self.missing_rules:
            for leaf in leaves(rule.condition):
                if leaf.op == "derived":
                    read.update(lf.field for d in pack.derivers(leaf.field) for lf in leaves(d.condition))
                else:
                    read.add(leaf.field)
        self.missing_fields = [f for f in self.case_fields if f in read]

    def fact_columns(self) -> list[tuple[str, str]]:
        """The facts table's columns and type names."""
        cols = [("row", "int64"), ("case_id", "string")]
        for name, kind in self.kinds.items():
            if kind == "list":
                cols += [(flag(name, v), "bool") for v in self.lists[name]]
                cols.append((name, "string"))
            else:
                cols.append((name, {"enum": "string", "bool": "bool", "number": "float64", "whole": "int64"}[kind]))
        return cols

    def schema(self) -> pa.Schema:
        return pa.schema([(c, TYPES[t]) for c, t in self.fact_columns()])

    def facts_row(self, row: int, case_id: str, facts: dict[str, Any]) -> dict[str, Any]:
        """A case's facts (``Case.facts()``) as one row of the facts table (the per-row path's cases)."""
        out: dict[str, Any] = {"row": row, "case_id": case_id}
        for name, kind in self.kinds.items():
            value = facts.get(name)
            if kind == "list":
                for v in self.lists[name]:
                    out[flag(name, v)] = None if value is None else v in value
                out[name] = None if value is None else ";".join(value)
            else:
                out[name] = float(value) if value is not None and kind == "number" else value
        return out

    def table_columns(self) -> list[str]:
        """The analysis table: ids, a column per factor, per missing field, per scale total and band."""
        cols = ["row", "case_id", "site", *(f"factor.{f}" for f in self.factors),
                *(f"missing.{f}" for f in self.missing_fields)]
        return cols + [name for name, _ in scale_columns(self.pack)]


def _all(items: list[Any]) -> Any:
    return reduce(pc.and_kleene, items)


def _any(items: list[Any]) -> Any:
    return reduce(pc.or_kleene, items)


def _within(col: Any, band: Any) -> Any:
    return _all([_CMP[op](col, getattr(band, op)) for op in ("gt", "ge", "lt", "le") if getattr(band, op) is not None])


def _leaf(leaf: Leaf, plan: Plan) -> Fn:
    name, op, value = leaf.field, leaf.op, leaf.value
    if op == "derived":
        return lambda env, state: state.get(name, env["__false"])
    if name in plan.lists:  # one bool column per allowed value (null: the list is not given)
        if op in ("exists", "not_exists"):
            probe, test = flag(name, plan.lists[name][0]), pc.is_valid if op == "exists" else pc.is_null
            return lambda env, state: test(env[probe])
        wanted = [flag(name, v) for v in (value if isinstance(value, tuple) else (value,))]
        if op in ("has", "has_any"):
            return lambda env, state: _any([env[w] for w in wanted])
        return lambda env, state: pc.invert(_any([env[w] for w in wanted]))
    if op == "exists":
        return lambda env, state: pc.is_valid(env[name])
    if op == "not_exists":
        return lambda env, state: pc.is_null(env[name])
    if op in _CMP:
        cmp, scalar = _CMP[op], pa.scalar(value)
        return lambda env, state: cmp(env[name], scalar)
    scalars = [pa.scalar(v) for v in value]  # membership: a Kleene OR of equalities (null on a null cell)
    if op == "in":
        return lambda env, state: _any([pc.equal(env[name], v) for v in scalars])
    return lambda env, state: pc.invert(_any([pc.equal(env[name], v) for v in scalars]))


def _node(cond: Condition, plan: Plan) -> Fn:
    """A condition as a function storing every node's result (by id) in ``env['__nodes']``; a clause read
    by several rules is computed once per call."""
    key = id(cond)
    if isinstance(cond, Leaf):
        test = _leaf(cond, plan)
        same = None if cond.op == "derived" else (cond.field, cond.op, cond.value)

        def leaf(env: Env, state: Env) -> Any:
            memo = env["__leaves"]
            result = memo.get(same) if same else None
            if result is None:
                result = test(env, state)
                if same:
                    memo[same] = result
            env["__nodes"][key] = result
            return result
        return leaf
    items = [_node(i, plan) for i in cond.items]
    fold = _all if cond.op == "all" else _any

    def node(env: Env, state: Env) -> Any:
        env["__nodes"][key] = result = fold([item(env, state) for item in items])
        return result
    return node


def _waits(cond: Condition, nodes: Env, derived_waits: dict[str, Env]) -> Env:
    """Field -> rows where the condition is unknown because of that field (``RuleTrace.waits_on``)."""
    if isinstance(cond, Leaf):
        sub = derived_waits.get(cond.field, {}) if cond.op == "derived" else {cond.field: None}
    else:
        sub = {}
        for item in cond.items:
            _merge(sub, _waits(item, nodes, derived_waits))
    unknown = pc.is_null(nodes[id(cond)])
    return {name: unknown if rows is None else pc.and_(unknown, rows) for name, rows in sub.items()}


def points(comp: Any, col: Any) -> Any:
    """A scale component's points (int64, null when not given)."""
    if comp.choices is not None:
        keys = pa.array([c.value for c in comp.choices])
        return pc.take(pa.array([c.points for c in comp.choices], pa.int64()), pc.index_in(col, value_set=keys))
    out = pa.nulls(len(col), pa.int64())
    for r in reversed(comp.ranges):
        out = pc.if_else(_within(col, r), pa.scalar(r.points, pa.int64()), out)
    return out


def _band(value: Any, bands: list[Any]) -> Any:
    code = pa.nulls(len(value), pa.int8())
    for i, b in reversed(list(enumerate(bands))):  # the first band containing the value (Scale.band_for)
        code = pc.if_else(_within(value, b), pa.scalar(i, pa.int8()), code)
    return pc.take(pa.array([b.id for b in bands]), code)


def _merge(into: Env, more: Env, only: set[str] | None = None) -> None:
    """Field -> rows, OR-ed into ``into`` (the fields in ``only``, when given)."""
    for name, rows in more.items():
        if only is None or name in only:
            into[name] = rows if name not in into else pc.or_(into[name], rows)


class Compiled:
    """The pack as a function of a facts table: ``compiled(facts) -> results`` with ``rule.<id>`` (met / not
    met / unknown: true / false / null), ``derived.<name>``, ``factor.<id>`` (the Kleene OR of its rules),
    ``missing.<field>``, ``total.<scale>`` and ``band.<scale>``, beside ``row``, ``case_id`` and ``site``."""

    def __init__(self, pack: Pack):
        self.plan = plan = Plan(pack)
        self.rules = [(rule, _node(rule.condition, plan)) for rule in plan.rules]
        self.waited = {r.id for r in plan.missing_rules} | {r.id for r in plan.rules if r.spec.derives}
        #: each scale's applies_when, read as ``Trace.applies`` reads it (no derived fact: false)
        self.guards = [(sid, _node(cond, plan)) for sid, cond in pack.guards.items()]

    def _rules(self, env: Env) -> tuple[Env, Env, Env]:
        """Each rule's result, the derived facts' states and the fields each waited rule waits on."""
        state: Env = {}  # derived fact -> its state so far (Kleene OR over its rules, pack order)
        derived_waits: dict[str, Env] = {}
        results: Env = {}
        waits: dict[str, Env] = {}
        for rule, fn in self.rules:
            results[rule.id] = result = fn(env, state)
            if rule.id in self.waited:
                waits[rule.id] = _waits(rule.condition, env["__nodes"], derived_waits)
            if rule.spec.derives:
                name = rule.spec.derives
                state[name] = result if name not in state else pc.or_kleene(state[name], result)
                _merge(derived_waits.setdefault(name, {}), waits[rule.id])
        return results, state, waits

    def __call__(self, facts: pa.Table) -> pa.Table:
        return self.decide(facts)[0]

    def decide(self, facts: pa.Table) -> tuple[pa.Table, Env]:
        """The results table, and every condition node's result by ``id`` of its node (the clauses' results
        the compact report's deciding clauses are read from: ``coldeciders``)."""
        plan = self.plan
        env: Env = {name: facts.column(name).combine_chunks() for name in facts.column_names}
        env["__nodes"], env["__leaves"] = {}, {}
        false = env["__false"] = pc.is_null(env["row"])
        for scale in plan.scores:  # computed facts first: the band rules read them
            parts = [points(c, env[c.field]) for c in scale.components]
            env[f"__sum.{scale.id}"] = reduce(pc.add, parts)
            env[scale.fact] = pc.coalesce(env[f"__sum.{scale.id}"], env[scale.total_field])
        results, state, waits = self._rules(env)
        out: dict[str, Any] = {"row": env["row"], "case_id": env["case_id"], "site": env["site"]}
        out.update({f"rule.{rid}": r for rid, r in results.items()})
        out.update({f"derived.{name}": state.get(name, false) for name in plan.derived})
        out.update({f"factor.{f}": _any([results[r.id] for r in plan.factor_rules[f]] or [false])
                    for f in plan.factors})
        union: Env = {}
        for rule in plan.missing_rules:
            _merge(union, waits[rule.id], set(plan.missing_fields))
        out.update({f"missing.{name}": union.get(name, false) for name in plan.missing_fields})
        for scale in plan.pack.scales:
            value = out[f"total.{scale.id}"] = env[scale.fact if scale.kind == "score" else scale.field]
            if scale.bands:
                out[f"band.{scale.id}"] = _band(value, scale.bands)
        self._scale_states(env, out)
        return pa.table(out), env["__nodes"]

    def _scale_states(self, env: Env, out: Env) -> None:
        """``applies.<scale>`` (the scale's applies_when: true / false / null) and ``computed.<scale>`` (its
        total is the sum of its components' points, not a given total): what the batch summary counts."""
        for sid, guard in self.guards:
            out[f"applies.{sid}"] = guard(env, {})
        for scale in self.plan.scores:
            out[f"computed.{scale.id}"] = pc.is_valid(env[f"__sum.{scale.id}"])


_COMPILED: LastOne[Pack, Compiled] = LastOne(Compiled)


def compile_pack(pack: Pack) -> Compiled:
    """The compiled pack, built once per pack object in a process (the last one asked)."""
    return _COMPILED.get(pack)


__all__ = ["Compiled", "Plan", "compile_pack", "flag", "points"]
