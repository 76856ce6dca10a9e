"""Issue 22, deliverable 2: fields that answer the same question are read together, through the links of the
published-scales pack (rules/published-scales/links.yaml), each shown as derived with its basis."""

from __future__ import annotations

import pytest

from cryoelig.facade import parse_case, review
from cryoelig.rulepack.load import load_pack


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _report(pack, **data):
    return review(parse_case({"case_id": "t-1", **data}, pack), pack).report


def _missing(report):
    return {m.field for m in report.missing}


def _link_clauses(finding):
    return [c for c in finding.basis if c.note and c.note.startswith("derived through link ")]


def test_sins_18_raises_the_fracture_point_and_answers_fracture_and_pain(pack):
    """SINS 18 (collapse over half, mechanical pain): the source's fracture point is raised through the link
    and neither field is listed as not given. It stays background: the source names fractures among the
    symptoms of bone metastases, not as a reason for caution (the SINS band is counted in the headline)."""
    report = _report(pack, site="bone", tumor={"metastatic": True, "bone_region": "spine"},
                     sins={"location": "junctional", "pain": "mechanical", "lesion": "lytic",
                           "alignment": "subluxation", "collapse": "over_half", "posterolateral": "bilateral"})
    assert [line.total for line in report.published_scales.lines if line.scale == "sins"] == [18]
    [point] = [f for f in report.findings if f.rule == "bone.fracture-or-weakness"]
    assert {"symptoms.fracture", "symptoms.pain_score"} & _missing(report) == set()
    [fracture] = _link_clauses(point)
    assert fracture.value == "over_half" and "links.sins-collapse-fracture" in fracture.note
    assert "Fisher et al. 2010" in fracture.note
    assert any(n.startswith("symptoms.fracture is not given; sins.collapse over_half answers")
               for n in report.input_notes)
    assert any(n.startswith("symptoms.pain_score is not given; sins.pain mechanical answers")
               for n in report.input_notes)


@pytest.mark.parametrize("labs", [{"inr": 2.5}, {"inr": 2.0, "platelets": 40}, {"platelets": 40}])
def test_labs_beyond_the_sir_2019_values_raise_the_bleeding_point(pack, labs):
    report = _report(pack, site="liver", labs=labs)
    [bleeding] = [f for f in report.findings if f.rule == "risks.bleeding"]
    assert bleeding.kind == "caution"
    assert {c.note.split(":")[0] for c in _link_clauses(bleeding)} <= {
        "derived through link links.inr-bleeding", "derived through link links.platelets-bleeding"}
    assert all("Patel et al. 2019" in c.note for c in _link_clauses(bleeding))
    assert "concerns.bleeding_risk" not in _missing(report)


def test_labs_within_the_sir_2019_values_do_not_answer_the_bleeding_question(pack):
    """Unknown is not false: an INR of 1.2 leaves the question open, never answered 'no'."""
    report = _report(pack, site="liver", labs={"inr": 1.2, "platelets": 150})
    assert "risks.bleeding" not in {f.rule for f in report.findings}
    assert "risks.bleeding" not in {n.rule for n in report.not_applicable}
    assert "concerns.bleeding_risk" in _missing(report)


def test_kps_30_reaches_overall_health_as_ecog_does(pack):
    report = _report(pack, site="kidney", tumor={"size_cm": 3}, kps=30)
    [health] = [f for f in report.findings if f.rule == "general.overall-health-poor"]
    assert health.kind == "caution" and "Karnofsky 30" in health.text
    [read] = _link_clauses(health)
    assert (read.clause, read.value) == ("kps <= 50", 30) and "Ma et al. 2010" in read.note
    assert "overall_health" not in _missing(report)
    assert "ecog is not given; kps 30 reads as ecog 4 through link links.kps-as-ecog" in report.input_notes[0]


def test_kps_90_alone_answers_overall_health_without_a_point(pack):
    report = _report(pack, site="kidney", tumor={"size_cm": 3}, kps=90)
    assert "general.overall-health-poor" in {n.rule for n in report.not_applicable}
    assert "overall_health" not in _missing(report)


