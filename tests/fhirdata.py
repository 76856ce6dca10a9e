"""Bundles and CDS Hooks requests built from the example resources in fixtures/fhir/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"

BONE = ("adapted-primary-cancer-condition-prostate", "adapted-secondary-cancer-condition-bone", "adapted-pain-severity",
        "adapted-cryoablation-procedure-bone", "adapted-ecog-performance-status-1",
        "mcode-ecog-performance-status-fully-active", "mcode-cancer-related-medication-request-doxorubicin-jenny-m")
LUNG = ("mcode-cancer-patient-john-anyperson", "mcode-primary-cancer-condition-nsclc",
        "mcode-secondary-cancer-condition-brain-mets", "mcode-ecog-performance-status-fully-active",
        "mcode-cancer-related-surgical-procedure-lobectomy", "mcode-cancer-related-medication-request-cisplatin",
        "mcode-cancer-related-medication-request-doxorubicin-jenny-m")

# Distinctive demographics planted in a record: none may ever reach a case, an output or a log.
PLANTED = ("Quixwright", "Zebulon", "MRN-77441122", "742 Evergreen Terrace", "zq@example.org", "555-867-5309",
           "1937-11-02", "Springfieldia")


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def bundle(*names: str, kind: str = "collection") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": load(n)} for n in names]}


def with_identifiers(document: dict[str, Any]) -> dict[str, Any]:
    """The bundle with the planted demographics in every place a record may carry them."""
    doc = copy.deepcopy(document)
    name, given, mrn, street, mail, phone, born, city = PLANTED
    patient = {"resourceType": "Patient", "id": f"{name.lower()}-{mrn}",
               "text": {"status": "generated",
                        "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\">{given} {name}</div>"},
               "identifier": [{"system": "http://hospital.example.org", "value": mrn}],
               "name": [{"family": name, "given": [given]}], "birthDate": born,
               "telecom": [{"system": "phone", "value": phone}, {"system": "email", "value": mail}],
               "address": [{"line": [street], "city": city}]}
    doc["entry"].insert(0, {"fullUrl": f"urn:uuid:{name}", "resource": patient})
    for entry in doc["entry"][1:]:
        resource = entry["resource"]
        resource["id"] = f"{name.lower()}-{resource.get('id', 'x')}"
        resource["text"] = {"status": "generated",
                            "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\">{given} {name}, {mrn}</div>"}
        for key in ("subject", "patient"):
            if key in resource:
                resource[key] = {"reference": f"Patient/{name.lower()}-{mrn}", "display": f"{given} {name}"}
        if resource["resourceType"] in ("Condition", "Observation", "Procedure", "MedicationRequest"):
            resource["note"] = [{"text": f"Seen at {street}, {city}; call {phone}"}]
    # keep the relation between the bone metastasis and its primary after renaming the ids
    for entry in doc["entry"]:
        for ext in entry["resource"].get("extension", []):
            ref = ext.get("valueReference", {}).get("reference")
            if ref and ref.startswith("Condition/"):
                ext["valueReference"]["reference"] = f"Condition/{name.lower()}-{ref.split('/', 1)[1]}"
    return doc


def patient_view(prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    """A patient-view request in the specification's example shape (hookInstance, context, prefetch)."""
    request: dict[str, Any] = {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": "1288992", "encounterId": "89284"}}
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request


def bone_prefetch() -> dict[str, Any]:
    return {"conditions": bundle("adapted-primary-cancer-condition-prostate", "adapted-secondary-cancer-condition-bone",
                                 kind="searchset"),
            "observations": bundle("adapted-pain-severity", "adapted-ecog-performance-status-1", kind="searchset"),
            "procedures": bundle("adapted-cryoablation-procedure-bone", kind="searchset"),
            "medicationRequests": bundle("mcode-cancer-related-medication-request-doxorubicin-jenny-m",
                                         kind="searchset"),
            "medicationStatements": None, "bodyStructures": None}


def order_select(draft: list[dict[str, Any]], selections: list[str], prefetch: dict[str, Any] | None) -> dict:
    """An order-select request in the specification's R4 example shape."""
    request: dict[str, Any] = {
        "hookInstance": "2e6ea0b4-5d5e-4a2b-9a62-1c43f3c7e6a1", "hook": "order-select",
        "context": {"userId": "PractitionerRole/123", "patientId": "1288992", "encounterId": "89284",
                    "selections": selections,
                    "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": r} for r in draft]}}}
    if prefetch is not None:
        request["prefetch"] = prefetch
    return request


def draft_ablation(code: str = "1204278004", display: str = "Fluoroscopy guided cryoablation of lesion",
                   site: tuple[str, str] | None = ("71341001", "Bone structure of femur (body structure)")) -> dict:
    order: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": "cryo-order-1", "status": "draft", "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]},
        "subject": {"reference": "Patient/1288992"}}
    if site:
        order["bodySite"] = [{"coding": [{"system": "http://snomed.info/sct", "code": site[0], "display": site[1]}]}]
    return order
