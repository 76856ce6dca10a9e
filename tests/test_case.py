"""The input contract: enums, ranges, units, ECOG, unknown and identifying fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from strategies import case_data

from cryoelig.case import Case, parse_case
from cryoelig.errors import InputError


def problems(data):
    with pytest.raises(InputError) as info:
        parse_case(data, file="case.yaml")
    return info.value.problems


def test_size_mm_becomes_size_cm():
    case = parse_case({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 39}})
    assert case.facts()["tumor.size_cm"] == 3.9
    assert case.input_notes() == ["tumor.size_cm 3.9 from size_mm 39"]


def test_size_mm_and_cm_must_agree():
    parse_case({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 40, "size_cm": 4.0}})
    [p] = problems({"case_id": "k1", "site": "kidney", "tumor": {"size_mm": 40, "size_cm": 3.9}})
    assert p.field == "tumor" and "disagree" in p.message


@pytest.mark.parametrize(("ecog", "health"), [(0, "good"), (1, "good"), (2, "fair"), (3, "poor"), (4, "poor")])
def test_ecog_maps_to_overall_health(ecog, health):
    case = parse_case({"case_id": "c", "site": "bone", "ecog": ecog})
    assert case.facts()["overall_health"] == health
    assert f"from ECOG {ecog}" in case.input_notes()[0]


def test_overall_health_wins_over_ecog_with_a_note():
    case = parse_case({"case_id": "c", "site": "bone", "ecog": 4, "overall_health": "good"})
    assert case.facts()["overall_health"] == "good"
    assert "would map to poor" in case.input_notes()[0]


def test_unknown_is_absent_not_false():
    facts = parse_case({"case_id": "c", "site": "lung"}).facts()
    assert facts == {"site": "lung"}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"case_id": "c", "site": "kidny"}, "site", "expected"),
        ({"case_id": "c", "site": "kidney", "tumor": {"sise_cm": 3}}, "tumor.#1", "did you mean 'tumor.size_cm'"),
        ({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 0}}, "tumor.size_cm", "greater than or equal to 0.01"),
        ({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 51}}, "tumor.size_cm", "less than or equal"),
        ({"case_id": "c", "site": "bone", "symptoms": {"pain_score": 11}}, "symptoms.pain_score", "less than"),
        ({"case_id": "c", "site": "bone", "symptoms": {"pain_score": True}}, "symptoms.pain_score", "number"),
        ({"case_id": "c", "site": "bone", "ecog": 5}, "ecog", "less than"),
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
    parse_case({"case_id": "c", "site": "bone", "notes": notes})


def test_identifier_case_id_refused():
    [p] = problems({"case_id": "1234567890", "site": "bone"})
    assert p.reason == "identifier" and p.field == "case_id"


@given(case_data())
def test_generated_cases_are_valid(data):
    case = Case.model_validate(data)
    assert case.facts()["site"] == data["site"]