def test_ecog_3_with_kps_90_is_noted_as_discordant(pack):
    report = _report(pack, site="kidney", tumor={"size_cm": 3}, ecog=3, kps=90)
    [note] = [n for n in report.input_notes if n.startswith("ecog is given as 3 and kps as 90")]
    assert "reads as ecog 1" in note and "they disagree" in note
    assert "general.overall-health-poor" in {f.rule for f in report.findings}
    concordant = _report(pack, site="kidney", tumor={"size_cm": 3}, ecog=1, kps=90)
    assert not [n for n in concordant.input_notes if "disagree" in n]


def test_worst_pain_9_with_pain_score_0_gives_the_pain_point_and_a_note(pack):
    report = _report(pack, site="bone", tumor={"metastatic": True},
                     symptoms={"worst_pain_last_day": 9, "pain_score": 0})
    [pain] = [f for f in report.findings if f.rule == "bone.pain"]
    [read] = _link_clauses(pain)
    assert (read.clause, read.value) == ("symptoms.worst_pain_last_day >= 1", 9)
    [note] = [n for n in report.input_notes if "links.worst-pain" in n]
    assert note.startswith("symptoms.pain_score is given as 0 and symptoms.worst_pain_last_day 9 meets")
    assert "disagree" in note


def test_a_link_only_adds_what_it_reads_no_missing_information(pack):
    """A link whose fields the case does not give is false, never unknown: it lists nothing more as missing."""
    plain = _report(pack, site="bone", tumor={"metastatic": True})
    assert not {"sins.collapse", "sins.pain", "mirels.pain", "kps", "labs.inr", "labs.platelets",
                "symptoms.worst_pain_last_day"} & _missing(plain)


def test_risk_points_are_scoped_like_risks_documented(pack):
    """Site other: no risk point and no risk question, as risks.documented (issue 22, deliverable 7)."""
    report = _report(pack, site="other", concerns={"near_nerves": True, "bleeding_risk": True})
    assert not [f for f in report.findings if f.rule.startswith("risks.")]
    assert not [m for m in report.missing if m.field.startswith("concerns.")]
    kidney = _report(pack, site="kidney", concerns={"near_nerves": True})
    assert "risks.near-nerves" in {f.rule for f in kidney.findings}


def test_the_source_pack_alone_is_not_rewritten():
    """The links live in the published-scales pack: the source pack loaded alone reads only its own fields."""
    from cryoelig.rulepack.defaultpack import default_pack_dir

    alone = load_pack(default_pack_dir())
    report = _report(alone, site="liver", labs={"inr": 2.5})
    assert "risks.bleeding" not in {f.rule for f in report.findings}
    assert "concerns.bleeding_risk" in _missing(report)


def test_a_cited_title_and_a_scales_wording_are_verbatim_marked_quotations(pack):
    """Issue 22, deliverable 7: shown as the paper's words, and the linter reads around them only."""
    from cryoelig.citations import full_reference
    from cryoelig.wording import directive_words, own_words

    patel = pack.source_by_id["patel-2019"]
    assert "Part II: recommendations: endorsed by the Canadian Association" in patel.title
    reference = full_reference(patel, patel.title, patel.publisher)
    assert f"\u201c{patel.title}\u201d" in reference and directive_words(own_words(reference)) == []
    [kps30] = [lv.description for lv in pack.scale_by_id["kps"].levels if lv.value == 30]
    assert kps30 == "\u201cSeverely disabled; hospital admission is indicated although death not imminent.\u201d"
    assert directive_words(own_words("The tool says \u201cindicated\u201d but this is indicated.")) == ["indicated"]


def test_within_band_labs_are_shown_beside_the_open_bleeding_question(pack):
    """Issue 22: INR 1.2 and platelets 150 are named beside the bleeding-risk question they do not answer; the
    question stays listed as not given (never read as "no bleeding risk"); at a site the link does not cover,
    nothing is said."""
    report = _report(pack, site="liver", labs={"inr": 1.2, "platelets": 150})
    notes = [n for n in report.input_notes if n.startswith("concerns.bleeding_risk is not given")]
    assert len(notes) == 2 and all(n.endswith("the question stays open") for n in notes), notes
    assert "labs.inr 1.2" in notes[0] and "labs.platelets 150" in notes[1]
    assert "concerns.bleeding_risk" in _missing(report)
    assert not any(f.rule == "risks.bleeding" for f in report.findings)
    skin = _report(pack, site="skin", labs={"inr": 1.2})
    assert not any("stays open" in n for n in skin.input_notes)
