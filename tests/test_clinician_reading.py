"""Issue 9, what the clinician reads: points only where the source says them, the source named once in
every output, ECOG labelled as the tool's convention, sizes shown as given, missing information ranked
and grouped, headings that cannot read as advice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig import render
from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.facade import review
from cryoelig.inputs import read_case
from cryoelig.render.common import GROUPS, MISSING_TITLE, source_line
from cryoelig.render.kinds import KIND_HEADINGS, KIND_WORDS
from cryoelig.report.projection import format_value, shown_number
from cryoelig.rulepack.load import load_pack
from cryoelig.views.explanation import explain_case
from cryoelig.wording import directive_words

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SOURCE_LINE = ("Source: \u201cCryosurgery in Metastatic Bone Tumors\u201d (a treatment clinic's website, date not "
               "given): a clinic's web article, not a clinical guideline; its title is about metastatic bone tumors; "
               "it also mentions skin, liver, prostate, kidney and lung.")
runner = CliRunner()


def report_for(pack, data):
    return review(parse_case({"case_id": "c", **data}, pack), pack, use_engine=False).report


def factors(report):
    return {f.factor for f in report.findings}


def missing(report):
    return {m.field for m in report.missing}


# ---------------------------------------------------------------- points outside their scope

REPEAT_FIELDS = {"history.prior_cryoablation", "history.regrowth", "history.symptoms_returned", "treatments"}


@pytest.mark.parametrize("site", ["skin", "liver", "prostate", "kidney", "lung", "other"])
def test_repeat_and_combination_belong_to_metastatic_bone_tumors(pack, site):
    """Issue 9: a kidney case with prior cryoablation and regrowth showed "the source discusses
    reapplying cryosurgery in metastatic bone tumors ...", and every non-bone case had three repeat
    questions and a treatments item waiting."""
    given = report_for(pack, {"site": site, "history": {"prior_cryoablation": True, "regrowth": True,
                                                         "symptoms_returned": True},
                              "treatments": ["radiation", "chemotherapy"]})
    assert not {"repeat.regrowth_or_symptoms_returned", "combination.other_treatments"} & factors(given)
    assert not REPEAT_FIELDS & missing(report_for(pack, {"site": site}))


def test_fracture_and_marrow_effects_belong_to_metastatic_bone_tumors(pack):
    """Issue 9: `bone.fracture-or-weakness` and `bone.marrow-effects` fired for a bone tumor recorded as
    not metastatic, quoting text about metastases."""
    symptoms = {"fracture": True, "bone_weakness": True, "anemia": True, "fatigue": True}
    primary = report_for(pack, {"site": "bone", "tumor": {"metastatic": False}, "symptoms": symptoms})
    assert not {"bone.fracture_or_weakness", "bone.marrow_effects"} & factors(primary)
    unknown = report_for(pack, {"site": "bone", "symptoms": symptoms})
    assert not {"bone.fracture_or_weakness", "bone.marrow_effects"} & factors(unknown)
    [metastatic] = [m for m in unknown.missing if m.field == "tumor.metastatic"]
    assert {"bone.fracture-or-weakness", "bone.marrow-effects"} <= set(metastatic.rules)
    metastatic_case = report_for(pack, {"site": "bone", "tumor": {"metastatic": True}, "symptoms": symptoms})
    assert {"bone.fracture_or_weakness", "bone.marrow_effects"} <= factors(metastatic_case)


# ---------------------------------------------------------------- "small" kept, sizes not used

@pytest.mark.parametrize(("site", "tumor", "factor"), [
    ("liver", {"size_cm": 9, "surgically_difficult": True}, "liver.size_not_used_by_source"),
    ("lung", {"size_cm": 7, "location": "peripheral"}, "lung.size_not_used_by_source"),
])
def test_small_is_kept_and_a_given_size_is_shown_as_not_used(pack, site, tumor, factor):
    """Issue 9: a 9 cm hard-to-reach liver tumor and a 7 cm peripheral lung tumor got a supporting point
    with no caveat, the size silently unused."""
    report = report_for(pack, {"site": site, "tumor": tumor})
    [supporting] = [f for f in report.findings if f.kind == "supporting"]
    assert "small" in supporting.text and "gives no size limit" in supporting.text
    assert all("small" in s.quote for s in supporting.sources)
    [size] = [f for f in report.findings if f.factor == factor]
    assert size.kind == "context" and f"{tumor['size_cm']} cm" in size.text and "no size limit" in size.text
    assert "tumor.size_cm" not in missing(report_for(pack, {"site": site}))
    assert factor not in factors(report_for(pack, {"site": site}))


# ---------------------------------------------------------------- ECOG

def test_ecog_is_labelled_as_the_tools_convention_with_the_value_given(pack):
    """Issue 9: ECOG 3 showed "case: poor" in the basis, the 0-1/2/3-4 mapping uncited."""
    report = report_for(pack, {"site": "kidney", "ecog": 3})
    [point] = [f for f in report.findings if f.factor == "general.overall_health_poor"]
    assert "ECOG 3 (this tool's convention, not from the source: ECOG 3-4 read as poor overall health)" in point.text
    [ecog] = [c for c in point.basis if c.clause == "ecog >= 3"]
    assert ecog.value == 3 and ecog.note == "this tool's convention, not from the source: ECOG 3-4 read as poor " \
                                            "overall health"
    assert "poor" not in [c.value for c in point.basis]
    assert "Karnofsky" not in point.text  # a field the case does not give is not named (issue 22)
    for name in ("rich", "markdown"):
        text = " ".join(render.get("report", name).render(report, width=200).split())
        assert "ecog >= 3" in text and "(this tool's convention, not from the source: ECOG 3-4 read as poor " \
                                       "overall health)" in text


def test_ecog_disagreeing_with_overall_health_gives_the_point_and_a_note(pack):
    """Issue 9: ECOG 3 with `overall_health: good` gave only an input note."""
    report = report_for(pack, {"site": "kidney", "ecog": 3, "overall_health": "good"})
    assert "general.overall_health_poor" in factors(report)
    assert any("overall_health is given as good and ecog as 3" in n for n in report.input_notes)


@pytest.mark.parametrize(("data", "point", "waiting"), [
    ({}, False, True), ({"ecog": 1}, False, False), ({"ecog": 4}, True, False),
    ({"overall_health": "good"}, False, False), ({"overall_health": "poor"}, True, False),
    ({"overall_health": "poor", "ecog": 0}, True, False), ({"overall_health": "fair", "ecog": 2}, False, False),
])
def test_overall_health_or_ecog_is_one_reading_and_one_missing_item(pack, data, point, waiting):
    report = report_for(pack, {"site": "lung", **data})
    assert ("general.overall_health_poor" in factors(report)) is point
    fields = missing(report)
    assert ("overall_health" in fields) is waiting and "ecog" not in fields


def test_the_overall_health_item_says_ecog_can_be_given_instead(pack):
    [item] = [m for m in report_for(pack, {"site": "skin"}).missing if m.field == "overall_health"]
    assert item.scope == "general" and "ECOG performance status 0-4 can be given instead" in item.meaning
    assert "ECOG" in item.label


# ---------------------------------------------------------------- sizes as given

def test_a_size_just_under_4_cm_never_reads_4_cm(pack):
    """Issue 9: 39.99999 mm printed as "4 cm, under 4 cm"."""
    report = report_for(pack, {"site": "kidney", "tumor": {"size_mm": 39.99999}})
    [point] = [f for f in report.findings if f.factor == "kidney.size_under_4cm"]
    assert point.text.startswith("Kidney tumor of 3.99 cm, under 4 cm")
    [size] = [c for c in point.basis if c.field == "tumor.size_cm"]
    assert size.value == 3.999999  # the rule compared the exact value
    for name in ("rich", "markdown", "json"):
        text = render.get("report", name).render(report, width=200)
        assert "Kidney tumor of 4 cm" not in text
    assert "tumor.size_cm < 4 [case: 3.99]: met" in render.get("report", "rich").render(report, width=200)
    assert report.input_notes == ["tumor.size_cm 3.999999 from size_mm 39.99999"]


@pytest.mark.parametrize(("value", "comparisons", "shown"), [
    (3.999999, [("<", 4.0)], "3.99"), (2.857, [], "2.85"), (2.8, [], "2.8"), (4.0, [], "4"), (18.0, [], "18"),
    (4.001, [(">", 4.0)], "4.001"), (4.001, [(">=", 4.0)], "4"), (3.999999, [("<=", 3.99)], "3.999999"),
    (0.015, [], "0.01"), (12.3456, [("<", 20.0)], "12.34"),
])
def test_decimals_are_cut_to_two_unless_that_crosses_a_comparison(value, comparisons, shown):
    assert shown_number(value, comparisons) == shown
    for op, threshold in comparisons:
        compare = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}[op]
        assert compare(float(shown), threshold) == compare(value, threshold)


def test_values_other_than_decimals_are_unchanged():
    assert [format_value(v) for v in (3, True, None, ("a_b",), ())] == ["3", "yes", "not given", "a b", "none"]


# ---------------------------------------------------------------- the source, once, in every output

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_view_names_the_source_once(pack, example):
    """Issue 9: only pack.yaml and the catalog said what the source is; kidney, lung and prostate points
    cited an article titled for metastatic bone tumors without saying so."""
    report = review(read_case(str(example), pack), pack, use_engine=False).report
    assert [s.model_dump() for s in report.sources] == [{
        "id": "cryosurgery-metastatic-bone-tumors", "title": "Cryosurgery in Metastatic Bone Tumors",
        "publisher": "a treatment clinic's website", "date": None,
        "description": "a clinic's web article, not a clinical guideline",
        "scope": "its title is about metastatic bone tumors; it also mentions skin, liver, prostate, kidney and lung"}]
    assert source_line(report.sources[0]) == SOURCE_LINE
    labels = {name: spec.label for name, spec in pack.fields.items()}
    views = {"markdown": render.get("report", "markdown").render(report, sources=True, why_not=True),
             "printable markdown": render.get("printable", "markdown").render(report, labels=labels),
             "html": render.get("printable", "html").render(report, labels=labels, why_not=True)}
    explained = explain_case(read_case(str(example), pack), pack)
    views["explain markdown"] = render.get("explanation", "markdown").render(explained)
    views["explain rich"] = render.get("explanation", "rich").render(explained, width=400)
    views["rich"] = render.get("report", "rich").render(report, width=400)
    for name, text in views.items():
        flat = " ".join(text.replace("\\", "").replace("&#x27;", "'").replace("&#39;", "'").split())
        assert flat.count("Source: \u201cCryosurgery") == 1, name
        assert " ".join(SOURCE_LINE.split()) in flat, name
    data = json.loads(render.get("report", "json").render(report))
    assert data["sources"][0]["description"] == "a clinic's web article, not a clinical guideline"


def test_a_second_source_shows_its_own_line(pack):
    from cryoelig.report.projection import SourceInfo

    report = review(read_case(str(ROOT / "examples" / "kidney-small.yaml"), pack), pack, use_engine=False).report
    second = SourceInfo(id="published-scales", title="Published scales", publisher="journals", date="2020",
                        description="peer-reviewed papers")
    two = report.model_copy(update={"sources": [*report.sources, second]})
    text = render.get("report", "markdown").render(two)
    assert SOURCE_LINE in text
    assert "Source: \u201cPublished scales\u201d (journals, 2020): peer-reviewed papers." in text


def test_the_batch_summary_names_the_source_once(tmp_path):
    out = tmp_path / "r.jsonl"
    result = runner.invoke(app, ["batch", str(ROOT / "examples" / "cases.jsonl"), "--out", str(out), "--summary",
                                 str(tmp_path / "s.json"), "--jobs", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()).count(SOURCE_LINE) == 1
    summary = json.loads((tmp_path / "s.json").read_text())
    assert list(summary["sources"]) == ["cryosurgery-metastatic-bone-tumors"]
    recomputed = runner.invoke(app, ["summarize", str(out), "--errors", str(tmp_path / "r.errors.jsonl"), "--json"])
    assert recomputed.stdout == (tmp_path / "s.json").read_text()


def test_a_hand_edited_results_file_cannot_bring_text_into_the_summary(tmp_path):
    from cryoelig.batch import summarize_files

    pack = load_pack()
    report = json.loads(render.get("report", "json").render(
        review(read_case(str(ROOT / "examples" / "kidney-small.yaml"), pack), pack, use_engine=False).report))
    report["sources"][0]["title"] = "call 555-123-4567"
    report["sources"][0]["id"] = "Jane_Doe"
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(report) + "\n")
    summary = summarize_files(str(path))
    assert summary["sources"] == {"(not shown)": {**{k: report["sources"][0][k] for k in
                                                     ("publisher", "date", "description", "scope")},
                                                  "title": "(not shown)"}}


# ---------------------------------------------------------------- missing information ranked and grouped

def test_the_sites_own_fields_come_first_then_the_general_ones(pack):
    report = report_for(pack, {"site": "prostate"})
    scopes = [m.scope for m in report.missing]
    assert scopes == sorted(scopes, key=lambda s: s != "site")
    assert [m.field for m in report.missing if m.scope == "site"] == ["tumor.stage", "history.failed_treatments"]
    assert [m.field for m in report.missing if m.scope == "general"] == [
        "overall_health", "concerns.near_nerves", "concerns.bleeding_risk", "concerns.active_infection",
        "concerns.near_critical_structures"]


def test_the_four_concerns_are_one_group_with_what_each_means(pack):
    report = report_for(pack, {"site": "kidney"})
    concerns = [m for m in report.missing if m.group == "concerns"]
    assert [m.field for m in concerns] == ["concerns.near_nerves", "concerns.bleeding_risk",
                                           "concerns.active_infection", "concerns.near_critical_structures"]
    assert {m.group_label for m in concerns} == {"Concerns the source lists as risks (yes or no)"}
    meaning = {m.field: m.meaning for m in concerns}
    assert "close to nerves" in meaning["concerns.near_nerves"]
    assert "structures or tissues around the tumor could be damaged" in meaning["concerns.near_critical_structures"]
    assert all(m.factor == f"missing.{m.field}" for m in report.missing)
    # issue 22: the risk points have the scope of risks.documented, so site other asks none of the four
    assert not [m for m in report_for(pack, {"site": "other"}).missing if m.group == "concerns"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_shows_its_own_items_and_at_most_one_general_item(pack, example):
    """Issue 9: the same 7-8 generic missing items appeared on every case, each repeating "Not given in the
    case. 1 documented point cannot be checked without it: ..."."""
    report = review(read_case(str(example), pack), pack, use_engine=False).report
    text = render.get("report", "markdown").render(report)
    section = text.split(f"## {MISSING_TITLE}")[1].split("\n---")[0]
    top_items = [line for line in section.splitlines() if line.startswith("- ")]
    general = [line for line in top_items if line == "- For any site:"]
    assert len(general) <= 1 and len(top_items) == len({m.field for m in report.missing if m.scope == "site"}) + \
        len(general)
    assert "cannot be checked without it" not in " ".join(m.why for m in report.missing)
    assert section.count("Not given in the case") <= 1
    assert "Point to discuss with the team" not in text


