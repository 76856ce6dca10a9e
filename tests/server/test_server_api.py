"""The JSON API through the test client: same Report as the CLI, formats, problems, OpenAPI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("fastapi")

from conftest import ROOT  # noqa: E402
from fhirdata import BONE, LUNG, bundle  # noqa: E402

KIDNEY = yaml.safe_load((ROOT / "examples" / "kidney-small.yaml").read_text())


def test_health_and_pack(client, pack):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["pack"]["sha256"] == pack.sha256
    info = client.get("/api/v1/pack").json()
    assert (info["name"], info["version"], info["sha256"]) == (pack.name, pack.version, pack.sha256)
    assert info["sources"][0]["id"] == "cryosurgery-metastatic-bone-tumors"


def test_check_gives_the_report_the_cli_prints(client):
    response = client.post("/api/v1/check", json=KIDNEY)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    cli = subprocess.run([sys.executable, "-m", "cryoelig", "check", "examples/kidney-small.yaml", "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert response.json() == json.loads(cli.stdout)


@pytest.mark.parametrize(("fmt", "media", "marker"), [
    ("markdown", "text/markdown", "# Points to discuss with the multidisciplinary team"),
    ("html", "text/html", "<!DOCTYPE html>"),
])
def test_check_formats(client, fmt, media, marker):
    response = client.post(f"/api/v1/check?format={fmt}", json=KIDNEY)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert response.text.startswith(marker)


def test_check_a_fhir_bundle_lists_what_it_read(client):
    response = client.post("/api/v1/check", json=bundle(*LUNG))
    assert response.status_code == 200
    report = response.json()
    assert report["site"] == "lung" and report["case_id"].startswith("fhir-")
    assert {"resource": "Patient", "where": "entry 1", "reason": "demographics and identifiers are never read"} in (
        report["fhir_input"]["ignored"])
    md = client.post("/api/v1/check?format=markdown&site=bone", json=bundle(*BONE)).text
    assert "## FHIR input" in md and "tumor.metastatic" in md
    page = client.post("/api/v1/check?format=html&site=bone", json=bundle(*BONE)).text
    assert '<section id="fhir-input">' in page


def test_explain_json_markdown_html(client):
    data = client.post("/api/v1/explain", json=KIDNEY).json()
    assert data["case_id"] == "example-kidney-small" and data["rules"]
    assert client.post("/api/v1/explain?format=markdown", json=KIDNEY).text.startswith("# The reasoning")
    assert client.post("/api/v1/explain?format=html", json=KIDNEY).text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("body", "headers", "status", "field"), [
    (b"{not json", {"content-type": "application/json"}, 422, None),
    (b"", {"content-type": "application/json"}, 422, None),
    (b'{"case_id": "a", "site": "kidney"}', {"content-type": "application/xml"}, 415, None),
    (b'{"case_id": "a", "site": "mars"}', {"content-type": "application/json"}, 422, "site"),
    (b'{"case_id": "a", "site": "kidney", "tumor": {"size_cm": NaN}}', {"content-type": "application/json"}, 422,
     "tumor.size_cm"),
    (b"\xff\xfe", {"content-type": "application/json"}, 422, None),
])
def test_bad_input_is_one_problem_per_field(client, body, headers, status, field):
    response = client.post("/api/v1/check", content=body, headers=headers)
    assert response.status_code == status
    [problem] = response.json()["problems"]
    assert problem["field"] == field and problem["message"]


def test_curl_default_form_content_type_still_reads_json(client):
    response = client.post("/api/v1/check", content=json.dumps(KIDNEY),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200


def test_query_validation_never_echoes_the_value(client):
    response = client.post("/api/v1/check?format=Quixwright&site=Zebulon", json=KIDNEY)
    assert response.status_code == 422 and "Quixwright" not in response.text and "Zebulon" not in response.text
    assert {p["field"] for p in response.json()["problems"]} == {"format"}


def test_a_site_the_pack_does_not_list_is_refused_like_the_case_model_does(client):
    """?site= goes into the case, so the case model refuses it with the CLI's message, without the value."""
    response = client.post("/api/v1/check?site=Zebulon_Quixwright", json=bundle(*LUNG))
    assert response.status_code == 422 and "Zebulon" not in response.text
    [problem] = response.json()["problems"]
    assert problem["field"] == "site" and "'lung'" in problem["message"]
    assert client.post("/api/v1/check?site=" + "x" * 41, json=bundle(*LUNG)).status_code == 422


def test_site_applies_to_fhir_input_only(client):
    response = client.post("/api/v1/check?site=kidney", json=KIDNEY)
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "site"


def test_unknown_paths_and_methods_answer_problems(client):
    assert client.get("/nope").json() == {"problems": [{"field": None, "message": "no such path"}]}
    assert client.get("/api/v1/check").status_code == 405


def test_openapi_has_case_and_report_schemas_and_docs(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"Case", "Report", "FhirBundle", "Problems", "CdsHooksRequest"} <= set(schemas)
    body = spec["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/Case"} in body["oneOf"]
    assert client.get("/docs").status_code == 200


def test_a_size_under_the_contract_is_one_problem_not_a_crash(client):
    """0.00009 cm once crashed durable_rules' parser (exponent notation); the contract now refuses
    sizes under 0.1 mm and the engine boundary writes numbers without exponents."""
    for path in ("/api/v1/check", "/api/v1/explain"):
        response = client.post(path, json={"case_id": "a", "site": "kidney", "tumor": {"size_cm": 0.00009}})
        assert response.status_code == 422, response.text
        [problem] = response.json()["problems"]
        assert problem["field"] == "tumor.size_cm" and "0.00009" not in problem["message"]
