"""The checklist: questions derived from the pack, answer parsing, and the real program driven
through a pseudo-terminal as a person would, giving the same report as a case file."""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from typer.testing import CliRunner

from cryoelig.case.contract import case_fields, parse_case
from cryoelig.cli import app
from cryoelig.errors import InputError
from cryoelig.facade import review
from cryoelig.render.data import report_json
from cryoelig.rulepack.load import load_pack, normalise_space
from cryoelig.views.checklist import (
    Answer,
    AnswerError,
    answer_problem,
    case_data,
    parse_answer,
    run,
)
from cryoelig.views.questions import (
    case_id_question,
    ecog_question,
    make_question,
    questions_for,
    reasons,
    site_question,
)
from cryoelig.wording import directive_words

SITES = ("skin", "liver", "prostate", "kidney", "lung", "bone", "other")
ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("cryoelig")
COMMAND = [str(EXE)] if EXE.exists() else [sys.executable, str(ROOT / "cli.py")]

# Fields only some sites read: each must be asked there and nowhere else. Repetition and other
# treatments are stated for metastatic bone tumors only (issue 9): asked at bone, nowhere else.
SITE_FIELDS = {
    "skin": {"tumor.histology"},
    "liver": {"tumor.surgically_difficult", "tumor.size_cm"},
    "prostate": {"tumor.stage", "history.failed_treatments"},
    "kidney": {"tumor.size_cm"},
    "lung": {"tumor.location", "tumor.size_cm"},
    "bone": {"tumor.metastatic", "tumor.primary_cancer", "symptoms.pain_score", "symptoms.fracture",
             "symptoms.bone_weakness", "symptoms.anemia", "symptoms.fatigue", "goals",
             "history.prior_cryoablation", "history.regrowth", "history.symptoms_returned", "treatments"},
    "other": set(),
}
EVERY_SITE = {"overall_health"}
# The four risk concerns: at every documented site, not at site other (issue 22: the risk points have the
# scope of risks.documented, the source lists its risks for the areas it describes).
CONCERNS = {"concerns.near_nerves", "concerns.bleeding_risk", "concerns.active_infection",
            "concerns.near_critical_structures"}


def every_site(site):
    return EVERY_SITE | (CONCERNS if site != "other" else set())
# With the published-scales pack (the default set): each scale's fields, asked only where the scale applies
# (its applies_when in rules/published-scales/scales.yaml), Karnofsky everywhere.
LABS = {"labs.inr", "labs.platelets"}
SCALE_FIELDS = {
    "skin": set(), "prostate": set(), "other": set(), "liver": LABS, "lung": LABS,
    "kidney": LABS | {"renal.exophytic", "renal.nearness_mm", "renal.polar_location", "renal.anterior_posterior",
                      "renal.hilar", "renal.total"},
    "bone": LABS | {"tumor.bone_region", "symptoms.worst_pain_last_day", "mirels.site", "mirels.pain",
                    "mirels.lesion", "mirels.size", "mirels.total", "sins.location", "sins.pain", "sins.lesion",
                    "sins.alignment", "sins.collapse", "sins.posterolateral", "sins.total"},
}
# ECOG is no question of its own (issue 9): the overall-health question takes it ("ecog 2"), and it is asked
# as a follow-up when overall health is not known; the scales read the same fact.
SCALE_EVERY_SITE = {"kps"}


def fields_for(pack, site, scales: bool = False):
    return [q.field for q in questions_for(pack, site, scales=scales)]


# ---------------------------------------------------------------- questions from the pack

@pytest.mark.parametrize("site", SITES)
def test_only_the_fields_the_site_reads_are_asked(source_pack, site):
    asked = fields_for(source_pack, site)
    assert set(asked) == SITE_FIELDS[site] | every_site(site)
    order = list(case_fields())
    assert asked == sorted(asked, key=order.index), "questions follow the case schema order"
    assert "tumor.count" not in asked, "no rule reads tumor.count"


