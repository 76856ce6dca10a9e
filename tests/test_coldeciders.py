"""Deciding clauses and waits-on from the columns (cryoelig.reasoning.coldeciders) against the Python evaluator's
``RuleTrace``, per rule, on generated cases with values at every threshold of the pack (issue 24)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from test_columns import parsed_cases, threshold_case  # noqa: E402

from cryoelig.case.contract import parse_case  # noqa: E402
from cryoelig.reasoning.coldeciders import RuleKeys, rule_keys  # noqa: E402
from cryoelig.reasoning.columns import compile_pack  # noqa: E402
from cryoelig.reasoning.evaluation import evaluate  # noqa: E402
from cryoelig.rulepack.conditions import leaves  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402


def decided_by_columns(pack: Any, cases: list[Any]) -> list[dict[str, Any]]:
    """Per case, rule id -> (result, deciders, waits_on) as the columns' keys replay them."""
    compiled = compile_pack(pack)
    plan = compiled.plan
    rows = [plan.facts_row(i + 1, c.case_id, c.facts()) for i, c in enumerate(cases)]
    _results, nodes = compiled.decide(pa.Table.from_pylist(rows, schema=plan.schema()))
    keys = rule_keys(pack)
    codes = {rid: col.to_pylist() for rid, col in keys.keys(nodes).items()}
    out = []
    for i in range(len(cases)):
        row = {}
        for rid, col in codes.items():
            d = keys.decided(rid, col[i])
            row[rid] = (d.result, d.deciders, d.waits_on)
        out.append(row)
    return out


def decided_by_evaluator(pack: Any, case: Any) -> dict[str, Any]:
    trace = evaluate(pack, case.facts())
    out = {}
    for rt in trace.rules:
        at = {id(leaf): i for i, leaf in enumerate(leaves(rt.rule.condition))}
        out[rt.rule.id] = (rt.result, tuple((at[id(leaf)], r) for leaf, r in rt.deciders), rt.waits_on)
    return out


def test_every_rule_of_the_pack_is_keyable() -> None:
    assert RuleKeys(load_pack()).keyable()


@seed(24)
@settings(max_examples=25, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(threshold_case(), min_size=20, max_size=60))
def test_columns_decide_as_the_evaluator_does(batch: list[dict[str, Any]]) -> None:
    pack = load_pack()
    cases = parsed_cases(batch, pack)
    for case, got in zip(cases, decided_by_columns(pack, cases), strict=True):
        want = decided_by_evaluator(pack, case)
        assert {rid: v for rid, v in got.items() if v != want[rid]} == {}, case.facts()


def test_waits_on_follows_the_derived_fact() -> None:
    """A rule reading an unknown derived fact waits on the fields of the rule deriving it (the key holds the
    deriver's clauses too)."""
    pack = load_pack()
    case = parse_case({"case_id": "c1", "site": "bone"}, pack)
    got = decided_by_columns(pack, [case])[0]
    want = decided_by_evaluator(pack, case)
    reader = next(r.id for r in pack.rules if any(lf.op == "derived" for lf in leaves(r.condition)))
    assert got[reader] == want[reader] and got[reader][0] is None and got[reader][2]
