"""The service on what record systems send (issue 25): the bundled hook requests, the CDS Hooks 2.0.1
specification's own example requests, the honest card instead of silence, no status echoed, and the
CDS call reading the elements it needs rather than validating whole resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fhirdata import bone_prefetch, bundle, load, patient_view  # noqa: E402

from cryoelig.wording import directive_words  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
URL = "/cds-services/cryoelig-discussion-points"
SPEC = ROOT / "tests" / "fixtures" / "cds-spec"
PLANTED = "Quixwright-555-867-5309"


def example(path: str) -> dict:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def searchset(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def conditions_of(site: str) -> dict:
    record = example(f"examples/fhir/{site}.json")
    return searchset(*(e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Condition"))


# ---------------------------------------------------------------- the bundled examples

def test_patient_view_example_reads_the_whole_bone_record(client):
    cards = client.post(URL, json=example("examples/cds/patient-view-bone.json")).json()["cards"]
    record = next(c for c in cards if c["summary"].startswith("Record data used for the bone summary"))
    assert "symptoms.pain\\_score" in record["detail"] and "| kps |" in record["detail"]
    assert not any(c["summary"].startswith("Not in the record") and "Pain" in c["summary"] for c in cards)


def test_order_select_example_speaks_for_the_kidney_order(client):
    cards = client.post(URL, json=example("examples/cds/order-select-kidney.json")).json()["cards"]
    assert cards and any(c["summary"].startswith("Record data used for the kidney summary") for c in cards)


@pytest.mark.parametrize("site", ["kidney", "liver", "lung", "prostate", "skin", "bone", "other"])
def test_the_api_reads_every_example_bundle(client, site):
    response = client.post("/api/v1/check", json=example(f"examples/fhir/{site}.json"))
    assert response.status_code == 200 and response.json()["site"] == site


# ---------------------------------------------------------------- the specification's own requests

def test_spec_patient_view_request_without_the_service_prefetch_is_412(client):
    assert client.post(URL, json=json.loads((SPEC / "patient-view-request.json").read_text())).status_code == 412


def test_spec_request_with_extension_is_accepted_and_asks_for_prefetch(client):
    assert client.post(URL, json=json.loads((SPEC / "request-with-extension.json").read_text())).status_code == 412


def test_spec_prefetch_data_beside_the_service_keys(client):
    """The spec's example prefetch (a Patient, an HbA1c Observation snipped for brevity) next to conditions:
    the Patient is never read, the snipped Observation is unreadable and named, the kidney is summarized."""
    request = patient_view(json.loads((SPEC / "prefetch-data.json").read_text())["prefetch"])
    request["prefetch"]["conditions"] = conditions_of("kidney")
    request["prefetch"]["observations"] = request["prefetch"].pop("hemoglobin-a1c")
    cards = client.post(URL, json=request).json()["cards"]
    record = next(c for c in cards if c["summary"].startswith("Record data used for the kidney summary"))
    assert "not a valid FHIR R4 Observation: status or" not in record["detail"]
    assert "status is missing" in record["detail"] and "1974" not in json.dumps(cards)


def test_spec_order_select_context_for_other_orders_is_silent(client):
    request = {"hook": "order-select", "hookInstance": "2e6ea0b4-5d5e-4a2b-9a62-1c43f3c7e6a1",
               **json.loads((SPEC / "order-select-context-r4.json").read_text()),
               "prefetch": {"conditions": conditions_of("kidney")}}
    assert client.post(URL, json=request).json() == {"cards": []}


# ---------------------------------------------------------------- an honest answer, never silence

@pytest.mark.parametrize("code", ["93849006", "93870000"])
def test_a_snomed_cancer_record_systems_send_gets_cards(client, code):
    condition = load("mcode-primary-cancer-condition-nsclc")
    condition.pop("bodySite")
    condition["code"]["coding"] = [{"system": "http://snomed.info/sct", "code": code}]
    cards = client.post(URL, json=patient_view({"conditions": searchset(condition)})).json()["cards"]
    assert cards and all(directive_words(c["summary"] + c["detail"]) == [] for c in cards)


def unreadable() -> dict:
    condition = load("mcode-primary-cancer-condition-nsclc")
    condition.pop("bodySite")
    condition["code"]["coding"] = [{"system": "http://snomed.info/sct", "code": "1234567009", "display": PLANTED},
                                   {"system": "http://snomed.info/sct", "code": PLANTED}]
    return condition


def test_a_cancer_record_that_cannot_be_placed_gets_one_card_saying_so(client):
    response = client.post(URL, json=patient_view({"conditions": searchset(unreadable())}))
    [card] = response.json()["cards"]
    assert card["summary"].startswith("cryoelig could not read this record for a cryoablation summary")
    assert card["indicator"] == "info" and directive_words(card["summary"] + card["detail"]) == []
    assert "prefetch conditions entry 1" in card["detail"] and "SNOMED CT 1234567009 (code)" in card["detail"]
    assert "a SNOMED CT code that is not well formed (code)" in card["detail"]
    assert "What would let cryoelig read them" in card["detail"] and PLANTED not in response.text


def test_the_api_422_says_the_same(client):
    response = client.post("/api/v1/check", json=searchset(unreadable()))
    assert response.status_code == 422 and PLANTED not in response.text
    [problem] = response.json()["problems"]
    assert problem["field"] == "site" and "SNOMED CT 1234567009 (code) in entry 1" in problem["message"]


def test_an_active_targeted_therapy_is_said_under_the_missing_treatments(client):
    prefetch = bone_prefetch()
    prefetch["medicationRequests"] = searchset(load("mcode-cancer-related-medication-request-gefitinib"))
    cards = client.post(URL, json=patient_view(prefetch)).json()["cards"]
    missing = next(c for c in cards if c["summary"].startswith("Not in the record") and "bone" in c["detail"])
    assert "active treatments the case has no value for" in missing["detail"]
    assert "targeted therapy (RxNorm 349472)" in missing["detail"]


# ---------------------------------------------------------------- no echo

@pytest.mark.parametrize("key", ["observations", "procedures", "medicationRequests"])
def test_an_invalid_status_is_not_copied_into_the_record_card_or_fhir_input(client, key):
    prefetch = bone_prefetch()
    prefetch[key]["entry"][0]["resource"]["status"] = PLANTED
    response = client.post(URL, json=patient_view(prefetch))
    assert response.status_code == 200 and PLANTED not in response.text
    assert "status is not one of the R4 codes" in response.text
    document = bundle("adapted-primary-cancer-condition-prostate", "adapted-secondary-cancer-condition-bone")
    document["entry"].append(prefetch[key]["entry"][0])
    api = client.post("/api/v1/check?site=bone", json=document)
    assert api.status_code == 200 and PLANTED not in api.text
    assert "status is not one of the R4 codes" in json.dumps(api.json()["fhir_input"])


# ---------------------------------------------------------------- faster calls

def test_a_cds_call_validates_elements_not_whole_resources():
    """Whole-resource validation with fhir.resources was half of a call's CPU (issue 25): a call in a fresh
    process never imports it (the service bench measures the CPU per call)."""
    code = ("import asyncio, json, sys; sys.path[:0] = ['tests']\n"
            "from fhirdata import bone_prefetch, patient_view\n"
            "from cryoelig.rulepack.load import load_pack\nfrom cryoelig.server import cds\n"
            "from cryoelig.server.app import State\nfrom cryoelig.server.config import ServerConfig\n"
            "state = State(config=ServerConfig(), pack=load_pack())\n"
            "cards = asyncio.run(cds.call(state, patient_view(bone_prefetch())))['cards']\n"
            "print(len(cards) > 0, any(m.startswith('fhir.resources') for m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "False"], out.stderr


# ---------------------------------------------------------------- any shape (issue 26)

CRASHERS = (
    searchset({"resourceType": {}}),
    searchset({"resourceType": "Condition", "subject": {"reference": "Patient/1"}, "extension": [{"url": {}}]}),
)


@pytest.mark.parametrize("conditions", CRASHERS)
def test_a_resource_of_the_wrong_shape_in_the_prefetch_is_never_a_server_error(client, conditions):
    response = client.post(URL, json=patient_view({"conditions": conditions}))
    assert response.status_code == 200
    assert all(c["indicator"] == "info" for c in response.json()["cards"])
    api = client.post("/api/v1/check", json=conditions)
    assert api.status_code == 422 and api.json()["problems"][0]["field"] == "site"