@pytest.mark.parametrize("site", SITES)
def test_a_scale_is_asked_only_where_it_applies(pack, source_pack, site):
    """The default set asks the source article's questions only; with scales (issue 22), after them in
    case-schema order, the published scales' fields for the scales whose applies_when the site does not rule out."""
    assert fields_for(pack, site) == fields_for(source_pack, site)
    asked = fields_for(pack, site, scales=True)
    assert set(asked) == SITE_FIELDS[site] | every_site(site) | SCALE_FIELDS[site] | SCALE_EVERY_SITE
    order = list(case_fields())
    source = fields_for(source_pack, site)
    assert asked[:len(source)] == source and asked[len(source):] == sorted(asked[len(source):], key=order.index)


def test_a_scale_question_names_the_paper_and_place_never_a_quote(pack):
    [question] = [q for q in questions_for(pack, "bone", scales=True) if q.field == "mirels.lesion"]
    assert [r.rule for r in question.why] == ["scales.mirels-4-to-7", "scales.mirels-8", "scales.mirels-9-to-12"]
    assert question.why_line.startswith("why asked: scales.mirels-4-to-7")
    assert "(source: mirels-1989, scoring table" in question.why_line and '"' not in question.why_line
    assert question.values == ("blastic", "mixed", "lytic")


def test_a_scale_is_not_asked_once_the_answers_rule_it_out(pack):
    """Spine: SINS is asked, Mirels is not; a total is asked only when a component is not known."""
    answers = {"site": "bone", "tumor.metastatic": True, "tumor.bone_region": "spine"}
    live = reasons(pack, answers, ["mirels.site", "sins.location", "sins.total"])
    assert "mirels.site" not in live and "sins.location" in live and "sins.total" in live
    complete = {**answers, "sins.location": "mobile", "sins.pain": "none", "sins.lesion": "blastic",
                "sins.alignment": "normal", "sins.collapse": "none", "sins.posterolateral": "none"}
    assert "sins.total" not in reasons(pack, complete, ["sins.total"])
    assert "sins.total" in reasons(pack, {k: v for k, v in complete.items() if k != "sins.pain"}, ["sins.total"])


def test_every_question_says_why_with_rules_that_read_it_and_a_verbatim_quote(source_pack):
    pack = source_pack
    source = normalise_space(pack.source_texts["cryosurgery-metastatic-bone-tumors"])
    for site in SITES:
        for q in questions_for(pack, site):
            assert q.why, q.field
            for reason in q.why:
                rule = pack.rule_by_id[reason.rule]
                reads = set(rule.fields) | {f for d in pack.rules if d.spec.derives for f in d.fields}
                assert q.field in reads
                assert normalise_space(reason.quote) in source
                assert reason.factor == pack.factor_by_id[rule.spec.factor].label
            assert q.why_line.startswith(f"why asked: {q.why[0].rule}")
            assert "(source: \"" in q.why_line
            assert q.label == pack.fields[q.field].label and q.text == pack.fields[q.field].question


def test_a_field_read_through_a_derived_fact_names_the_rules_that_use_it(pack):
    [metastatic] = [q for q in questions_for(pack, "bone") if q.field == "tumor.metastatic"]
    ids = {r.rule for r in metastatic.why}
    assert {"bone.not-metastatic", "bone.metastatic-palliative", "bone.pain", "care.supportive-care"} <= ids
    assert all(pack.rule_by_id[i].kind != "derived" for i in ids)


