"""The facts as the engine reads them (cryoelig.reasoning.enginefacts): the same facts as ``durable_fact`` on the keys
rules read, never an exponent, and the engine's fast reading of a match."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data

from cryoelig.case.contract import parse_case
from cryoelig.reasoning.casefacts import case_facts
from cryoelig.reasoning.engine import _match_of, engine_for
from cryoelig.reasoning.enginefacts import _EXPONENT, EngineError, FactWriter, keys_read, plain_float
from cryoelig.rulepack.conditions import durable_fact

HEAD = '{"cid": 7, "kind": "case", "sid": "s1"'


def written(writer: FactWriter, facts: dict) -> dict:
    text = writer.write(facts, HEAD)
    assert not _EXPONENT.search(text), text
    return json.loads(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data())
def test_writer_is_durable_fact_on_the_keys_rules_read(pack, data):
    """Against the reference flat form, on every generated case, with the published scales' totals added."""
    engine = engine_for(pack)
    facts = case_facts(pack, parse_case(data, pack).facts())
    got = written(engine._writer, facts)
    expected = {k: v for k, v in durable_fact(facts).items() if k in engine._writer._read}
    assert got == {"cid": 7, "kind": "case", "sid": "s1", **expected}
    assert list(got)[0] == "cid", "the engine reads a match's case number as the fact's first key"
    assert [type(got[k]) for k in expected] == [type(v) for v in expected.values()]  # 4.0 stays a float


def test_keys_no_rule_reads_are_not_sent(pack):
    engine = engine_for(pack)
    read = engine._writer._read
    assert "tumor__size_cm" in read and "goals__cure" in read
    unread = [k for k in durable_fact({"goals": ("pain_relief", "quality_of_life", "cure")}) if k not in read]
    assert unread, "every goal flag is read? pick another field for this test"
    text = engine._writer.write({"goals": ("pain_relief", "quality_of_life", "cure")}, HEAD)
    assert all(f'"{k}"' not in text for k in unread)
    assert json.loads(text)["goals__cure"] is True


@pytest.mark.parametrize("value, text", [
    (0.0001, "0.0001"), (0.00009999, "0.00009999"), (9e-05, "0.00009"), (1e-07, "0.0000001"),
    (9999999999999998.0, "9999999999999998.0"), (1e16, "10000000000000000"), (5e-324, None), (-2.5e-08, "-0.000000025"),
])
def test_a_float_near_the_exponent_boundary_is_written_in_plain_decimals(value, text):
    writer = FactWriter({"tumor__size_cm"})
    out = writer.write({"tumor.size_cm": value}, HEAD)
    number = out.rsplit(": ", 1)[1].rstrip("}")
    assert "e" not in number.lower() and float(number) == value
    if text is not None:
        assert number == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_number_that_is_not_finite_is_refused(value):
    with pytest.raises(EngineError):
        FactWriter({"tumor__size_cm"}).write({"tumor.size_cm": value}, HEAD)
    assert "nan" not in plain_float(1.5)


def test_values_of_each_type_are_written_as_json_writes_them():
    """bool before int (True is an int), ints without a point, text through json, a computed total kept."""
    writer = FactWriter({"tumor__metastatic", "symptoms__pain_score", "site", "scales__sins_total"})
    facts = {"tumor.metastatic": False, "symptoms.pain_score": 3, "site": "bone", "scales.sins_total": 7,
             "tumor.stage": "localized"}
    text = writer.write(facts, HEAD)
    assert text == HEAD + ', "tumor__metastatic": false, "symptoms__pain_score": 3, "site": "bone", ' \
                          '"scales__sins_total": 7}'
    assert writer.write(facts, HEAD) == text  # from the kept texts the second time
    assert writer.write({"site": "kidney"}, HEAD) == HEAD + ', "site": "kidney"}'


@given(st.lists(st.sampled_from(["radiation", "chemotherapy", "surgery", "palliative_care"]), unique=True))
def test_list_flags_follow_the_tuple_each_time(values):
    writer = FactWriter({"treatments__radiation", "treatments__surgery"})
    got = json.loads(writer.write({"treatments": tuple(values)}, HEAD))
    assert got["treatments__radiation"] == ("radiation" in values)
    assert got["treatments__surgery"] == ("surgery" in values)


def test_keys_read_from_a_compiled_expression():
    expression = {"$and": [{"kind": "case"}, {"$or": [{"$lt": {"tumor__size_cm": 4}}, {"goals__cure": True}]},
                           {"$nex": {"labs__inr": 1}}, {"cid": {"c": "cid"}}]}
    assert keys_read(expression) == {"kind", "tumor__size_cm", "goals__cure", "labs__inr", "cid"}
    assert keys_read([{"site": "bone"}, {"$neq": {"x": 1}}]) == {"site", "x"}


def test_match_reading_fast_and_decoded_agree():
    fast = '{"r12":{"m":{"cid": 31, "kind": "case", "sid": "s0"}}}'
    joined = '{"r3":{"c":{"cid": 4, "site": "bone"},"d0":{"cid": 4, "kind": "derived"}}}'
    elsewhere = '{"r5":{"m":{"site": "bone", "cid": 9, "sid": "s0"}}}'  # cid not first: decoded in full
    assert _match_of(fast) == ("r12", 31)
    assert _match_of(joined) == ("r3", 4)
    assert _match_of(elsewhere) == ("r5", 9)
