"""The input contract: enums, ranges, units, ECOG, unknown and identifying fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from pydantic import ValidationError
from strategies import case_data

from cryoelig.case.contract import Case, parse_case
from cryoelig.errors import InputError
from cryoelig.facade import ReviewError, review, review_many
from cryoelig.rulepack.load import load_pack


def problems(data):
    with pytest.raises(InputError) as info:
        parse_case(data, load_pack(), file="case.yaml")
    return info.value.problems


def test_size_mm_becomes_size_cm():
    case = parse_case({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 39}}, load_pack())
    assert case.facts()["tumor.size_cm"] == 3.9
    assert case.input_notes(load_pack()) == ["tumor.size_cm 3.9 from size_mm 39"]


def test_size_mm_and_cm_must_agree():
    parse_case({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 40, "size_cm": 4.0}}, load_pack())
    [p] = problems({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 40, "size_cm": 3.9}})
    assert p.field == "tumor" and "disagree" in p.message


@pytest.mark.parametrize("ecog", [0, 1, 2, 3, 4])
def test_ecog_is_a_fact_of_its_own_and_never_rewrites_overall_health(ecog):
    """Issue 9: ECOG given alone no longer becomes overall_health silently; rules read ecog itself."""
    case = parse_case({"case_id": "c", "site": "bone", "ecog": ecog}, load_pack())
    assert case.facts() == {"site": "bone", "ecog": ecog}
    assert case.input_notes(load_pack()) == []


@pytest.mark.parametrize(("ecog", "health", "disagree"), [
    (3, "good", True), (4, "fair", True), (1, "poor", True), (2, "poor", True),
    (3, "poor", False), (0, "good", False), (2, "fair", False), (2, "good", False)])
def test_ecog_and_overall_health_disagreeing_give_a_note_naming_both(ecog, health, disagree):
    """Issue 9: ECOG 3 with overall_health good is a disagreement under the tool's convention (ECOG 3-4
    read as poor): both are kept as facts and an input note names both values."""
    case = parse_case({"case_id": "c", "site": "bone", "ecog": ecog, "overall_health": health}, load_pack())
    assert case.facts()["overall_health"] == health and case.facts()["ecog"] == ecog
    notes = [n for n in case.input_notes(load_pack()) if "disagree" in n]
    assert bool(notes) == disagree
    if disagree:
        assert f"overall_health is given as {health} and ecog as {ecog}" in notes[0]
        assert "this tool's convention (not from the source" in notes[0]


@pytest.mark.parametrize(("site", "tumor", "field", "its_site"), [
    ("kidney", {"histology": "melanoma"}, "tumor.histology", "skin"),
    ("skin", {"stage": "localized"}, "tumor.stage", "prostate"),
    ("liver", {"location": "central"}, "tumor.location", "lung"),
    ("lung", {"surgically_difficult": True}, "tumor.surgically_difficult", "liver"),
    ("kidney", {"metastatic": True}, "tumor.metastatic", "bone"),
    ("prostate", {"primary_cancer": "breast"}, "tumor.primary_cancer", "bone"),
])
def test_a_field_of_another_site_is_kept_with_a_note(site, tumor, field, its_site):
    """Issue 9: a skin case with a prostate stage was accepted silently; now a note names the field and
    both sites (neutral words, field names only) and the case is not refused."""
    case = parse_case({"case_id": "c", "site": site, "tumor": tumor}, load_pack())
    assert case.input_notes(load_pack()) == [f"{field} is given for site {site}; the case schema describes it for "
                                  f"site {its_site} only"]


def test_a_field_at_its_own_site_gives_no_note():
    case = parse_case({"case_id": "c", "site": "bone", "tumor": {"metastatic": True, "primary_cancer": "lung"}},
                      load_pack())
    assert case.input_notes(load_pack()) == []


@pytest.mark.parametrize("primary", ["breast", "other", "unknown"])
def test_not_metastatic_with_a_primary_cancer_gives_a_note(primary):
    """Issue 9: `metastatic: false` with a primary cancer was accepted silently."""
    case = parse_case({"case_id": "c", "site": "bone", "tumor": {"metastatic": False, "primary_cancer": primary}},
                      load_pack())
    assert case.input_notes(load_pack()) == [
        f"tumor.metastatic is false, while tumor.primary_cancer (where a bone metastasis started) is given as "
        f"{primary}; the two disagree"]


def test_size_notes_show_the_value_held_exactly():
    case = parse_case({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 39.99999}}, load_pack())
    assert case.input_notes(load_pack()) == ["tumor.size_cm 3.999999 from size_mm 39.99999"]


def test_unknown_is_absent_not_false():
    facts = parse_case({"case_id": "c", "site": "lung"}, load_pack()).facts()
    assert facts == {"site": "lung"}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"case_id": "c", "site": "kidny"}, "site", "expected"),
        ({"case_id": "c", "site": "kidney", "tumor": {"sise_cm": 3}}, "tumor.#1", "did you mean 'tumor.size_cm'"),
        ({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 0}}, "tumor.size_cm", "from 0.01 to 50 cm"),
        ({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 51}}, "tumor.size_cm", "reads as a size in mm"),
        ({"case_id": "c", "site": "bone", "symptoms": {"pain_score": 11}}, "symptoms.pain_score", "from 0 to 10"),
        ({"case_id": "c", "site": "bone", "symptoms": {"pain_score": True}}, "symptoms.pain_score", "number"),
        ({"case_id": "c", "site": "bone", "ecog": 5}, "ecog", "whole number from 0 to 4"),
        ({"case_id": "c", "site": "bone", "goals": ["cure", "hope"]}, "goals.1", "expected"),
        ({"case_id": "has space", "site": "bone"}, "case_id", "no spaces"),
        ({"site": "bone"}, "case_id", "required"),
    ],
)
def test_invalid_fields_are_named(data, field, words):
    found = problems(data)
    assert any(p.field == field and words in p.message for p in found), found
    assert all(p.file == "case.yaml" for p in found)


@pytest.mark.parametrize("name", ["name", "patient_name", "MRN", "dob", "date_of_birth", "ssn", "address",
                                  "phone", "email", "zip"])
def test_identifying_fields_are_refused(name):
    [p] = problems({"case_id": "c", "site": "bone", name: "x"})
    assert p.reason == "identifier" and p.field == name.lower() and f"'{name}'" in p.message


def test_identifying_field_nested():
    [p] = problems({"case_id": "c", "site": "bone", "tumor": {"mrn": "x"}})
    assert p.field == "tumor.mrn"


@pytest.mark.parametrize(
    "notes",
    [
        "seen on 2024-03-05", "seen 03/05/2024", "seen 5 March 2024", "call 555-123-4567",
        "fax (555) 123-4567", "mail a.b@example.org", "see https://example.org/x", "host 10.0.0.1",
        "ssn 123-45-6789", "record 12345678",
    ],
)
def test_identifier_looking_notes_are_refused_without_echo(notes):
    [p] = problems({"case_id": "c", "site": "bone", "notes": notes})
    assert p.reason == "identifier" and p.field == "notes"
    assert notes not in str(p) and notes.split()[-1] not in str(p)


@pytest.mark.parametrize("notes", ["pain 7/10 at rest, worse at night", "tumor 3.9 cm, ECOG 2", "two lesions"])
def test_clinical_notes_pass(notes):
    parse_case({"case_id": "c", "site": "bone", "notes": notes}, load_pack())


def test_identifier_case_id_refused():
    [p] = problems({"case_id": "1234567890", "site": "bone"})
    assert p.reason == "identifier" and p.field == "case_id"


@given(case_data())
def test_generated_cases_are_valid(data):
    case = Case.model_validate(data)
    assert case.facts()["site"] == data["site"]


def test_a_case_made_without_a_pack_meets_the_pack_sites_at_review(pack):
    """Issue 23: the contract never falls back to the shipped pack's sites. A Case made without a pack
    (``Case(...)``, ``Case.model_validate``) checks only the form of its site; the facade then checks it
    against the pack that reviews it, so no route reviews a site the pack does not name."""
    assert Case(case_id="c", site=" Pancreas ").site == "pancreas"
    with pytest.raises(ValidationError, match="a site id"):
        Case(case_id="c", site="not a site")
    [refused] = review_many([Case(case_id="c", site="pancreas")], pack)
    assert isinstance(refused, ReviewError) and refused.problems[0].field == "site"
    assert refused.problems[0].message.startswith("expected 'skin', 'liver'")
    with pytest.raises(InputError, match="expected 'skin'"):
        review(Case(case_id="c", site="pancreas"), pack)
    assert review(Case(case_id="c", site="kidney"), pack).report.site == "kidney"


def test_a_pack_without_sites_refuses_every_site_in_words(pack):
    """A pack that adds to another, loaded on its own, names no sites: said, never an empty choice list."""
    addon = load_pack(pack.parts[-1].directory)
    assert addon.site_ids == ()
    with pytest.raises(InputError, match="names no sites"):
        parse_case({"case_id": "c", "site": "kidney"}, addon)