def test_answers_so_far_drop_questions_no_rule_can_use(pack):
    later = [q.field for q in questions_for(pack, "bone")][1:]
    still = reasons(pack, {"site": "bone"}, later)  # metastatic answered unknown
    assert "tumor.primary_cancer" in still and "goals" in still
    not_metastatic = reasons(pack, {"site": "bone", "tumor.metastatic": False}, later)
    assert "tumor.primary_cancer" not in not_metastatic and "goals" not in not_metastatic
    assert "symptoms.fracture" not in not_metastatic, "fractures are stated for metastatic bone tumors only"
    assert "treatments" not in not_metastatic and "history.prior_cryoablation" not in not_metastatic
    no_prior = reasons(pack, {"site": "bone", "history.prior_cryoablation": False},
                       ["history.regrowth", "history.symptoms_returned"])
    assert "history.regrowth" not in no_prior


@pytest.mark.parametrize("site", ["skin", "liver", "prostate", "kidney", "lung", "other"])
def test_repeat_and_treatment_questions_are_not_asked_outside_bone(pack, site):
    """Issue 9: three repeat questions and a treatments question were added to every non-bone case,
    and a kidney case's 'why asked' for prior cryoablation quoted the bone-metastasis sentence."""
    asked = questions_for(pack, site)
    assert not {"history.prior_cryoablation", "history.regrowth", "history.symptoms_returned", "treatments",
                "ecog"} & {q.field for q in asked}
    assert all("metastatic bone" not in r.quote for q in asked for r in q.why)


def test_a_new_rule_brings_its_question(tmp_path):
    pack_dir = tmp_path / "pack"
    shutil.copytree(ROOT / "rules", pack_dir)
    meta = (pack_dir / "pack.yaml").read_text()
    meta = meta.replace("factors:\n", "factors:\n  - id: kidney.several\n    kind: context\n"
                                      "    label: Several kidney tumors\n", 1)
    (pack_dir / "pack.yaml").write_text(meta)
    with (pack_dir / "kidney.yaml").open("a") as handle:
        handle.write("""
  - id: kidney.several-tumors
    factor: kidney.several
    kind: context
    when:
      all:
        - site == kidney
        - tumor.count >= 2
    text: Several kidney tumors recorded ({tumor.count}). Point to discuss with the team.
    cites:
      - source: cryosurgery-metastatic-bone-tumors
        quote: "Cryosurgery can be used to treat kidney tumors"
""")
    new_pack = load_pack(pack_dir)
    [count] = [q for q in questions_for(new_pack, "kidney") if q.field == "tumor.count"]
    assert [r.rule for r in count.why] == ["kidney.several-tumors"]
    assert count.label == "Number of tumors at this site" and count.type == "number"
    assert count.number.integer and count.number.low == 1
    assert "tumor.count" not in fields_for(new_pack, "lung")
    assert fields_for(new_pack, "kidney").index("tumor.count") == 1, "after tumor.size_cm, in schema order"


def test_question_texts_and_messages_use_no_directive_words(pack):
    texts = [case_id_question().block(), site_question(pack).block(), ecog_question(pack).block()]
    for site in SITES:
        for q in questions_for(pack, site):
            texts.append(q.block())
            for bad in ("maybe", "12 parsecs", "0", "-1", "ecog 9", "none, 1", "9", "3.5 kg"):
                try:
                    parse_answer(q, bad)
                except AnswerError as error:
                    texts.append(str(error))
    texts.append(answer_problem({}, Answer("site", "moon"), load_pack()))
    found = {w for t in texts for w in directive_words(t)}
    assert not found


# ---------------------------------------------------------------- answers

def question(pack, name):
    return make_question(pack, name)


@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("Yes", True), ("true", True), ("TRUE", True), ("no", False), ("NO", False), ("false", False),
    ("unknown", None), ("?", None), ("", None), ("  ", None),
])
def test_yes_no_answers(pack, text, value):
    assert parse_answer(question(pack, "concerns.near_nerves"), text) == Answer("concerns.near_nerves", value)


@pytest.mark.parametrize("text", ["y", "n", "on", "off", "1", "0", "1.0", "t", "oui"])
def test_yes_no_answers_follow_the_one_input_grammar(pack, text):
    """The same yes/no words as case files: true, false, yes, no (any letter case), nothing else."""
    with pytest.raises(AnswerError) as info:
        parse_answer(question(pack, "concerns.near_nerves"), text)
    assert "yes, no" in str(info.value)


