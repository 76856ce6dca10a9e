"""Prefetch as the CDS Hooks 2.0 specification allows a client to send it: paged (``Bundle.link`` next),
keys not sent, keys with no data, and large (issue 25). Each key that gives nothing to read is named,
with why, in the record data card."""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from fhirdata import bundle, load, patient_view  # noqa: E402

from cryoelig.server.app import create_app  # noqa: E402
from cryoelig.server.config import ServerConfig  # noqa: E402

URL = "/cds-services/cryoelig-discussion-points"
MEDICATION = "mcode-cancer-related-medication-request-doxorubicin-jenny-m"
TOKEN = {"access_token": "opaque-token-456", "token_type": "Bearer", "expires_in": 300,
         "scope": "user/MedicationRequest.read", "subject": "cryoelig"}


def app(**settings) -> TestClient:
    return TestClient(create_app(ServerConfig(**settings)))


def record_card(cards: list[dict]) -> str:
    return next(c["detail"] for c in cards if c["summary"].startswith("Record data used for the bone summary"))


def conditions() -> dict:
    return bundle("adapted-secondary-cancer-condition-bone", kind="searchset")


def page(stub, entries: list[dict], next_path: str | None) -> dict:
    out = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in entries],
           "link": [{"relation": "self", "url": stub.url + "/MedicationRequest?patient=1288992"}]}
    if next_path is not None:
        out["link"].append({"relation": "next", "url": next_path if "://" in next_path else stub.url + next_path})
    return out


@pytest.fixture()
def paging(https_stub, tls_files):
    """An app allowed to read the https stub, and a request whose medications are on page 2 of 3."""
    https_stub.requests.clear()
    https_stub.pages.clear()
    https_stub.pages["/MedicationRequest?page=2"] = page(https_stub, [load(MEDICATION)], "/MedicationRequest?page=3")
    https_stub.pages["/MedicationRequest?page=3"] = page(https_stub, [], None)
    request = patient_view({"conditions": conditions(), "observations": None, "procedures": None,
                            "medicationRequests": page(https_stub, [], "/MedicationRequest?page=2"),
                            "medicationStatements": None, "bodyStructures": None})
    request.update(fhirServer=https_stub.url, fhirAuthorization=TOKEN)
    settings = {"fhir_allowed_hosts": (f"127.0.0.1:{https_stub.port}",), "fhir_ca_file": str(tls_files[0])}
    return request, settings


def test_next_pages_are_followed_with_the_token(paging, https_stub):
    request, settings = paging
    cards = app(**settings).post(URL, json=request).json()["cards"]
    detail = record_card(cards)
    assert "| MedicationRequest | prefetch medicationRequests entry 1 | treatments |" in detail
    assert [path for path, _ in https_stub.requests] == ["/MedicationRequest?page=2", "/MedicationRequest?page=3"]
    assert all(auth == "Bearer opaque-token-456" for _, auth in https_stub.requests)


def test_pages_past_the_limit_or_off_the_server_are_named_not_read(paging, https_stub):
    request, settings = paging
    detail = record_card(app(**settings, fhir_max_pages=1).post(URL, json=request).json()["cards"])
    assert "pages after page 1 not read (over the limit of 1 pages): the record may hold more" in detail
    assert "treatments |" not in detail and https_stub.requests == []
    elsewhere = copy.deepcopy(request)
    elsewhere["prefetch"]["medicationRequests"]["link"][1]["url"] = "https://elsewhere.example/MedicationRequest?p=2"
    detail = record_card(app(**settings).post(URL, json=elsewhere).json()["cards"])
    assert "pages after page 1 not read (its next link is not on fhirServer)" in detail
    assert https_stub.requests == []


def test_a_key_not_sent_is_told_apart_from_none_in_the_record():
    request = patient_view({"conditions": conditions(), "observations": None,
                            "procedures": {"resourceType": "Bundle", "type": "searchset", "total": 0},
                            "medicationStatements": {"resourceType": "Bundle", "type": "searchset", "entry": []}})
    detail = record_card(app().post(URL, json=request).json()["cards"])
    rows = {line.split(" | ")[1]: line.split(" | ")[2].rstrip(" |") for line in detail.splitlines()
            if "| prefetch " in line}
    assert rows["prefetch observations"].startswith("none in the record (the CDS client sent null")
    assert rows["prefetch procedures"] == "none in the record (the search found none)"
    assert rows["prefetch medicationStatements"] == "none in the record (the search found none)"
    for key in ("medicationRequests", "bodyStructures"):
        assert rows[f"prefetch {key}"] == ("not sent by the CDS client and not fetched (no fhirServer): "
                                           "the record may hold some")


def large_request(count: int) -> tuple[dict, int]:
    medications = []
    for i in range(count):
        medication = load(MEDICATION)
        medication.update(id=f"m{i}", status="completed" if i else "active")
        medications.append(medication)
    request = patient_view({"conditions": conditions(),
                            "medicationRequests": {"resourceType": "Bundle", "type": "searchset",
                                                   "entry": [{"resource": m} for m in medications]}})
    return request, len(json.dumps(request, separators=(",", ":")))


def test_a_large_prefetch_is_read_not_refused():
    """3,000 MedicationRequests (2.3 MB, over the 2 MiB of the other endpoints) are read; past the
    per-key limit the rest are named as not read, and the call still answers."""
    request, size = large_request(3000)
    assert size > 2 * 1024 * 1024
    body = json.dumps(request, separators=(",", ":"))
    headers = {"content-type": "application/json"}
    response = app().post(URL, content=body, headers=headers)
    assert response.status_code == 200, response.text[:300]
    assert "| prefetch medicationRequests entry 1 | treatments |" in record_card(response.json()["cards"])
    limited = app(prefetch_max_entries_per_key=1000).post(URL, content=body, headers=headers)
    assert limited.status_code == 200
    assert "entries 1001 to 3000 not read (over the limit of 1000 per key" in record_card(limited.json()["cards"])
    assert app(max_prefetch_bytes=size - 1).post(URL, content=body, headers=headers).status_code == 413


def test_keys_the_service_did_not_ask_for_are_ignored_its_own_are_checked(client):
    """The specification's own example prefetch carries ``"user": "123"``: a key of another service is
    ignored whatever it holds; one of this service's keys is a FHIR resource or null (422 otherwise)."""
    request = patient_view({"conditions": conditions(), "user": "123", "patientToGreet": [1, 2]})
    assert client.post(URL, json=request).status_code == 200
    wrong = patient_view({"conditions": conditions(), "observations": "123"})
    response = client.post(URL, json=wrong)
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "prefetch.observations"