def test_the_batch_still_counts_missing_information_per_field(tmp_path):
    out = tmp_path / "r.jsonl"
    runner.invoke(app, ["batch", str(ROOT / "examples" / "cases.jsonl"), "--out", str(out), "--summary",
                        str(tmp_path / "s.json"), "--jobs", "1", "-q"])
    summary = json.loads((tmp_path / "s.json").read_text())
    assert "concerns.near_nerves" in summary["missing"] and "missing.concerns" not in summary["missing"]


# ---------------------------------------------------------------- headings

def test_headings_come_from_one_mapping_and_read_as_no_advice():
    assert GROUPS == (("supporting", "Documented factors present"), ("caution", "Points of caution"),
                      ("context", "Background from the source"))
    assert MISSING_TITLE == "Information not given"
    for kind, heading in KIND_HEADINGS.items():
        assert directive_words(heading) == [] and not re.search(r"\b(for|against|pro|con|supporting)\b", heading,
                                                                 re.IGNORECASE)
        if kind in KIND_WORDS:
            assert KIND_WORDS[kind].lower() in heading.lower()


def test_json_kinds_stay_as_they_were(pack):
    report = report_for(pack, {"site": "kidney", "tumor": {"size_cm": 5}, "overall_health": "poor"})
    assert {f.kind for f in report.findings} <= {"supporting", "caution", "context"}
    assert {m.kind for m in report_for(pack, {"site": "kidney"}).missing} == {"missing"}