@pytest.mark.parametrize(("text", "answer"), [
    ("3.9", Answer("tumor.size_cm", 3.9)),
    ("4", Answer("tumor.size_cm", 4)),
    ("3,9 cm", Answer("tumor.size_cm", 3.9)),
    ("39 mm", Answer("tumor.size_mm", 39)),
    ("39mm", Answer("tumor.size_mm", 39)),
    ("500 mm", Answer("tumor.size_mm", 500)),
    ("?", Answer("tumor.size_cm", None)),
])
def test_size_in_cm_or_mm(pack, text, answer):
    assert parse_answer(question(pack, "tumor.size_cm"), text) == answer


@pytest.mark.parametrize("text", ["0", "51", "501 mm", "big", "-2", "4 kg", "yes"])
def test_size_out_of_range_or_unreadable_is_refused(pack, text):
    with pytest.raises(AnswerError, match="expected a number"):
        parse_answer(question(pack, "tumor.size_cm"), text)


def test_whole_numbers_and_ranges_from_the_case_model(pack):
    pain = question(pack, "symptoms.pain_score")
    assert pain.number.describe() == "a whole number (0 to 10)"
    assert parse_answer(pain, "0") == Answer("symptoms.pain_score", 0)
    for bad in ("3.5", "11", "5 mm"):
        with pytest.raises(AnswerError):
            parse_answer(pain, bad)


@pytest.mark.parametrize(("text", "value"), [
    ("squamous_cell_carcinoma", "squamous_cell_carcinoma"), ("squamous cell carcinoma", "squamous_cell_carcinoma"),
    ("Basal-Cell-Carcinoma", "basal_cell_carcinoma"), ("3", "melanoma"), ("other", "other"), ("unknown", None),
])
def test_enum_by_value_label_or_number(pack, text, value):
    assert parse_answer(question(pack, "tumor.histology"), text).value == value


def test_an_enum_value_spelled_unknown_is_chosen_by_number_or_full_label(pack):
    """Issue 9: the choices read "7 primary cancer unknown; unknown (= not given)"; the pack now names
    the value (fields.yaml ``values``) and the list ends with one plain "or unknown (not given)"."""
    q = question(pack, "tumor.primary_cancer")
    assert (7, "unknown", "cancer of unknown primary") in q.choices()
    assert q.allowed == ("1 breast, 2 lung, 3 prostate, 4 kidney, 5 thyroid, 6 other, 7 cancer of unknown primary; "
                         "or unknown (not given)")
    assert parse_answer(q, "unknown").value is None, "the word alone means not given"
    assert parse_answer(q, "7").value == "unknown"
    assert parse_answer(q, "cancer of unknown primary").value == "unknown"


@pytest.mark.parametrize(("field", "tail"), [("treatments", "; or none (no, none); or unknown (not given)"),
                                             ("tumor.histology", "4 other; or unknown (not given)"),
                                             ("symptoms.fracture", "yes, no; or unknown (not given)")])
def test_choice_lists_end_in_one_plain_unknown(pack, field, tail):
    allowed = question(pack, field).allowed
    assert allowed.endswith(tail) and "(= not given)" not in allowed


@pytest.mark.parametrize(("text", "value"), [
    ("radiation, chemotherapy", ["radiation", "chemotherapy"]),
    ("1; 3 ,surgery", ["radiation", "hormone_therapy", "surgery"]),
    ("palliative care, 5", ["palliative_care"]),
    ("none", []), ("-", []), ("no", []), ("No", []), ("NONE", []), ("unknown", None), ("", None),
])
def test_lists(pack, text, value):
    """Issue 9: `no` for treatments was refused (`none` needed)."""
    assert parse_answer(question(pack, "treatments"), text).value == value


