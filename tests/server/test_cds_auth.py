"""CDS Hooks client authentication: signed JWTs accepted, and each kind of bad token refused (401)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

pytest.importorskip("fastapi")
jwt = pytest.importorskip("jwt")

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from fhirdata import bone_prefetch, patient_view  # noqa: E402

SERVICE = "https://cds.example.org"
ISS = "https://fhir-ehr.example.com/"
PATH = "/cds-services/cryoelig-discussion-points"


def jwk_of(key, kid: str) -> dict:
    data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return dict(data, kid=kid, use="sig", alg="ES384")


@pytest.fixture(scope="module")
def keys():
    return ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="module")
def auth_client(tmp_path_factory, keys, fhir_stub):
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app
    from cryoelig.server.config import ServerConfig

    folder = tmp_path_factory.mktemp("auth")
    (folder / "jwks.json").write_text(json.dumps({"keys": [jwk_of(keys[0], "ehr-key")]}))
    fhir_stub.jwks = {"keys": [jwk_of(keys[1], "jku-key")]}
    config = {"service_url": SERVICE, "replay_window_seconds": 300,
              "issuers": {ISS: {"jwks_file": "jwks.json", "jku": [fhir_stub.url + "/jwks"]}}}
    (folder / "auth.json").write_text(json.dumps(config))
    return TestClient(create_app(ServerConfig(auth_config=str(folder / "auth.json"))))


def token(key, kid="ehr-key", iss=ISS, aud=SERVICE + PATH, exp_in=60, jti=None, alg="ES384", **header):
    now = int(time.time())
    claims = {"iss": iss, "aud": aud, "iat": now, "exp": now + exp_in, "jti": jti or str(uuid.uuid4()),
              "tenant": "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT", **header})


def call(client, bearer: str | None, path: str = PATH):
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    if path.endswith("/cds-services"):
        return client.get(path, headers=headers)
    return client.post(path, json=patient_view(bone_prefetch()), headers=headers)


def test_a_signed_token_is_accepted(auth_client, keys):
    assert call(auth_client, token(keys[0])).status_code == 200
    discovery = call(auth_client, token(keys[0], aud=SERVICE + "/cds-services"), "/cds-services")
    assert discovery.status_code == 200


def test_a_key_from_an_allowed_jku(auth_client, keys, fhir_stub):
    assert call(auth_client, token(keys[1], kid="jku-key", jku=fhir_stub.url + "/jwks")).status_code == 200


@pytest.mark.parametrize(("make", "reason"), [
    (lambda k, s: None, "a signed JWT is required"),
    (lambda k, s: token(k[0], iss="https://evil.example.com/"), "issuer is not on the allow-list"),
    (lambda k, s: token(k[0], aud=SERVICE + "/cds-services/other"), "audience"),
    (lambda k, s: token(k[0], exp_in=-120), "expired"),
    (lambda k, s: token(k[1], kid="ehr-key"), "signature does not verify"),
    (lambda k, s: token(k[1], kid="jku-key", jku="https://evil.example.com/jwks"), "jku is not on the"),
    (lambda k, s: token(k[0], exp_in=3600), "longer than the replay window"),
    (lambda k, s: jwt.encode({"iss": ISS}, "secret-shared-key-of-32-bytes-at-least!", algorithm="HS256",
                             headers={"kid": "ehr-key"}), "algorithm is not accepted"),
    (lambda k, s: token(k[0], kid="unknown-kid"), "kid"),
    (lambda k, s: "not.a.jwt", "not a JWT"),
])
def test_each_bad_token_is_refused(auth_client, keys, fhir_stub, make, reason):
    response = call(auth_client, make(keys, fhir_stub))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    [problem] = response.json()["problems"]
    assert reason in problem["message"]


def test_a_replayed_jti_is_refused(auth_client, keys):
    same = token(keys[0], jti="replay-me")
    assert call(auth_client, same).status_code == 200
    replay = call(auth_client, same)
    assert replay.status_code == 401 and "replay" in replay.json()["problems"][0]["message"]


def test_feedback_needs_its_own_audience(auth_client, keys):
    body = {"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}
    good = token(keys[0], aud=SERVICE + PATH + "/feedback")
    assert auth_client.post(PATH + "/feedback", json=body, headers={"Authorization": f"Bearer {good}"}).status_code \
        == 200
    wrong = token(keys[0])
    assert auth_client.post(PATH + "/feedback", json=body, headers={"Authorization": f"Bearer {wrong}"}).status_code \
        == 401
