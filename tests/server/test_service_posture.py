"""What a hospital's security review asks of the service (issue 25): authentication on every endpoint
that takes case data, CORS only when asked, one service id per hook, feedback as the specification
gives it, and an audit trail that ties calls to cards without a patient's data or a token."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
jwt = pytest.importorskip("jwt")

import fhirdata as fd  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from cryoelig.server.app import create_app  # noqa: E402
from cryoelig.server.config import ServerConfig  # noqa: E402

SERVICE = "https://cds.example.org"
ISS = "https://ehr.example.com/"
CDS = "/cds-services/cryoelig-discussion-points"
ORDER = "/cds-services/cryoelig-order-discussion-points"
SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "cds-spec" / "feedback"
KIDNEY = {"case_id": "k-1", "site": "kidney", "tumor": {"size_cm": 3.9}, "overall_health": "good"}
FORM = {"site": "kidney", "tumor.size_cm": "3.9"}
CASE_POSTS = ["/checklist", "/checklist/update", "/explore/case", "/explore/whatif",
              *(f"/checklist/download/{n}" for n in ("case.yaml", "case.json", "report.html", "report.md"))]


@pytest.fixture(scope="module")
def key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="module")
def auth_file(tmp_path_factory, key) -> Path:
    folder = tmp_path_factory.mktemp("posture")
    jwk = dict(json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), kid="k1", alg="ES384")
    (folder / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    settings = {"service_url": SERVICE, "issuers": {ISS: {"jwks_file": "jwks.json"}}}
    (folder / "auth.json").write_text(json.dumps(settings))
    return folder / "auth.json"


def bearer(key, path: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": ISS, "aud": SERVICE + path, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return {"Authorization": "Bearer " + jwt.encode(claims, key, algorithm="ES384", headers={"kid": "k1"})}


def app(**settings) -> TestClient:
    return TestClient(create_app(ServerConfig(**settings)))


# ------------------------------------------------------------------ authentication covers case data

def test_auth_covers_the_api_and_the_pages_posts(auth_file, key):
    guarded = app(auth_config=str(auth_file))
    for path in ("/api/v1/check", "/api/v1/explain"):
        refused = guarded.post(path, json=KIDNEY)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "authentication failed" in refused.json()["problems"][0]["message"]
        assert guarded.post(path, json=KIDNEY, headers=bearer(key, path)).status_code == 200
    for path in CASE_POSTS:
        page = guarded.post(path, data=FORM)
        assert page.status_code == 401 and "text/html" in page.headers["content-type"], path
        assert "--pages-behind-auth-proxy" in page.text and "3.9" not in page.text
    for path in ("/", "/explore", "/checklist?site=kidney", "/healthz", "/api/v1/pack", "/openapi.json"):
        assert guarded.get(path).status_code == 200, path  # the pack only: no case data


def test_pages_behind_a_sign_in_proxy_are_served(auth_file):
    proxied = app(auth_config=str(auth_file), pages_behind_auth_proxy=True)
    assert proxied.post("/checklist", data=FORM).status_code == 200
    assert proxied.post("/api/v1/check", json=KIDNEY).status_code == 401  # the API still needs its token


# ------------------------------------------------------------------ CORS

def test_cors_is_off_by_default_and_preflight_is_answered_when_an_origin_is_given():
    preflight = {"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    off = app()
    assert off.options(CDS, headers=preflight).status_code == 405
    assert "access-control-allow-origin" not in off.post("/api/v1/check", json=KIDNEY,
                                                         headers={"Origin": "https://app.example.org"}).headers
    on = app(cors_origins=("https://app.example.org",))
    answer = on.options(CDS, headers=preflight)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    assert on.options(CDS, headers={**preflight, "Origin": "https://evil.example.org"}).status_code == 400
    call = on.post(CDS, json=fd.patient_view(fd.bone_prefetch()), headers={"Origin": "https://app.example.org"})
    assert call.status_code == 200 and call.headers["access-control-allow-origin"] == "https://app.example.org"


# ------------------------------------------------------------------ one service id per hook

def test_two_hooks_two_service_ids_and_the_old_id_still_answers_order_select(client):
    request = fd.order_select([fd.draft_ablation()], ["ServiceRequest/cryo-order-1"], fd.bone_prefetch())
    by_id = client.post(ORDER, json=request)
    assert by_id.status_code == 200 and by_id.json()["cards"]
    alias = client.post(CDS, json=request)
    assert alias.status_code == 200 and [c["summary"] for c in alias.json()["cards"]] == \
        [c["summary"] for c in by_id.json()["cards"]]
    wrong = client.post(ORDER, json=fd.patient_view(fd.bone_prefetch()))
    assert wrong.status_code == 422 and CDS in wrong.json()["problems"][0]["message"]
    assert client.post(ORDER + "/feedback", json=json.loads((SPEC / "feedback-overridden.json").read_text())
                       ).status_code == 200


# ------------------------------------------------------------------ feedback as the specification gives it

@pytest.mark.parametrize("name", ["feedback-accepted.json", "feedback-overridden.json",
                                  "feedback-overridden-with-reason.json"])
def test_the_specifications_feedback_examples_are_accepted(client, name):
    assert client.post(CDS + "/feedback", json=json.loads((SPEC / name).read_text())).status_code == 200


def item(**change) -> dict:
    base = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}
    return {k: v for k, v in {**base, **change}.items() if v is not ...}


BAD_FEEDBACK = {
    "no outcomeTimestamp": [item(outcomeTimestamp=...)], "outcomeTimestamp an object": [item(outcomeTimestamp={})],
    "outcomeTimestamp not RFC 3339": [item(outcomeTimestamp="yesterday")],
    "outcomeTimestamp without offset": [item(outcomeTimestamp="2020-12-11T00:00:00")],
    "outcomeTimestamp no such day": [item(outcomeTimestamp="2021-02-29T00:00:00Z")],
    "outcomeTimestamp trailing newline": [item(outcomeTimestamp="2020-12-11T00:00:00Z\n")],
    "no card": [item(card=...)], "card not a uuid": [item(card="Jane Doe")], "no outcome": [item(outcome=...)],
    "outcome unknown": [item(outcome="maybe")], "accepted without acceptedSuggestions": [item(outcome="accepted")],
    "acceptedSuggestions empty": [item(outcome="accepted", acceptedSuggestions=[])],
    "acceptedSuggestions without id": [item(outcome="accepted", acceptedSuggestions=[{}])],
    "overrideReason null": [item(overrideReason=None)], "reason coding without system": [
        item(overrideReason={"reason": {"code": "x"}})], "empty list": [], "a list of strings": ["x"],
}


@pytest.mark.parametrize("name", BAD_FEEDBACK)
def test_feedback_not_as_the_specification_gives_it_is_400(client, name):
    response = client.post(CDS + "/feedback", json={"feedback": BAD_FEEDBACK[name]})
    assert response.status_code == 400, (name, response.text)
    problems = response.json()["problems"]
    assert problems and all("Jane" not in p["message"] and "Jane" not in str(p["field"]) for p in problems)
    assert client.post(CDS + "/feedback", json=BAD_FEEDBACK[name]).status_code == 400  # not even an object


# ------------------------------------------------------------------ the audit trail

def audit_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_calls_feedback_and_refusals_are_in_the_audit_trail_without_patient_data(tmp_path, pack):
    trail = tmp_path / "audit.jsonl"
    audited = app(audit_log=str(trail))
    record = fd.with_identifiers(fd.bundle("adapted-secondary-cancer-condition-bone", "adapted-pain-severity"))
    request = fd.patient_view({"conditions": record, "observations": record})
    instance = request["hookInstance"]
    cards = audited.post(CDS, json=request).json()["cards"]
    comment = {"reason": {"code": "d7ecf885", "system": "https://example.com/override"},
               "userComment": "Quixwright said no"}
    assert audited.post(CDS + "/feedback", json={"feedback": [
        item(card=cards[0]["uuid"], overrideReason=comment)]}).status_code == 200
    assert audited.post(CDS + "/feedback", json={"feedback": [item(outcomeTimestamp=...)]}).status_code == 400
    odd = dict(request, hookInstance="Zebulon Quixwright")
    assert audited.post(CDS, json=odd).status_code == 200
    assert audited.post(CDS, json={"hook": "patient-view", "context": {}}).status_code == 422
    assert audited.post("/api/v1/check", json=KIDNEY).status_code == 200
    call, feedback, refused, odd_call, bad_call, api = audit_lines(trail)
    assert call["event"] == "cds-call" and call["hookInstance"] == instance and call["pack"] == pack.sha256
    assert call["service"] == "cryoelig-discussion-points" and call["outcome"] == "200 cards"
    assert call["cards"] == [c["uuid"] for c in cards] and call["time"].endswith("Z")
    assert feedback["items"] == [{"card": cards[0]["uuid"], "outcome": "overridden",
                                  "outcomeTimestamp": "2020-12-11T00:00:00Z", "acceptedSuggestions": [],
                                  "overrideReason": True}]
    assert refused["event"] == "cds-feedback" and refused["outcome"] == "400 refused"
    assert odd_call["hookInstance"] is None and bad_call["outcome"] == "422 refused"
    assert api == {**api, "event": "api-call", "endpoint": "/api/v1/check", "outcome": "200 report"}
    text = trail.read_text()
    for planted in (*fd.PLANTED, "Quixwright", "said no", "1288992", "Practitioner/example"):
        assert planted not in text