@pytest.mark.parametrize("text", ["radiation, 9", "none, radiation", "cure", "radiation, unknown", "no, surgery"])
def test_list_items_outside_the_values_are_refused(pack, text):
    with pytest.raises(AnswerError):
        parse_answer(question(pack, "treatments"), text)


def test_overall_health_takes_an_ecog_status_instead(pack):
    q = question(pack, "overall_health")
    assert parse_answer(q, "ecog 2") == Answer("ecog", 2)
    assert parse_answer(q, "ECOG: 0") == Answer("ecog", 0)
    assert parse_answer(q, "Ecog4") == Answer("ecog", 4)
    assert parse_answer(q, "fair") == Answer("overall_health", "fair")
    with pytest.raises(AnswerError):
        parse_answer(q, "ecog 5")
    assert q.allowed == "good, fair, poor, or an ECOG 0-4 typed as 'ecog 2'; or unknown (not given)"


@pytest.mark.parametrize("digit", ["0", "1", "2", "3", "4", "5"])
def test_a_bare_digit_is_never_read_as_a_health_word(pack, digit):
    """Issue 9: a bare 4 was refused while 1-3 were silently read as good/fair/poor (an ECOG typed
    without "ecog" was misread); now every bare digit is refused with what to type instead."""
    with pytest.raises(AnswerError, match="a number alone is not read as a health word.*'ecog 2'"):
        parse_answer(question(pack, "overall_health"), digit)


def test_the_ecog_question_asks_for_ecog_0_to_4(pack):
    q = ecog_question(pack)
    assert "ECOG 0-4" in q.label and "(ECOG 0-4)" in q.text
    assert q.allowed == "ECOG 0-4, a whole number (e.g. 2); or unknown (not given)"
    assert "this tool's convention, not from the source" in q.text
    assert parse_answer(q, "3") == Answer("ecog", 3) and parse_answer(q, "ecog 1") == Answer("ecog", 1)


@pytest.mark.parametrize(("text", "value"), [("7/10", 7), ("7 / 10", 7), ("0/10", 0), ("10/10", 10), ("7", 7)])
def test_pain_as_a_score_out_of_ten(pack, text, value):
    """Issue 9: `7/10` for pain was refused."""
    assert parse_answer(question(pack, "symptoms.pain_score"), text) == Answer("symptoms.pain_score", value)


@pytest.mark.parametrize("text", ["7/5", "11/10", "7/100", "/10", "7/10/10"])
def test_other_fractions_are_refused(pack, text):
    with pytest.raises(AnswerError):
        parse_answer(question(pack, "symptoms.pain_score"), text)


def test_case_id_and_site_are_required(pack):
    for q in (case_id_question(), site_question(pack)):
        for text in ("", "unknown", "?"):
            with pytest.raises(AnswerError, match="required"):
                parse_answer(q, text)
    with pytest.raises(AnswerError, match="letters, digits"):
        parse_answer(case_id_question(), "jane doe")


@pytest.mark.parametrize(("case_id", "kind"), [("2024-03-05", "full date"), ("00123456789", "long digit run")])
def test_the_case_model_refuses_identifiers_in_the_label(case_id, kind):
    answer = parse_answer(case_id_question(), case_id)
    problem = answer_problem({}, answer, load_pack())
    assert kind in problem and case_id not in problem


def test_answers_assemble_into_the_case_a_file_would_give():
    answers = {"case_id": "a1", "site": "kidney", "tumor.size_mm": 39, "history.prior_cryoablation": False,
               "treatments": [], "concerns.near_nerves": None, "ecog": 3}
    data = case_data(answers)
    assert data == {"case_id": "a1", "site": "kidney", "tumor": {"size_mm": 39},
                    "history": {"prior_cryoablation": False}, "treatments": [], "ecog": 3}
    assert parse_case(data, load_pack()) == parse_case(yaml.safe_load(yaml.safe_dump(data)), load_pack())
    facts = parse_case(data, load_pack()).facts()
    assert facts["ecog"] == 3 and "overall_health" not in facts


