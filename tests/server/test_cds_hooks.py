"""CDS Hooks 2.0: discovery, cards in the spec's shape, 412, order-select, feedback, FHIR server fetch."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

pytest.importorskip("fastapi")

from fhirdata import bone_prefetch, bundle, draft_ablation, order_select, patient_view  # noqa: E402

from cryoelig.wording import directive_words  # noqa: E402

URL = "/cds-services/cryoelig-discussion-points"
CARD_KEYS = {"uuid", "summary", "detail", "indicator", "source"}


def nulls(value) -> list:
    if value is None:
        return [None]
    if isinstance(value, dict):
        return [n for v in value.values() for n in nulls(v)]
    if isinstance(value, list):
        return [n for v in value for n in nulls(v)]
    return []


def check_cards(cards: list[dict]) -> None:
    assert cards
    for card in cards:
        assert set(card) <= CARD_KEYS and {"summary", "indicator", "source"} <= set(card)
        assert card["indicator"] == "info"
        assert "suggestions" not in card and "selectionBehavior" not in card and "links" not in card
        assert len(card["summary"]) < 140 and "\n" not in card["summary"]
        assert directive_words(card["summary"]) == [] and directive_words(card["detail"]) == []
        assert uuid.UUID(card["uuid"]).version == 4
        assert "cryoelig rule pack cryoelig-default" in card["source"]["label"]
        assert "Cryosurgery in Metastatic Bone Tumors" in card["source"]["label"]
    assert nulls(cards) == []


def test_discovery_lists_each_hook_under_its_own_id(client):
    services = client.get("/cds-services").json()["services"]
    assert [(s["hook"], s["id"]) for s in services] == [("patient-view", "cryoelig-discussion-points"),
                                                        ("order-select", "cryoelig-order-discussion-points")]
    for service in services:
        assert directive_words(service["description"] + service["title"]) == []
        assert service["description"] and "{{context.patientId}}" in service["prefetch"]["conditions"]
        assert "Patient" not in json.dumps(service["prefetch"]).replace("patient=", "")  # no demographics asked


def test_patient_view_in_the_spec_example_shape(client, pack):
    response = client.post(URL, json=patient_view(bone_prefetch()))
    assert response.status_code == 200
    cards = response.json()["cards"]
    check_cards(cards)
    assert pack.version in cards[0]["source"]["label"]
    details = "\n".join(c["detail"] for c in cards)
    assert "Rule pack cryoelig-default" in details and pack.sha256 in details and "> \u201c" in details
    summaries = [c["summary"] for c in cards]
    assert any(s.startswith("Record data used for the bone summary") for s in summaries)
    assert any(s.startswith("Record data used for the prostate summary") for s in summaries)


def test_card_uuids_are_random_per_response(client):
    """Two patients with the same facts, or two hookInstances of one patient, never share a card uuid."""
    first = patient_view(bone_prefetch())
    second_patient = patient_view(bone_prefetch())
    second_patient["context"]["patientId"] = "another-patient"
    second_call = patient_view(bone_prefetch())
    second_call["hookInstance"] = str(uuid.uuid4())
    answers = [client.post(URL, json=body).json()["cards"] for body in (first, second_patient, second_call)]
    assert [len(cards) for cards in answers] == [len(answers[0])] * 3
    assert [[c["summary"] for c in cards] for cards in answers] == [[c["summary"] for c in answers[0]]] * 3
    uuids = [c["uuid"] for cards in answers for c in cards]
    assert len(set(uuids)) == len(uuids)


@pytest.mark.parametrize("prefetch", [None, {"observations": None}, {
    "conditions": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}}])
def test_missing_prefetch_and_no_fhir_server_is_412(client, prefetch):
    response = client.post(URL, json=patient_view(prefetch))
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == "error"


def test_no_cancer_in_the_record_gives_no_cards(client):
    prefetch = bone_prefetch()
    prefetch["conditions"] = None
    assert client.post(URL, json=patient_view(prefetch)).json() == {"cards": []}


def test_order_select_speaks_for_a_draft_cryoablation_at_its_site(client):
    request = order_select([draft_ablation()], ["ServiceRequest/cryo-order-1"], bone_prefetch())
    cards = client.post(URL, json=request).json()["cards"]
    check_cards(cards)
    assert all("prostate summary" not in c["summary"] for c in cards)
    assert any(c["summary"].startswith("Record data used for the bone summary") for c in cards)


def test_order_select_is_silent_for_other_orders(client):
    nutrition = {"resourceType": "NutritionOrder", "id": "pureeddiet-simple", "status": "draft",
                 "patient": {"reference": "Patient/1288992"}, "dateTime": "2014-09-17"}
    medication = {"resourceType": "MedicationRequest", "id": "smart-MedicationRequest-103", "status": "draft",
                  "intent": "order", "subject": {"reference": "Patient/1288992"},
                  "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                            "code": "617993"}]}}
    request = order_select([nutrition, medication], ["NutritionOrder/pureeddiet-simple",
                                                     "MedicationRequest/smart-MedicationRequest-103"], bone_prefetch())
    assert client.post(URL, json=request).json() == {"cards": []}
    unselected = order_select([draft_ablation()], ["ServiceRequest/another"], bone_prefetch())
    assert client.post(URL, json=unselected).json() == {"cards": []}


def test_feedback_is_counted(client):
    before = client.get("/healthz").json()["feedback"]
    body = {"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "overridden",
                          "overrideReason": {"userComment": "Quixwright said no"},
                          "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}
    assert client.post(URL + "/feedback", json=body).status_code == 200
    after = client.get("/healthz").json()["feedback"]
    assert after.get("overridden", 0) == before.get("overridden", 0) + 1
    assert client.post(URL + "/feedback", json={"feedback": [{"outcome": "maybe"}]}).status_code == 400


@pytest.mark.parametrize(("body", "status"), [
    ({"hook": "order-sign", "hookInstance": "x", "context": {}}, 422),
    ({"hook": "patient-view", "context": {}}, 422),
    ([1, 2], 422),
])
def test_bad_requests(client, body, status):
    response = client.post(URL, json=body)
    assert response.status_code == status and "problems" in response.json()


def test_unknown_service_is_404(client):
    assert client.post("/cds-services/other", json=patient_view(bone_prefetch())).status_code == 404


def fetching_request(stub) -> dict:
    """A patient-view call with no prefetch, its record on the stub FHIR server, with a token."""
    prefetch = bone_prefetch()
    for key, rtype in (("conditions", "Condition"), ("observations", "Observation"), ("procedures", "Procedure")):
        stub.bundles[rtype] = prefetch[key]
    request = patient_view()
    request["fhirServer"] = stub.url
    request["fhirAuthorization"] = {"access_token": "opaque-token-123", "token_type": "Bearer", "expires_in": 300,
                                    "scope": "user/Condition.read", "subject": "cryoelig"}
    stub.requests.clear()
    return request


def app_with(**settings):
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app
    from cryoelig.server.config import ServerConfig

    return TestClient(create_app(ServerConfig(**settings)))


def test_fhir_server_fetch_only_from_allowed_https_hosts(https_stub, tls_files):
    request = fetching_request(https_stub)
    allowed = app_with(fhir_allowed_hosts=(f"127.0.0.1:{https_stub.port}",), fhir_ca_file=str(tls_files[0]))
    cards = allowed.post(URL, json=request).json()["cards"]
    check_cards(cards)
    assert https_stub.requests and all(auth == "Bearer opaque-token-123" for _, auth in https_stub.requests)
    assert any(path.startswith("/Condition?patient=1288992") for path, _ in https_stub.requests)

    https_stub.requests.clear()
    response = app_with().post(URL, json=copy.deepcopy(request))
    assert response.status_code == 412 and https_stub.requests == []
    assert "opaque-token-123" not in response.text


def test_an_http_fhir_server_is_refused_and_never_gets_the_token(fhir_stub, caplog):
    """On an allowed host, http is refused (412: the conditions cannot be had); with --allow-http-fhir
    it is read, without the token, and the start-up says so in a warning."""
    request = fetching_request(fhir_stub)
    host = (f"127.0.0.1:{fhir_stub.port}",)
    refused = app_with(fhir_allowed_hosts=host).post(URL, json=request)
    assert refused.status_code == 412 and fhir_stub.requests == []
    assert "allowed https host" in refused.json()["issue"][0]["diagnostics"]

    with caplog.at_level("WARNING", logger="cryoelig.server"):
        testing = app_with(fhir_allowed_hosts=host, allow_http_fhir=True)
    assert "--allow-http-fhir" in caplog.text
    check_cards(testing.post(URL, json=request).json()["cards"])
    assert fhir_stub.requests and all(auth is None for _, auth in fhir_stub.requests)


def test_prefetch_keeps_working_with_only_some_keys(client):
    prefetch = {"conditions": bundle("adapted-secondary-cancer-condition-bone", kind="searchset")}
    cards = client.post(URL, json=patient_view(prefetch)).json()["cards"]
    check_cards(cards)
    missing = next(c for c in cards if c["summary"].startswith("Not in the record"))
    assert "Pain" in missing["detail"]
