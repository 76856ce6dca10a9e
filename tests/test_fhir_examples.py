"""The bundled FHIR examples (examples/fhir/, one Bundle per site in mCODE shapes) and the mCODE guide's own
examples: what each gives the case, and that each code system places every site on its own."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("stdnum")

from fhirdata import bundle  # noqa: E402

from cryoelig.case.contract import parse_case  # noqa: E402
from cryoelig.inputs.fhir import bundle_to_case_data  # noqa: E402
from cryoelig.inputs.fhir.mapping import NotPlaced  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "fhir"
EXPECTED = {
    "kidney": {"site": "kidney", "ecog": 1, "symptoms": {"pain_score": 3}, "tumor": {"size_mm": 32}},
    "liver": {"site": "liver", "ecog": 0, "symptoms": {"pain_score": 2}, "tumor": {"size_cm": 2.8}},
    "lung": {"site": "lung", "ecog": 1, "kps": 80, "symptoms": {"pain_score": 0}, "tumor": {"size_mm": 18}},
    "prostate": {"site": "prostate", "ecog": 0, "symptoms": {"pain_score": 1},
                 "history": {"failed_treatments": ["radiation"]}},
    "skin": {"site": "skin", "ecog": 0, "symptoms": {"pain_score": 0},
             "tumor": {"histology": "basal_cell_carcinoma", "size_mm": 9}},
    "bone": {"site": "bone", "ecog": 2, "kps": 60, "symptoms": {"pain_score": 7}, "treatments": ["hormone_therapy"],
             "tumor": {"metastatic": True, "primary_cancer": "breast"}},
    "other": {"site": "other", "ecog": 0},
}
#: The targeted therapies of the examples: named, never dropped.
NOT_CLASSIFIED = {"kidney": "RxNorm 357977", "liver": "RxNorm 495881", "lung": "RxNorm 349472"}


def example(site: str) -> dict:
    return json.loads((EXAMPLES / f"{site}.json").read_text(encoding="utf-8"))


def without_id(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "case_id"}


@pytest.mark.parametrize("site", sorted(EXPECTED))
def test_each_example_gives_its_site_and_facts(site):
    data, provenance = bundle_to_case_data(example(site))
    assert without_id(data) == EXPECTED[site]
    parse_case(data, load_pack())
    named = provenance.active_not_classified
    assert (named[0].split("(")[1].split(")")[0] if named else None) == NOT_CLASSIFIED.get(site)


def only(document: dict, system: str) -> dict:
    """The record as a problem list sends it: the Conditions with one code system, no profile, no bodySite."""
    out = copy.deepcopy(document)
    for entry in out["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Condition":
            resource.pop("meta", None)
            resource.pop("bodySite", None)
            resource["code"]["coding"] = [c for c in resource["code"]["coding"] if c["system"] == system]
    return out


@pytest.mark.parametrize("system", ["http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm"])
@pytest.mark.parametrize("site", sorted(EXPECTED))
def test_each_code_system_places_every_site_on_its_own(site, system):
    data, _ = bundle_to_case_data(only(example(site), system))
    assert data["site"] == site
    if site == "bone":
        assert data["tumor"] == {"metastatic": True, "primary_cancer": "breast"}
    if site == "skin":
        assert data["tumor"]["histology"] == "basal_cell_carcinoma"


def test_check_reads_an_example_and_prints_its_notes():
    out = subprocess.run([sys.executable, "-m", "cryoelig", "check", "examples/fhir/lung.json", "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["site"] == "lung"
    assert "laterality right (no case field)" in out.stderr
    assert "an active treatment, targeted therapy (RxNorm 349472), no case value" in out.stderr


# ---------------------------------------------------------------- the mCODE guide's examples

def test_mcode_karnofsky_example_gives_kps():
    data, _ = bundle_to_case_data(bundle("mcode-primary-cancer-condition-nsclc",
                                         "mcode-karnofsky-performance-status-normal-activity"))
    assert data["kps"] == 90


def test_mcode_nonspecific_cancer_without_a_site_gets_the_honest_answer():
    with pytest.raises(NotPlaced) as caught:
        bundle_to_case_data(bundle("mcode-primary-cancer-condition-nonspecific"))
    [(where, why, codes)] = caught.value.rows
    assert where == "entry 1" and why == "secondary cancer without a body site or code from the mapping table"
    assert codes == ["SNOMED CT 128462008 (code)"]


def test_mcode_tumor_size_by_specimen_belongs_to_the_one_site():
    data, _ = bundle_to_case_data(bundle("mcode-primary-cancer-condition-breast", "mcode-tumor-size-jenny-m"))
    assert data["site"] == "other" and set(data["tumor"]) & {"size_cm", "size_mm"}


def test_mcode_observations_that_give_no_case_field_are_listed():
    _, provenance = bundle_to_case_data(bundle("mcode-primary-cancer-condition-nsclc",
                                               "mcode-history-of-cancer-metastatic-to-liver",
                                               "mcode-wilms-tumor-stage-III"))
    assert [i.reason for i in provenance.ignored] == ["Observation code not in the mapping table"] * 2
