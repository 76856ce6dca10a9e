"""The engine against the Python evaluator, and the durable_rules traps it must survive."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packs import make_pack
from strategies import case_data

from cryoelig.case.contract import parse_case
from cryoelig.reasoning.engine import Engine, engine_for
from cryoelig.reasoning.evaluation import evaluate
from cryoelig.rulepack.load import load_pack


def facts_of(data):
    return parse_case(data, load_pack()).facts()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(case_data(), min_size=1, max_size=150))
def test_engine_and_python_agree_on_every_rule(pack, batch):
    """Differential test: thousands of generated cases, many per session, same fired sets."""
    facts = [facts_of(d) for d in batch]
    engine = engine_for(pack)
    fired = engine.fire_many(facts)
    for f, got in zip(facts, fired, strict=True):
        assert got == evaluate(pack, f).fired, f


@settings(max_examples=300, deadline=None)
@given(case_data())
def test_engine_and_python_agree_one_case_per_session(pack, data):
    f = facts_of(data)
    assert engine_for(pack).fire(f) == evaluate(pack, f).fired


def test_fact_matching_no_rule_does_not_defer_others(tmp_path):
    """A case no rule matches (code 1, MessageNotHandled) in the same batch as one that matches."""
    pack = load_pack(make_pack(tmp_path, {"kidney.yaml": __import__("packs").KIDNEY_RULE},
                               pack_yaml=__import__("packs").PACK_YAML.replace(
                                   "  - id: bone.pain\n    kind: supporting\n    label: bone pain\n", "")))
    engine = Engine(pack)
    cases = [{"site": "lung"}, {"site": "kidney", "tumor.size_cm": 3.0}, {"site": "skin"}]
    assert engine.fire_many(cases) == [frozenset(), frozenset({"kidney.small"}), frozenset()]
    assert engine.fire({"site": "lung"}) == frozenset()


def test_chaining_joins_only_the_same_case(tmp_path):
    pack = load_pack(make_pack(tmp_path))
    engine = Engine(pack)
    cases = [
        {"site": "bone", "tumor.metastatic": True},  # derived, no pain known
        {"site": "bone", "tumor.metastatic": False, "symptoms.pain_score": 8},  # pain, not metastatic
        {"site": "bone", "tumor.metastatic": True, "symptoms.pain_score": 3},
    ]
    assert engine.fire_many(cases) == [
        frozenset({"bone.metastatic"}), frozenset(), frozenset({"bone.metastatic", "bone.pain"})]


def test_many_sessions_do_not_exhaust_session_ids(pack):
    """More than the ~1,024 live session ids durable_rules allows: each is deleted when read."""
    engine = Engine(pack, cases_per_session=1)
    facts = [{"site": "kidney", "tumor.size_cm": 3.0}] * 1500
    fired = engine.fire_many(facts)
    assert len(fired) == 1500 and all(f == fired[0] for f in fired)
    assert "kidney.size-under-4cm" in fired[0]


def test_identical_cases_in_one_session_are_not_already_observed(pack):
    facts = [{"site": "bone", "tumor.metastatic": True, "symptoms.pain_score": 5}] * 10
    fired = engine_for(pack).fire_many(facts)
    assert len(set(fired)) == 1 and "bone.pain" in fired[0]


def test_firing_is_deterministic(pack):
    facts = [facts_of({"case_id": "x", "site": "bone", "tumor": {"metastatic": True}, "goals": ["cure"]})]
    first = engine_for(pack).fire_many(facts)
    assert all(engine_for(pack).fire_many(facts) == first for _ in range(5))


def _thresholds(pack):
    """Every number a rule compares against, with the values just around it."""
    from cryoelig.rulepack.conditions import leaves

    values: dict[str, set] = {}
    for rule in pack.rules:
        for leaf in leaves(rule.condition):
            if leaf.op in ("lt", "le", "gt", "ge", "eq", "ne") and isinstance(leaf.value, int | float) \
                    and not isinstance(leaf.value, bool):
                near = {leaf.value, leaf.value - 0.01, leaf.value + 0.01}
                values.setdefault(leaf.field, set()).update(v for v in near if v >= 0)
    return values


def test_engine_and_python_agree_at_every_threshold(pack):
    """A grid over sites, the pack's numeric thresholds and the booleans around them."""
    import itertools

    thresholds = _thresholds(pack)
    assert thresholds, "the pack compares no numbers?"
    sizes = [None, *sorted(v for v in thresholds.get("tumor.size_cm", ()) if v > 0)]
    pains = [None, *sorted(int(v) for v in thresholds.get("symptoms.pain_score", ()) if float(v).is_integer())]
    sites = ["skin", "liver", "prostate", "kidney", "lung", "bone", "other"]
    cases = []
    for site, size, pain, metastatic in itertools.product(sites, sizes, pains, [None, True, False]):
        facts = {"site": site}
        for name, value in (("tumor.size_cm", size), ("symptoms.pain_score", pain),
                            ("tumor.metastatic", metastatic)):
            if value is not None:
                facts[name] = value
        cases.append(facts)
    fired = engine_for(pack).fire_many(cases)
    for facts, got in zip(cases, fired, strict=True):
        assert got == evaluate(pack, facts).fired, facts