# ---------------------------------------------------------------- the dialogue without a terminal

def scripted(lines):
    feed = iter(lines)
    shown: list[str] = []

    def ask(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return ask, shown.append, shown


def test_dialogue_reasks_and_skips_what_no_rule_can_use(source_pack):
    pack = source_pack
    ask, say, shown = scripted(["2024-03-05", "b-7", "moon", "6", "no", "3", "unknown", "1", "8", "yes",
                                "", "", ""])
    result = run(pack, ask, say)
    text = "\n".join(shown)
    assert "looks like a full date" in text and "2024-03-05" not in text
    assert "not one of the listed answers: 1 skin" in text and "moon" not in text  # never repeated
    assert "not accepted: expected yes, no or unknown." in text
    assert "not accepted: a number alone is not read as a health word" in text
    assert "not asked: Primary cancer (where the cancer started) [tumor.primary_cancer]" in text
    assert "[goals]" in text and "not asked: Treatment goals [goals]" in text
    # a bone tumor recorded as not metastatic: fractures, marrow effects, repetition and other
    # treatments are stated for metastatic bone tumors only, so none of them is asked (issue 9)
    assert result.data == {"case_id": "b-7", "site": "bone", "tumor": {"metastatic": False},
                           "concerns": {"near_nerves": True}, "ecog": 1}
    assert result.skipped == ["tumor.primary_cancer", "symptoms.pain_score", "symptoms.fracture",
                              "symptoms.bone_weakness", "symptoms.anemia", "symptoms.fatigue",
                              "history.prior_cryoablation", "history.regrowth", "history.symptoms_returned",
                              "treatments", "goals"]
    assert result.unknown == ["concerns.bleeding_risk", "concerns.active_infection",
                              "concerns.near_critical_structures"]
    assert result.case.facts()["ecog"] == 1 and "overall_health" not in result.case.facts()


def test_site_from_the_command_line_is_checked_first(pack):
    ask, say, _ = scripted([])
    with pytest.raises(InputError, match="not one of the listed answers: 1 skin, 2 liver") as info:
        run(pack, ask, say, site="moon")
    assert "moon" not in str(info.value)
    with pytest.raises(EOFError):
        run(pack, ask, say, site="lung")


# ---------------------------------------------------------------- the real program in a pseudo-terminal

# Per site: what a person types for each question (by field; anything else is "unknown"),
# one answer that is refused and re-asked, and the case file the test writes for the same answers.
RUNS = {
    "skin": ({"site": "skin", "tumor.histology": "2", "overall_health": "good",
              "concerns.near_nerves": "no", "concerns.active_infection": "yes"},
             ("tumor.histology", "squamous"),
             {"tumor": {"histology": "squamous_cell_carcinoma"}, "overall_health": "good",
              "concerns": {"near_nerves": False, "active_infection": True}}),
    "liver": ({"site": "2", "tumor.size_cm": "9", "tumor.surgically_difficult": "yes", "overall_health": "fair",
               "concerns.bleeding_risk": "yes"},
              ("tumor.surgically_difficult", "perhaps"),
              {"tumor": {"size_cm": 9, "surgically_difficult": True}, "overall_health": "fair",
               "concerns": {"bleeding_risk": True}}),
    "prostate": ({"site": "prostate", "tumor.stage": "localized", "history.failed_treatments": "1; hormone therapy",
                  "overall_health": "ecog 1", "concerns.near_nerves": "yes"},
                 ("history.failed_treatments", "radiation, 9"),
                 {"tumor": {"stage": "localized"}, "history": {"failed_treatments": ["radiation", "hormone_therapy"]},
                  "ecog": 1, "concerns": {"near_nerves": True}}),
    "kidney": ({"site": "4", "tumor.size_cm": "39 mm", "ecog": "3", "concerns.near_critical_structures": "no"},
               ("tumor.size_cm", "60"),
               {"tumor": {"size_mm": 39}, "ecog": 3, "concerns": {"near_critical_structures": False}}),
    "lung": ({"site": "lung", "tumor.location": "peripheral", "overall_health": "poor"},
             ("overall_health", "3"),
             {"tumor": {"location": "peripheral"}, "overall_health": "poor"}),
    "bone": ({"site": "bone", "tumor.metastatic": "yes", "tumor.primary_cancer": "7", "symptoms.pain_score": "6/10",
              "symptoms.fracture": "no", "goals": "cure, pain relief", "history.prior_cryoablation": "yes",
              "history.symptoms_returned": "yes", "treatments": "no"},
             ("symptoms.pain_score", "12"),
             {"tumor": {"metastatic": True, "primary_cancer": "unknown"}, "symptoms": {"pain_score": 6,
              "fracture": False}, "history": {"prior_cryoablation": True, "symptoms_returned": True},
              "treatments": [], "goals": ["cure", "pain_relief"]}),
    "other": ({"overall_health": "good"},  # no concern is asked at site other (issue 22)
              ("case_id", "15/03/2024"),
              {"overall_health": "good"}),
}


def spawn(args, cwd, **kwargs):
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    return pexpect.spawn(COMMAND[0], COMMAND[1:] + args, cwd=str(cwd), env=env, encoding="utf-8",
                         timeout=20, dimensions=(50, 120), **kwargs)


def answer_all(child, typed, invalid):
    """Answer every question by its [field] tag; return the fields asked, in order."""
    asked = []
    bad_field, bad_text = invalid
    while child.expect([r"\[([a-z_.]+)\]\r\n", pexpect.EOF]) == 0:
        name = child.match.group(1)
        asked.append(name)
        child.expect("> ")
        if name == bad_field:
            child.sendline(bad_text)
            child.expect("not accepted: ")
            child.expect("> ")
        child.sendline(typed.get(name, "unknown"))
    return asked


@pytest.mark.parametrize("site", SITES)
def test_checklist_in_a_terminal_gives_the_same_report_as_a_case_file(pack, tmp_path, site):
    typed, invalid, expected = RUNS[site]
    typed = {"case_id": f"e2e-{site}", **typed}
    args = ["checklist", "--format", "json", "--save", "case.yaml"] + (["--site", "other"] if site == "other" else [])
    child = pexpect.spawn("/bin/sh", ["-c", shlex.join(COMMAND + args) + " > report.json"], cwd=str(tmp_path),
                          env={**os.environ, "NO_COLOR": "1"}, encoding="utf-8", timeout=20)
    asked = answer_all(child, typed, invalid)
    child.close()
    assert child.exitstatus == 0, child.before
    assert asked[0] == "case_id" and ("site" in asked) == (site != "other")
    specific = {f for fields in SITE_FIELDS.values() for f in fields}
    assert {f for f in asked if f in specific} <= SITE_FIELDS[site]
    printed = (tmp_path / "report.json").read_text()

    # the saved answers, read back by `cryoelig check`
    checked = CliRunner().invoke(app, ["check", str(tmp_path / "case.yaml"), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == printed

    # a case file with the same answers, written by the test
    case_file = tmp_path / "expected.yaml"
    case_file.write_text(yaml.safe_dump({"case_id": f"e2e-{site}", "site": site, **expected}))
    from cryoelig.inputs import read_case

    report = review(read_case(str(case_file), pack), pack).report
    assert report_json(report) == printed
    assert json.loads(printed)["case_id"] == f"e2e-{site}"


def test_kidney_questions_in_order_with_followups(tmp_path):
    child = spawn(["checklist", "--format", "markdown", "--scales"], tmp_path)
    typed, invalid, _ = RUNS["kidney"]
    asked = answer_all(child, {"case_id": "k2", **typed}, invalid)
    output = child.before
    child.close()
    assert child.exitstatus == 0
    assert asked == ["case_id", "site", "tumor.size_cm", "overall_health", "ecog", "concerns.near_nerves",
                     "concerns.bleeding_risk", "concerns.active_infection", "concerns.near_critical_structures",
                     "kps", "renal.exophytic", "renal.nearness_mm", "renal.polar_location", "renal.anterior_posterior",
                     "renal.hilar", "renal.total", "labs.inr", "labs.platelets"]
    assert "Kidney tumor of 3.9 cm" in output


def test_rich_summary_for_a_person_at_a_terminal(tmp_path):
    child = spawn(["checklist", "--site", "lung", "--sources"], tmp_path)
    child.logfile_read = transcript = io.StringIO()
    asked = answer_all(child, {"case_id": "lung-3", "tumor.location": "1"}, (None, None))
    child.close()
    output = transcript.getvalue()
    assert child.exitstatus == 0
    assert asked[:3] == ["case_id", "tumor.size_cm", "tumor.location"]
    assert "Site: lung (given on the command line)" in output
    assert 'why asked: lung.peripheral, lung.central (source: "' in output
    assert "Points to discuss with the multidisciplinary team: case lung-3" in output
    assert "Information not given" in output and "near the edge of the lung" in output
    assert "Source: \u201cCryosurgery in Metastatic Bone Tumors\u201d" in output


def test_ctrl_c_cancels_without_saving(tmp_path):
    child = spawn(["checklist", "--save", "case.yaml"], tmp_path)
    child.expect(r"\[case_id\]")
    child.expect("> ")
    child.sendline("c-1")
    child.expect(r"\[site\]")
    child.expect("> ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "cryoelig: error: checklist cancelled, nothing saved" in child.before
    assert "Traceback" not in child.before
    assert not (tmp_path / "case.yaml").exists()


def test_end_of_input_cancels_with_exit_2(tmp_path):
    child = spawn(["checklist", "--site", "skin", "--save", "case.yaml"], tmp_path)
    child.expect("> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "checklist cancelled (input ended before the last question), nothing saved" in child.before
    assert "Traceback" not in child.before and not (tmp_path / "case.yaml").exists()


def test_errors_are_one_line_and_exit_2(tmp_path):
    existing = tmp_path / "case.yaml"
    existing.write_text("kept")
    runner = CliRunner()
    result = runner.invoke(app, ["checklist", "--save", str(existing)])
    assert result.exit_code == 2 and existing.read_text() == "kept"
    assert result.stderr.count("\n") == 1 and "add --force" in result.stderr
    result = runner.invoke(app, ["checklist", "--site", "moon"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("cryoelig: error: field 'site'")
    result = runner.invoke(app, ["checklist", "--save", str(tmp_path)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "is a folder" in result.stderr
    result = runner.invoke(app, ["checklist", "--save", str(tmp_path / "no" / "case.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = runner.invoke(app, ["checklist", "--pack", str(tmp_path)])
    assert result.exit_code == 2 and "not a rule pack folder" in result.stderr


def test_scripted_answers_from_a_pipe_and_force_overwrite(tmp_path):
    existing = tmp_path / "case.yaml"
    existing.write_text("old")
    answers = "p-1\nprostate\nlocalized\n" + "\n" * 16
    result = CliRunner().invoke(app, ["checklist", "--save", str(existing), "--force", "-f", "json"], input=answers)
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load(existing.read_text())
    assert saved == {"case_id": "p-1", "site": "prostate", "tumor": {"stage": "localized"}}
    assert json.loads(result.stdout)["findings"][0]["rule"]
    assert "> localized" not in result.stderr and "> p-1" not in result.stderr, "piped answers are never echoed"


def test_help_has_an_example():
    result = CliRunner().invoke(app, ["checklist", "--help"])
    assert result.exit_code == 0
    assert "Example: cryoelig checklist --site kidney --save case.yaml" in result.stdout
    assert not directive_words(result.stdout)
