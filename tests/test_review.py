"""The facade: one evaluation per case, a Review or an error per item in order, safe from threads."""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path

import pytest

from cryoelig.case.contract import parse_case
from cryoelig.errors import EngineMismatchError
from cryoelig.facade import Review, ReviewError, review, review_many
from cryoelig.inputs import read_case
from cryoelig.reasoning import evaluation, memo
from cryoelig.render.data import explanation_json, report_json
from cryoelig.views.explanation import explain_case

ROOT = Path(__file__).resolve().parent.parent


def generated(n: int, seed: int) -> list[dict]:
    """Varied valid case data (deterministic), with identical cases among them on purpose."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        data: dict = {"case_id": f"t{i}", "site": rnd.choice(["skin", "liver", "prostate", "kidney", "lung", "bone",
                                                             "other"])}
        if rnd.random() < 0.7:
            data["tumor"] = {"size_cm": rnd.choice([1.0, 3.9, 4.0, 6.5]), "metastatic": rnd.random() < 0.5}
        if rnd.random() < 0.5:
            data["symptoms"] = {"pain_score": rnd.randint(0, 10)}
        if rnd.random() < 0.5:
            data["history"] = {"prior_cryoablation": True, "regrowth": rnd.random() < 0.5}
        if rnd.random() < 0.5:
            data["goals"] = rnd.sample(["pain_relief", "quality_of_life", "cure", "stop_spread"], 2)
        out.append(data)
    return out


def test_explain_evaluates_the_case_once(pack, monkeypatch):
    calls = []
    real = evaluation.evaluate

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate", counting)
    monkeypatch.setattr("cryoelig.facade.evaluate", counting)
    case = read_case(str(ROOT / "examples" / "bone-repeat.yaml"), pack)
    ex = explain_case(case, pack)
    assert len(calls) == 1 and calls[0] == case.facts()
    assert ex.report.findings and len(ex.rules) == len(pack.rules)


def test_review_gives_report_trace_and_timings(pack):
    case = read_case(str(ROOT / "examples" / "kidney-small.yaml"), pack)
    reviewed = review(case, pack)
    met = {f.rule for f in reviewed.report.findings} | {d.rule for d in reviewed.report.derived}
    scales = reviewed.report.published_scales
    met |= {p.rule for line in scales.lines for p in line.points}
    assert reviewed.trace.fired == met
    assert set(reviewed.timings) == {"engine", "evaluate", "report"}
    assert reviewed.trace.rule("kidney.size-under-4cm").result is True
    bone = review(read_case(str(ROOT / "examples" / "bone-repeat.yaml"), pack), pack).trace
    [metastatic] = bone.derived_facts()
    assert (metastatic.name, metastatic.result, metastatic.established_by) == (
        "bone_metastatic", True, ("bone.metastatic",))
    assert all(t >= 0 for t in reviewed.timings.values())
    assert report_json(review(case, pack, use_engine=False).report) == report_json(reviewed.report)


def test_review_many_yields_a_result_or_an_error_per_item_in_order(pack):
    items = [{"case_id": "a", "site": "kidney"}, {"case_id": "b", "site": "moon"},
             parse_case({"case_id": "c", "site": "bone"}, pack), {"case_id": "d", "patient_name": "x", "site": "lung"},
             {"case_id": "e", "site": "lung"}]
    results = list(review_many(items, pack))
    assert [type(r) for r in results] == [Review, ReviewError, Review, ReviewError, Review]
    assert [r.report.case_id for r in results if isinstance(r, Review)] == ["a", "c", "e"]
    assert [(e.index, e.problems[0].field) for e in results if isinstance(e, ReviewError)] == [
        (1, "site"), (3, "patient_name")]


def test_review_many_batches_like_single_reviews(pack):
    cases = [parse_case(d, pack) for d in generated(600, seed=5)]
    batched = [report_json(r.report) for r in review_many(cases, pack)]
    single = [report_json(review(c, pack, use_engine=False).report) for c in cases]
    assert batched == single


def test_an_engine_disagreement_is_raised(pack, monkeypatch):
    from cryoelig.reasoning.engine import engine_for

    engine = engine_for(pack)
    monkeypatch.setattr(engine, "fire_many", lambda facts: [frozenset({"bone.pain"}) for _ in facts])
    with pytest.raises(EngineMismatchError, match="engine fired \\['bone.pain'\\] that Python did not"):
        review(parse_case({"case_id": "k", "site": "kidney"}, pack), pack)


def test_review_from_eight_threads_equals_a_serial_run(pack):
    """durable_rules is not thread-safe: the engine's lock keeps each session to one thread."""
    cases = [parse_case(d, pack) for d in generated(400, seed=11)]
    memo.forget(pack)  # the threads also race to fill a cold memo
    serial = [(report_json(r.report), r.trace.fired) for r in review_many(cases, pack)]
    memo.forget(pack)
    results: dict[int, list] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        try:
            start.wait()
            mine = cases[worker::8]
            out = [(report_json(review(c, pack).report), review(c, pack).trace.fired) for c in mine[:25]]
            out += [(report_json(r.report), r.trace.fired) for r in review_many(mine[25:], pack)]
            results[worker] = out
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: interleave the engine sessions
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    for worker in range(8):
        assert results[worker] == serial[worker::8]


def test_explanations_from_threads_equal_a_serial_run(pack):
    cases = [parse_case(d, pack) for d in generated(80, seed=3)]
    serial = [explanation_json(explain_case(c, pack)) for c in cases]
    got: dict[int, str] = {}

    def work(i: int) -> None:
        got[i] = explanation_json(explain_case(cases[i], pack))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(cases))] == serial


def test_equal_values_of_another_type_do_not_leak_between_cases(pack):
    """The memo keys on values, and 4 == 4.0: what a case shows is its own value, as given."""
    memo.forget(pack)
    evaluation.evaluate(pack, {"site": "kidney", "tumor.size_cm": 4})  # raw facts, an int
    case = parse_case({"case_id": "k", "site": "kidney", "tumor": {"size_cm": 4}}, pack)  # the model makes it 4.0
    ex = explain_case(case, pack)
    [rule] = [r for r in ex.rules if r.rule == "kidney.size-4cm-or-more"]
    [size] = [c for c in rule.check.items if c.field == "tumor.size_cm"]
    assert size.value == 4.0 and isinstance(size.value, float)
    assert '"value": 4.0' in report_json(ex.report)
