"""The pack compiled to columns (cryoelig.reasoning.columns) against the two references: the Python
evaluator (every rule, derived fact, factor, missing field, scale total and band) and the rule engine
(the rules fired), on generated cases with values at every threshold of the pack (issue 24)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from strategies import case_data  # noqa: E402

from cryoelig.case.contract import parse_case  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402
from cryoelig.reasoning.columns import compile_pack  # noqa: E402
from cryoelig.reasoning.engine import engine_for  # noqa: E402
from cryoelig.reasoning.references import reference  # noqa: E402
from cryoelig.rulepack.conditions import leaves  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402


def thresholds() -> dict[str, list[float]]:
    """Per number field, every value the pack compares it with (rules, scale ranges and bands), and the
    values a hundredth either side."""
    pack = load_pack()
    out: dict[str, set[float]] = {}
    for rule in pack.rules:
        for leaf in leaves(rule.condition):
            if leaf.op in ("lt", "le", "gt", "ge", "eq", "ne") and isinstance(leaf.value, int | float) \
                    and not isinstance(leaf.value, bool):
                out.setdefault(leaf.field, set()).add(float(leaf.value))
    for scale in pack.scales:
        bounds = [*(scale.bands or []), *(r for c in getattr(scale, "components", None) or [] for r in c.ranges or [])]
        field = scale.field if scale.kind != "score" else None
        for b in bounds:
            for op in ("gt", "ge", "lt", "le"):
                if getattr(b, op) is not None and field:
                    out.setdefault(field, set()).add(float(getattr(b, op)))
    return {f: sorted({round(v + d, 2) for v in vs for d in (-0.01, 0, 0.01) if v + d >= 0}) for f, vs in out.items()}


THRESHOLDS = thresholds()
#: floats the case model takes as they are (whole-number and total fields keep the strategy's values)
_FLOAT_FIELDS = ("tumor.size_cm", "renal.nearness_mm", "labs.inr", "labs.platelets")


@st.composite
def threshold_case(draw: st.DrawFn) -> dict[str, Any]:
    """A generated case, some of its number fields set at or next to a threshold of the pack."""
    data = draw(case_data())
    for name in _FLOAT_FIELDS:
        if name in THRESHOLDS and draw(st.booleans()):
            group, _, leaf = name.partition(".")
            data.setdefault(group, {})[leaf] = draw(st.sampled_from(THRESHOLDS[name]))
    return data


def decide(pack: Any, cases: list[Any]) -> list[dict[str, Any]]:
    compiled = compile_pack(pack)
    plan = compiled.plan
    rows = [plan.facts_row(i + 1, c.case_id, c.facts()) for i, c in enumerate(cases)]
    return compiled(pa.Table.from_pylist(rows, schema=plan.schema())).to_pylist()


def plan_of(pack: Any) -> Any:
    return compile_pack(pack).plan


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def test_thresholds_cover_the_size_rule() -> None:
    assert 4.0 in THRESHOLDS["tumor.size_cm"] and 3.99 in THRESHOLDS["tumor.size_cm"]


def parsed_cases(batch: list[dict[str, Any]], pack: Any) -> list[Any]:
    """The generated cases the contract takes (a threshold value a field's bounds refuse is left out)."""
    cases = []
    for data in batch:
        try:
            cases.append(parse_case(data, pack))
        except InputError:
            continue
    return cases


@seed(24)
@settings(max_examples=25, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(threshold_case(), min_size=20, max_size=60))
def test_columns_evaluator_and_engine_agree(batch: list[dict[str, Any]]) -> None:
    pack = load_pack()
    cases = parsed_cases(batch, pack)
    got = decide(pack, cases)
    plan = compile_pack(pack).plan
    fired = engine_for(pack).fire_many([c.facts() for c in cases])
    for case, row, engine in zip(cases, got, fired, strict=True):
        want = reference(plan, case.facts())
        assert [k for k, v in want.items() if not _same(row[k], v)] == [], case.facts()
        assert frozenset(r.id for r in plan.rules if row[f"rule.{r.id}"] is True) == engine


def test_a_non_kleene_or_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison is sensitive to the three-valued logic: an OR where null wins differs on some case."""
    import functools

    import pyarrow.compute as pc
    import yaml

    from cryoelig.reasoning import columns

    pack = load_pack()
    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
    cases = [parse_case(yaml.safe_load(p.read_text()), pack) for p in examples]
    cases += [parse_case({**yaml.safe_load(p.read_text()), "tumor": {}}, pack) for p in examples]
    assert all(_same(row[k], v) for case, row in zip(cases, decide(pack, cases), strict=True)
               for k, v in reference(plan_of(pack), case.facts()).items())
    monkeypatch.setattr(columns, "_any", lambda items: functools.reduce(pc.or_, items))
    columns._COMPILED.clear()
    try:
        got = decide(pack, cases)
        plan = compile_pack(pack).plan
        assert any(not _same(row[k], v) for case, row in zip(cases, got, strict=True)
                   for k, v in reference(plan, case.facts()).items())
    finally:
        columns._COMPILED.clear()
