"""The Report: deterministic, explained, three-valued, and the same whichever evaluator decides."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data

from cryoelig.case.contract import parse_case
from cryoelig.facade import review, review_many
from cryoelig.reasoning import memo
from cryoelig.reasoning.evaluation import evaluate
from cryoelig.render.data import report_json as to_json
from cryoelig.report.projection import Report
from cryoelig.rulepack.load import _load
from cryoelig.rulepack.packset import combine


def report_of(pack, data, engine=True):
    return review(parse_case(data, pack), pack, use_engine=engine).report


def factors(report):
    return [f.factor for f in report.findings]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(case_data(), min_size=1, max_size=20))
def test_engine_and_python_reports_are_byte_identical(pack, batch):
    cases = [parse_case(d, pack) for d in batch]
    by_engine = [to_json(r) for r in [r.report for r in review_many(cases, pack, use_engine=True)]]
    by_python = [to_json(r) for r in [r.report for r in review_many(cases, pack, use_engine=False)]]
    assert by_engine == by_python


@settings(max_examples=100, deadline=None)
@given(case_data())
def test_memo_gives_the_same_report_as_a_fresh_evaluation(pack, data):
    case = parse_case(data, pack)
    warm = to_json(review(case, pack, use_engine=False).report)
    fresh_pack = combine([_load(part.directory) for part in pack.parts])  # new Pack objects: empty memos
    assert fresh_pack not in memo.rule_memos
    assert to_json(review(case, fresh_pack, use_engine=False).report) == warm
    memo.forget(fresh_pack)
    decided = {f.rule for f in review(case, pack, use_engine=False).report.findings}
    assert decided <= evaluate(pack, case.facts()).fired


def test_same_case_gives_byte_identical_json(pack):
    data = {"case_id": "d1", "site": "bone", "tumor": {"metastatic": True, "primary_cancer": "thyroid"},
            "symptoms": {"pain_score": 4}, "goals": ["stop_spread"]}
    outputs = {to_json(report_of(pack, data)) for _ in range(3)}
    assert len(outputs) == 1


def test_every_finding_shows_its_basis(pack):
    report = report_of(pack, {"case_id": "k", "site": "kidney", "tumor": {"size_mm": 39}})
    [small] = [f for f in report.findings if f.factor == "kidney.size_under_4cm"]
    assert small.rule == "kidney.size-under-4cm"
    assert [(c.clause, c.value, c.result) for c in small.basis] == [
        ("site == kidney", "kidney", "met"), ("tumor.size_cm < 4", 3.9, "met")]
    assert "3.9 cm" in small.text
    text = pack.source_texts[small.sources[0].source]
    assert " ".join(small.sources[0].quote.split()) in " ".join(text.split())
    # the report names the set's sha256 (the one value, issue 22) and lists the packs' own as its parts
    assert report.pack.sha256 == pack.sha256 and report.pack.version == pack.parts[0].version
    assert [p.sha256 for p in report.pack.parts] == [p.sha256 for p in pack.members]
    assert report.input_notes == ["tumor.size_cm 3.9 from size_mm 39"]


def test_kidney_boundary(pack):
    assert "kidney.size_4cm_or_more" in factors(report_of(pack, {"case_id": "k", "site": "kidney",
                                                                  "tumor": {"size_cm": 4.0}}))
    assert "kidney.size_under_4cm" in factors(report_of(pack, {"case_id": "k", "site": "kidney",
                                                                "tumor": {"size_cm": 3.99}}))


def test_unknown_becomes_missing_information_not_false(pack):
    report = report_of(pack, {"case_id": "k", "site": "kidney"})
    assert not {"kidney.size_under_4cm", "kidney.size_4cm_or_more"} & set(factors(report))
    [size] = [m for m in report.missing if m.field == "tumor.size_cm"]
    assert size.factor == "missing.tumor.size_cm" and size.kind == "missing"
    assert set(size.rules) == {"kidney.size-under-4cm", "kidney.size-4cm-or-more"}
    assert "overall_health" in [m.field for m in report.missing]
    # unknown is never shown as a failed comparison; only "is given" clauses may read it as absent
    assert all(c.clause == "tumor.size_cm is given" for na in report.not_applicable for c in na.clauses
               if c.field == "tumor.size_cm")


def test_missing_reaches_through_derived_facts(pack):
    report = report_of(pack, {"case_id": "b", "site": "bone", "symptoms": {"pain_score": 6}})
    [metastatic] = [m for m in report.missing if m.field == "tumor.metastatic"]
    assert "bone.pain" in metastatic.rules


def test_not_applicable_names_the_failed_clause_with_the_value(pack):
    report = report_of(pack, {"case_id": "k", "site": "kidney", "tumor": {"size_cm": 2}})
    [lung] = [na for na in report.not_applicable if na.rule == "lung.peripheral"]
    assert [(c.clause, c.value, c.result) for c in lung.clauses] == [("site == lung", "kidney", "not met")]


def test_recurrence_with_risks(pack):
    report = report_of(pack, {"case_id": "r", "site": "bone", "tumor": {"metastatic": True},
                              "history": {"prior_cryoablation": True, "regrowth": True},
                              "concerns": {"near_nerves": True, "bleeding_risk": True}})
    assert {"repeat.regrowth_or_symptoms_returned", "risks.near_nerves", "risks.bleeding",
            "bone.metastatic_palliative"} <= set(factors(report))
    assert [d.name for d in report.derived] == ["bone_metastatic"]


def test_pause_the_spread_is_never_presented(pack):
    report = report_of(pack, {"case_id": "s", "site": "bone", "tumor": {"metastatic": True},
                              "goals": ["stop_spread"]})
    text = to_json(report).lower()
    assert "pause the spread" not in text and "speed up healing" not in text
    assert "expectations.not_curative" in factors(report)


def test_report_schema_is_published():
    schema = Report.model_json_schema()
    assert {"case_id", "findings", "missing", "not_applicable", "pack", "disclaimer"} <= set(schema["properties"])
    json.dumps(schema)
