"""What the Python evaluator and the rule engine say of many cases, in the compiled pack's column names:
the references a batch's columns are checked against (``batch.colcross``, the differential tests).

Why its own module: the cross-check decides ~3,000 rows of a 200,000-row table, and building a dict of
some 150 names per row through ``Trace.rule`` cost more than the evaluation itself. Here each case gives
one tuple in a fixed layout (rules, derived facts, factors, missing fields, scale totals and bands, the
order the results table has them), made from the Trace's rules by position, and the engine reads
the same facts with the published scales' totals made once (``casefacts.case_facts``) for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .casefacts import case_facts
from .columns import Plan
from .evaluation import evaluate
from .memo import LastOne


class Layout:
    """A plan's reference columns: their names, and where each is read in a Trace."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.ids = [r.id for r in plan.rules]
        self.names = [f"rule.{i}" for i in self.ids] + [f"derived.{n}" for n in plan.derived]
        self.names += [f"factor.{f}" for f in plan.factors] + [f"missing.{n}" for n in plan.missing_fields]
        for scale in plan.pack.scales:
            self.names += [f"total.{scale.id}"] + ([f"band.{scale.id}"] if scale.bands else [])
        at = {rid: i for i, rid in enumerate(self.ids)}
        self.factors = [frozenset(at[r.id] for r in plan.factor_rules[f]) for f in plan.factors]
        self.missing = [at[r.id] for r in plan.missing_rules]
        self.position = list(range(len(self.ids)))  # where each plan rule is in a Trace's rules (the memo's order)

    def rules(self, traces: list[Any]) -> list[Any]:
        """A Trace's rule traces in the plan's order (each checked to be the plan's rule)."""
        rules = self.plan.rules
        picked = [traces[i] for i in self.position] if len(traces) == len(rules) else None
        if picked is None or any(rt.rule is not r for rt, r in zip(picked, rules, strict=True)):
            where = {rt.rule.id: i for i, rt in enumerate(traces)}
            self.position = [where[rid] for rid in self.ids]
            picked = [traces[i] for i in self.position]
        return picked


_LAYOUTS: LastOne[Plan, Layout] = LastOne(Layout)


def layout_of(plan: Plan) -> Layout:
    """A plan's reference layout, made once per plan (the last one asked)."""
    return _LAYOUTS.get(plan)


def _states(results: list[Any], factors: list[frozenset[int]]) -> list[Any]:
    """Each factor: the strongest state of its rules (raised > unknown > not raised; no rule: not raised)."""
    met = {i for i, r in enumerate(results) if r is True}
    unknown = {i for i, r in enumerate(results) if r is None}
    return [True if not rules.isdisjoint(met) else None if not rules.isdisjoint(unknown) else False
            for rules in factors]


def evaluated(plan: Plan, facts: Mapping[str, Any], trace: Any = None) -> tuple[tuple[Any, ...], frozenset[str]]:
    """One case: the evaluator's values in the layout's order (from its ``trace`` when already made), and the
    rules it finds met."""
    lay = layout_of(plan)
    trace = trace if trace is not None else evaluate(plan.pack, facts)
    traces = lay.rules(trace.rules)
    results = [rt.result for rt in traces]
    waiting: set[str] = set()
    for i in lay.missing:
        if results[i] is None:
            waiting.update(traces[i].waits_on)
    values = [*results, *[trace.derived.get(n, False) for n in plan.derived],
              *_states(results, lay.factors),
              *[name in waiting for name in plan.missing_fields]]
    for result in trace.scales:
        values.append(result.total)
        if result.scale.bands:
            values.append(result.band.id if result.band else None)
    return tuple(values), frozenset(i for i, r in zip(lay.ids, results, strict=True) if r is True)


def references(plan: Plan, cases: Sequence[Mapping[str, Any]], engine: bool = False,
               traces: Sequence[Any] | None = None) -> tuple[
        list[str], list[tuple[Any, ...]], list[frozenset[str]], list[frozenset[str]] | None]:
    """(the column names, the evaluator's values per case and the rules it finds met, the rules the engine
    fires per case when ``engine``); ``traces``: the evaluator's traces already made (None where not)."""
    facts = [case_facts(plan.pack, f) for f in cases]  # the published scales' totals, once for both references
    said = [evaluated(plan, f, t) for f, t in zip(facts, traces or [None] * len(facts), strict=True)]
    fired = None
    if engine:
        from .engine import engine_for

        fired = engine_for(plan.pack).fire_many(facts)
    return layout_of(plan).names, [s[0] for s in said], [s[1] for s in said], fired


def reference(plan: Plan, facts: Mapping[str, Any]) -> dict[str, Any]:
    """What the Python evaluator says of one case's facts, in the results table's column names (the
    differential tests' reference)."""
    return dict(zip(layout_of(plan).names, evaluated(plan, facts)[0], strict=True))
