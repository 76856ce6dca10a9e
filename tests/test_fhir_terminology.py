"""Terminology as data (issue 25): the curated table, ICD-10-CM by its hierarchy, codes placed by their
body site, medications named when they have no case value, and the document written from the data."""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("stdnum")

from fhirdata import bundle, load  # noqa: E402

from cryoelig.case.contract import Case  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402
from cryoelig.inputs.fhir import bundle_to_case_data, icd10cm  # noqa: E402
from cryoelig.inputs.fhir.codes import ROLES, SNOMED, lookup, table  # noqa: E402
from cryoelig.inputs.fhir.mapping import NotPlaced, Sites, read_fhir  # noqa: E402
from cryoelig.inputs.fhir.resources import code_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
MEANING_KEYS = {"kind", "site", "laterality", "primary_cancer", "histology", "field", "treatment", "class", "outcome"}


def script(name: str):  # noqa: ANN201 - a module of scripts/
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def condition(code: str, system: str = SNOMED, body: str | None = None, profile: str | None = None) -> dict:
    """A current Condition with one coding (and a bodySite), in the mCODE example's shape."""
    resource = {"resourceType": "Condition", "id": "c-1", "subject": {"reference": "Patient/pt-1"},
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                               "code": "active"}]},
                "code": {"coding": [{"system": system, "code": code}]}}
    if body:
        resource["bodySite"] = [{"coding": [{"system": SNOMED, "code": body}]}]
    if profile:
        resource["meta"] = {"profile": [f"http://hl7.org/fhir/us/mcode/StructureDefinition/{profile}"]}
    return resource


def record(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


# ---------------------------------------------------------------- the Seen items of issue 25

@pytest.mark.parametrize(("resource", "site"), [
    (condition("93849006"), "kidney"),  # Primary malignant neoplasm of kidney
    (condition("93870000"), "liver"),  # Malignant neoplasm of liver
    (condition("363346000", body="18639004"), "kidney"),  # left kidney structure, the mCODE guide's own
    (condition("363346000", body="9846003"), "kidney"),  # right kidney structure
])
def test_the_codes_record_systems_send_place_the_site(resource, site):
    data, provenance = bundle_to_case_data(record(resource))
    assert data["site"] == site
    assert provenance.read[0].fields == ("site",)


def test_an_unknown_code_on_a_cancer_profile_is_placed_by_its_body_site_with_a_note():
    data, provenance = bundle_to_case_data(record(condition("1234567009", body="9846003",
                                                            profile="mcode-primary-cancer-condition")))
    assert data["site"] == "kidney"
    notes = provenance.read[0].notes
    assert "placed at kidney by its bodySite (its code names no site cryoelig reads)" in notes
    assert "laterality right (no case field)" in notes


def test_an_active_gefitinib_order_is_named_not_dropped():
    data, provenance = bundle_to_case_data(bundle("mcode-primary-cancer-condition-nsclc",
                                                  "mcode-cancer-related-medication-request-gefitinib"))
    [medication] = [r for r in provenance.read if r.resource == "MedicationRequest"]
    assert medication.notes == ("an active treatment, targeted therapy (RxNorm 349472), no case value",)
    assert provenance.active_not_classified == ["targeted therapy (RxNorm 349472), no case value"]
    assert "treatments" not in data  # unknown, not "none": the rules reading it stay unchecked


def test_a_medication_outside_the_table_is_not_classified_by_system_and_code_only():
    order = load("mcode-cancer-related-medication-request-gefitinib")
    order["medicationCodeableConcept"]["coding"] = [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1234", "display": "Quixwright"},
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "Zebulon 555-867-5309"}]
    _, provenance = bundle_to_case_data(record(load("mcode-primary-cancer-condition-nsclc"), order))
    [named] = provenance.active_not_classified
    assert named == "not classified (RxNorm 1234, an RxNorm code that is not well formed)"


# ---------------------------------------------------------------- ICD-10-CM by its hierarchy

@pytest.mark.parametrize(("code", "site", "kind"), [
    ("C64.2", "kidney", "primary"), ("C65.1", "kidney", "primary"), ("C22.0", "liver", "primary"),
    ("C34.11", "lung", "primary"), ("C41.2", "bone", "primary"), ("C79.51", "bone", "secondary"),
    ("C61", "prostate", "primary"), ("C44.311", "skin", "primary"), ("C43.9", "skin", "primary"),
    ("C78.7", "liver", "secondary"), ("C50.912", "other", "primary"), ("C642", "kidney", "primary"),
])
def test_icd10cm_codes_are_placed_by_their_category(code, site, kind):
    hit = lookup("condition", ICD, code)
    assert (hit.get("site"), hit.get("kind")) == (site, kind)


def test_icd10cm_skin_histology_and_what_is_not_a_cancer():
    assert lookup("condition", ICD, "C44.311").get("histology") == "basal_cell_carcinoma"
    assert lookup("condition", ICD, "C44.321").get("histology") == "squamous_cell_carcinoma"
    for code in ("I10", "Z85.528", "D30.0", "D49.512"):  # not a neoplasm, personal history, benign, unspecified
        assert lookup("condition", ICD, code).get("kind") in icd10cm.NOT_CANCER
    assert lookup("condition", ICD, "C64.7") is None and lookup("condition", ICD, "not a code") is None


