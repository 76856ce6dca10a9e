"""The per-row speed paths of a batch (issue 13) give what the plain paths give.

Each path here exists only because it is cheaper per batch row; each is compared with the path it
stands for, on generated cases (tests/strategies.py) that give any field or leave it unknown.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryoelig.batch.serialize import ReportLines
from cryoelig.case.contract import case_fields, parse_case
from cryoelig.facade import review
from cryoelig.reasoning import evaluation, memo
from cryoelig.report import scalesection as scales_report
from cryoelig.rulepack.load import load_pack, load_pack_set
from tests.strategies import case_data

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def pack():
    return load_pack_set()


def _case(data):
    return parse_case(data, load_pack())


@SETTINGS
@given(case_data(), st.sets(st.sampled_from(sorted(case_fields())), max_size=4))
def test_a_trace_from_the_memo_is_the_trace_computed_afresh(pack, data, pending):
    """The evaluation's memo keys (every batch row; with fields still to be asked, the checklist's) hand
    each case the rule traces a fresh evaluation gives: a field still to be asked never takes the trace
    kept for the same value given, nor the reverse."""
    facts = _case(data).facts()
    evaluation.evaluate(pack, facts)  # the memo holds this case's values as given
    kept = evaluation.evaluate(pack, facts, pending)
    memo.forget(pack)
    fresh = evaluation.evaluate(pack, facts, pending)
    assert [(rt.rule.id, rt.result, rt.deciders, rt.waits_on) for rt in kept.rules] == \
        [(rt.rule.id, rt.result, rt.deciders, rt.waits_on) for rt in fresh.rules]
    assert kept.derived == fresh.derived and kept.facts == fresh.facts


@SETTINGS
@given(case_data())
def test_the_published_scales_key_is_the_full_computation(pack, data):
    """The section's key made per scale from the memo (``scale_parts``) equals the one computed in full
    from every scale's result and whether it applies, typed (4 and 4.0 apart)."""
    trace = evaluation.evaluate(pack, _case(data).facts())
    memo = scales_report._memo(pack)
    assert memo.scale_parts(trace) == scales_report._scale_parts(trace, memo)
    again = memo.scale_parts(trace)  # from the memo this time
    assert again == scales_report._scale_parts(trace, memo)


def test_a_scale_value_of_another_type_keeps_its_own_type_in_the_key(pack):
    """Whether a scale adds something is memoized on values (4 == 4.0 alike), the key part on types too."""
    memo = scales_report._memo(pack)
    as_int = evaluation.evaluate(pack, {"site": "kidney", "tumor.size_cm": 4})
    as_float = evaluation.evaluate(pack, {"site": "kidney", "tumor.size_cm": 4.0})
    assert memo.scale_parts(as_int) != memo.scale_parts(as_float)
    assert memo.scale_parts(as_float) == scales_report._scale_parts(as_float, memo)


@SETTINGS
@given(case_data())
def test_a_result_line_is_the_models_json(pack, data):
    """The line composed from cached pieces and runs of plain fields is ``Report.model_dump_json``."""
    lines = ReportLines()
    lines.checked = 10**9  # no comparison inside: this test makes it
    item = review(_case(data), pack)
    assert lines.line(item) == item.report.model_dump_json().encode()
    assert lines.line(item) == item.report.model_dump_json().encode()  # pieces from the cache




@pytest.fixture(scope="module")
def engines(pack):
    """One engine per number of cases per session (a ruleset each, built once)."""
    from cryoelig.reasoning.engine import Engine

    return {size: Engine(pack, cases_per_session=size) for size in (1, 7, 64, 250)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(case_data(), min_size=1, max_size=12), st.integers(1, 300), st.sampled_from([7, 64, 250]))
def test_the_engine_fires_the_same_rules_whatever_the_cases_per_session(pack, engines, cases, count, size):
    """Cases per engine session is a speed setting only (``engine.CASES_PER_SESSION``): each case's fired
    rules are those of the case alone in its own session, and the Python evaluation's (``count`` cases,
    the generated ones in turn, so that runs cross the sessions' boundaries)."""
    kinds = [_case(data).facts() for data in cases]
    facts = [kinds[i % len(kinds)] for i in range(count)]
    alone = engines[1].fire_many(facts)
    assert engines[size].fire_many(facts) == alone
    assert alone == [evaluation.evaluate(pack, f).fired for f in facts]
