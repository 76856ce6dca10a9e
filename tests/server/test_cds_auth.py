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
def auth_folder(tmp_path_factory, keys, https_stub):
    """The auth settings: the issuer's JWK Set file (key 0) and its allowed https jku (key 1)."""
    folder = tmp_path_factory.mktemp("auth")
    (folder / "jwks.json").write_text(json.dumps({"keys": [jwk_of(keys[0], "ehr-key")]}))
    https_stub.jwks = {"keys": [jwk_of(keys[1], "jku-key")]}
    config = {"service_url": SERVICE, "replay_window_seconds": 300,
              "issuers": {ISS: {"jwks_file": "jwks.json", "jku": [https_stub.url + "/jwks"]}}}
    (folder / "auth.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def auth_client(auth_folder, tls_files):
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app
    from cryoelig.server.config import ServerConfig

    return TestClient(create_app(ServerConfig(auth_config=str(auth_folder / "auth.json"),
                                              fhir_ca_file=str(tls_files[0]),
                                              audit_log=str(auth_folder / "audit.jsonl"))))


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


def test_a_key_from_an_allowed_jku(auth_client, keys, https_stub):
    assert call(auth_client, token(keys[1], kid="jku-key", jku=https_stub.url + "/jwks")).status_code == 200


@pytest.mark.parametrize(("make", "reason"), [
    (lambda k, s: None, "a signed JWT is required"),
    (lambda k, s: token(k[0], iss="https://evil.example.com/"), "issuer is not on the allow-list"),
    (lambda k, s: token(k[0], aud=SERVICE + "/cds-services/other"), "audience"),
    (lambda k, s: token(k[0], exp_in=-120), "expired"),
    (lambda k, s: token(k[1], kid="ehr-key"), "signature does not verify"),
    (lambda k, s: token(k[1], kid="jku-key", jku="https://evil.example.com/jwks"), "jku is not on the"),
    (lambda k, s: token(k[1], kid="jku-key", jku=s.url.replace("https:", "http:") + "/jwks"), "jku is not on the"),
    (lambda k, s: token(k[0], exp_in=3600), "longer than the replay window"),
    (lambda k, s: jwt.encode({"iss": ISS}, "secret-shared-key-of-32-bytes-at-least!", algorithm="HS256",
                             headers={"kid": "ehr-key"}), "algorithm is not accepted"),
    (lambda k, s: token(k[0], kid="unknown-kid"), "kid"),
    (lambda k, s: "not.a.jwt", "not a JWT"),
])
def test_each_bad_token_is_refused(auth_client, keys, https_stub, make, reason):
    response = call(auth_client, make(keys, https_stub))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    [problem] = response.json()["problems"]
    assert reason in problem["message"]


def test_a_replayed_jti_is_refused(auth_client, keys):
    same = token(keys[0], jti="replay-me")
    assert call(auth_client, same).status_code == 200
    replay = call(auth_client, same)
    assert replay.status_code == 401 and "replay" in replay.json()["problems"][0]["message"]


def test_feedback_needs_its_own_audience(auth_client, keys):
    body = {"feedback": [{"card": str(uuid.uuid4()), "outcome": "overridden",
                          "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}
    good = token(keys[0], aud=SERVICE + PATH + "/feedback")
    assert auth_client.post(PATH + "/feedback", json=body, headers={"Authorization": f"Bearer {good}"}).status_code \
        == 200
    wrong = token(keys[0])
    assert auth_client.post(PATH + "/feedback", json=body, headers={"Authorization": f"Bearer {wrong}"}).status_code \
        == 401


def signed(key, claims, kid="ehr-key", **header) -> str:
    """A token signed with a valid key whose header and claims are exactly as given (any JSON types:
    built by hand, as an attacker would, since PyJWT refuses to encode some of them)."""
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = {"alg": "ES384", "typ": "JWT", "kid": kid, **header}
    message = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(claims).encode())}"
    signature = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA384).sign(message.encode(), key)
    return f"{message}.{b64(signature)}"


def good_claims(**change) -> dict:
    now = int(time.time())
    claims = {"iss": ISS, "aud": SERVICE + PATH, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return {k: v for k, v in {**claims, **change}.items() if v is not ...}


MALFORMED = {
    "exp a string": good_claims(exp=str(int(time.time()) + 60)), "exp an object": good_claims(exp={}),
    "exp a list": good_claims(exp=[1]), "exp huge": good_claims(exp=10**400), "exp infinite": good_claims(exp=1e400),
    "exp true": good_claims(exp=True), "exp null": good_claims(exp=None), "exp negative": good_claims(exp=-5),
    "iat a string": good_claims(iat="now"), "iat an object": good_claims(iat={"a": 1}), "iat huge": good_claims(
        iat=10**30), "nbf a string": good_claims(nbf="soon"), "nbf huge": good_claims(nbf=10**400),
    "aud a list of others": good_claims(aud=["https://other.example"]), "aud an object": good_claims(aud={"a": 1}),
    "aud a number": good_claims(aud=5), "aud a list with an object": good_claims(aud=[SERVICE + PATH, {}]),
    "iss an object": good_claims(iss={"a": 1}), "iss missing": good_claims(iss=...),
    "jti an object": good_claims(jti={"a": 1}), "jti a list": good_claims(jti=["x"]), "jti a number": good_claims(
        jti=7), "claims a list": [1, 2], "no exp": good_claims(exp=...),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_every_malformed_claim_is_a_401(auth_client, keys, name):
    response = call(auth_client, signed(keys[0], MALFORMED[name]))
    assert response.status_code == 401, (name, response.text)
    assert "authentication failed" in response.json()["problems"][0]["message"]


@pytest.mark.parametrize("header", [{"kid": {"a": 1}}, {"kid": ["ehr-key"]}, {"alg_extra": 1, "jku": {"a": 1}},
                                    {"jku": ["x"]}, {"typ": {"a": 1}}, {"crit": ["exp"]}])
def test_every_malformed_header_is_a_401(auth_client, keys, header):
    kid = header.pop("kid", "ehr-key")
    response = call(auth_client, signed(keys[0], good_claims(), kid=kid, **header))
    assert response.status_code in (200, 401), response.text  # never a 500
    assert response.status_code == 401 or isinstance(kid, str)


def test_a_configured_jwks_is_used_for_its_kid_without_fetching_the_jku(auth_folder, keys, tls_files):
    """A jku the service cannot reach (and would not trust) is never fetched when the issuer's JWK Set
    file holds the token's kid: no outbound call is made at all."""
    from unittest import mock

    import httpx
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app
    from cryoelig.server.config import ServerConfig

    app = TestClient(create_app(ServerConfig(auth_config=str(auth_folder / "auth.json"))))
    with mock.patch.object(httpx.AsyncClient, "send", side_effect=AssertionError("an outbound call")) as send:
        unreachable = token(keys[0], jku="https://unreachable.invalid/jwks")
        allowed = token(keys[0], jku=json.loads((auth_folder / "auth.json").read_text())["issuers"][ISS]["jku"][0])
        assert call(app, unreachable).status_code == 200
        assert call(app, allowed).status_code == 200
    assert send.call_count == 0


def test_authentication_failures_are_in_the_audit_trail_without_the_token(auth_client, auth_folder, keys):
    bad = token(keys[1], kid="ehr-key")
    assert call(auth_client, bad).status_code == 401
    assert call(auth_client, None, "/cds-services").status_code == 401
    lines = [json.loads(line) for line in (auth_folder / "audit.jsonl").read_text().splitlines()]
    failures = [r for r in lines if r["event"] == "authentication-failed"]
    assert {"path": PATH, "reason": "the JWT signature does not verify"}.items() <= failures[-2].items()
    assert failures[-1]["path"] == "/cds-services" and "signed JWT is required" in failures[-1]["reason"]
    text = (auth_folder / "audit.jsonl").read_text()
    assert bad not in text and bad.split(".")[1] not in text