def test_a_personal_history_code_is_not_a_current_cancer():
    with pytest.raises(InputError, match="no current cancer Condition in the record") as caught:
        bundle_to_case_data(record(condition("Z85.528", system=ICD)))
    assert not isinstance(caught.value, NotPlaced)


def test_the_shipped_icd10cm_table_is_what_the_library_gives():
    pytest.importorskip("simple_icd_10_cm")
    generated = script("icd10cm_table").render()
    assert (ROOT / "cryoelig" / "inputs" / "fhir" / "icd10cm.csv").read_text(encoding="utf-8") == generated


def test_a_neoplasm_code_the_table_lacks_is_asked_of_the_library(monkeypatch):
    pytest.importorskip("simple_icd_10_cm")
    shipped = dict(icd10cm.table())
    del shipped["C64.2"]
    monkeypatch.setattr(icd10cm, "table", lambda: shipped)
    icd10cm._from_library.cache_clear()
    assert icd10cm.place("C64.2") == {"kind": "primary", "site": "kidney", "primary_cancer": "kidney",
                                      "laterality": "left"}


def test_the_library_is_not_imported_for_a_code_the_table_knows(tmp_path):
    path = tmp_path / "kidney.json"
    path.write_text(json.dumps(record(condition("C64.2", system=ICD))))
    code = ("import sys; from cryoelig.inputs import read_case; from cryoelig.rulepack.load import load_pack; "
            "read_case(sys.argv[1], load_pack()); "
            "print('simple_icd_10_cm' in sys.modules)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


# ---------------------------------------------------------------- the table as data

def test_every_row_of_the_table_is_well_formed_and_has_its_source():
    sites = set(Case.model_fields["site"].annotation.__args__) if hasattr(
        Case.model_fields["site"].annotation, "__args__") else None
    from cryoelig.rulepack.load import load_pack

    pack_sites = set(load_pack().site_ids)
    keys = set()
    for code in table():
        keys.add((code.role, code.system, code.code))
        assert code.role in ROLES and code.source and code.display
        assert set(dict(code.meaning)) <= MEANING_KEYS and len(dict(code.meaning)) == len(code.meaning)
        if code.get("site"):
            assert code.get("site") in pack_sites, code
        assert code_text(code.system, code.code).endswith(code.code), code  # every code of the table is well formed
    assert len(keys) == len(table()) and sites is None


def test_every_site_has_disorders_and_body_structures():
    from cryoelig.rulepack.load import load_pack

    for site in load_pack().site_ids:
        roles = {(c.role, c.get("kind")) for c in table() if c.get("site") == site}
        assert ("condition", "primary") in roles and ("body_site", None) in roles, site
        if site != "other":
            assert ("condition", "secondary") in roles, site


def test_the_document_tables_are_written_from_the_data():
    doc = (ROOT / "docs" / "fhir-mapping.md").read_text(encoding="utf-8")
    assert script("fhir_codes_doc").with_tables(doc) == doc
    assert doc.count("\n| `http") == len(table()) and doc.count("\n| `C") + doc.count("\n| `D") == 36


def test_the_site_map_names_pack_sites_and_known_kinds():
    from cryoelig.rulepack.load import load_pack

    pack_sites = set(load_pack().site_ids)
    with (ROOT / "cryoelig" / "inputs" / "fhir" / "icd10cm-sites.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert row["kind"] in {"primary", "secondary", "in_situ", "unspecified"}
            assert not row["site"] or row["site"] in pack_sites


# ---------------------------------------------------------------- never another site, silently

def femur_record() -> dict:
    """The research's finding: a breast primary (site other) and a femur metastasis whose code the reader
    does not know (no profile), as a SNOMED-only problem list sends it."""
    primary = condition("372137005")
    femur = condition("1234567009", body="71341001")
    femur["id"] = "c-2"
    return record(primary, femur)


def test_an_unread_condition_is_never_replaced_by_a_summary_of_another_site():
    with pytest.raises(NotPlaced) as caught:
        bundle_to_case_data(femur_record())
    message = caught.value.problems[0].message
    assert "not summarized" in message and "SNOMED CT 71341001 (bodySite) in entry 2" in message
    assert [row[0] for row in caught.value.rows] == ["entry 2", "entry 1"]
    with pytest.raises(NotPlaced):
        read_fhir({"entry": femur_record()}, Sites.EVERY)
    [case] = read_fhir({"entry": femur_record()}, ["other"])  # a site chosen by the caller is summarized
    assert case.site == "other"


def test_the_refusal_crosses_a_process_boundary_whole():
    import pickle

    with pytest.raises(NotPlaced) as caught:
        read_fhir({"entry": femur_record()}, name="record.json")
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.rows == caught.value.rows and again.problems == caught.value.problems
    assert again.problems[0].file == "record.json"


def test_with_the_code_known_the_femur_metastasis_is_the_bone_case():
    known = copy.deepcopy(femur_record())
    known["entry"][1]["resource"]["code"]["coding"][0]["code"] = "94300004"  # Secondary malignant neoplasm of femur
    data, _ = bundle_to_case_data(known)
    assert data["site"] == "bone" and data["tumor"] == {"metastatic": True}
