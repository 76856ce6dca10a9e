"""Real HTTP against a started `cryoelig serve` on 127.0.0.1: hostile input, privacy, concurrency, workers."""

from __future__ import annotations

import concurrent.futures
import json
import socket
import subprocess
import sys

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from conftest import ROOT, LiveServer  # noqa: E402
from fhirdata import BONE, LUNG, PLANTED, bone_prefetch, bundle, patient_view, with_identifiers  # noqa: E402

KIDNEY = {"case_id": "k-1", "site": "kidney", "tumor": {"size_cm": 3.9}, "overall_health": "good"}
CDS = "/cds-services/cryoelig-discussion-points"


def post(server, path, **kwargs):
    return httpx.post(server.url + path, timeout=30, **kwargs)


def test_check_over_http_equals_the_cli(live_server, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(KIDNEY))
    cli = subprocess.run([sys.executable, "-m", "cryoelig", "check", str(path), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    response = post(live_server, "/api/v1/check", json=KIDNEY)
    assert response.status_code == 200 and response.text == cli.stdout  # byte for byte: the same renderer


def test_cds_hooks_request_in_the_spec_shape_over_http(live_server):
    response = post(live_server, CDS, json=patient_view(bone_prefetch()))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert cards and all(c["indicator"] == "info" and "suggestions" not in c for c in cards)


def deep(n: int) -> bytes:
    return b'{"case_id": "a", "site": "kidney", "notes": ' + b"[" * n + b"]" * n + b"}"


HOSTILE = [
    ("deep nesting", deep(50_000), "application/json", 422),
    ("deep nesting, moderate", deep(900), "application/json", 422),
    ("huge string", json.dumps({"case_id": "a", "site": "kidney", "notes": "x" * 150_000}).encode(),
     "application/json", 422),
    ("huge number", b'{"case_id": "a", "site": "kidney", "ecog": 1' + b"0" * 5000 + b"}", "application/json", 422),
    ("huge float", b'{"case_id": "a", "site": "kidney", "tumor": {"size_cm": 1e400}}', "application/json", 422),
    ("tiny float", b'{"case_id": "a", "site": "kidney", "tumor": {"size_cm": 1e-300}}', "application/json", 422),
    ("size under the contract", b'{"case_id": "a", "site": "kidney", "tumor": {"size_cm": 0.00009}}',
     "application/json", 422),
    ("identifier key", json.dumps({"case_id": "a", "site": "kidney", "Quixwright Zebulon": 1}).encode(),
     "application/json", 422),
    ("identifier field", json.dumps({"case_id": "a", "site": "kidney", "mrn": "MRN-77441122"}).encode(),
     "application/json", 422),
    ("identifier value", json.dumps({"case_id": "MRN-77441122", "site": "kidney"}).encode(), "application/json",
     422),
    ("identifier in notes", json.dumps({"case_id": "a", "site": "kidney", "notes": "call 555-867-5309"}).encode(),
     "application/json", 422),
    ("not JSON", b"<case><site>kidney</site></case>", "application/json", 422),
    ("binary", bytes(range(256)), "application/json", 422),
    ("wrong content type", json.dumps(KIDNEY).encode(), "multipart/form-data; boundary=x", 415),
    ("a list", b"[1, 2, 3]", "application/json", 422),
    ("a FHIR resource of no use", b'{"resourceType": "Quixwright"}', "application/fhir+json", 422),
]


@pytest.mark.parametrize(("name", "body", "ctype", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_over_http(live_server, name, body, ctype, status):
    for path in ("/api/v1/check", "/api/v1/explain", CDS):
        response = post(live_server, path, content=body, headers={"content-type": ctype})
        if path == CDS and status == 200:
            continue
        expected = status if path != CDS or status in (413, 415) else (422, 412)
        assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (name, path)
        text = response.text
        for planted in PLANTED + ("MRN-77441122",):
            assert planted not in text
        assert "Traceback" not in text and "xxxxxxxxxx" not in text


def test_oversize_by_content_length_and_by_stream(live_server):
    big = b'{"notes": "' + b"x" * 300_000 + b'"}'
    response = post(live_server, "/api/v1/check", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "size limit" in response.json()["problems"][0]["message"]

    def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    streamed = post(live_server, "/api/v1/check", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_a_lying_content_length_gets_a_clean_answer(live_server):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as s:
        s.sendall(b"POST /api/v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 99999999\r\n\r\n{}")
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")


def test_no_identifier_reaches_any_output_or_the_log(live_server, tmp_path):
    record = with_identifiers(bundle(*BONE))
    lung = with_identifiers(bundle(*LUNG))
    outputs = []
    for fmt in ("json", "markdown", "html"):
        for path in ("/api/v1/check", "/api/v1/explain"):
            response = post(live_server, f"{path}?format={fmt}&site=bone", json=record)
            assert response.status_code == 200, response.text
            outputs.append(response.text)
    request = patient_view({"conditions": record, "observations": record, "procedures": record,
                            "medicationRequests": record, "medicationStatements": None, "bodyStructures": record})
    cds = post(live_server, CDS, json=request)
    assert cds.status_code == 200 and cds.json()["cards"]
    outputs.append(cds.text)
    path = tmp_path / "lung.json"
    path.write_text(json.dumps(lung))
    for fmt in ("json", "markdown", "rich"):
        cli = subprocess.run([sys.executable, "-m", "cryoelig", "check", str(path), "--format", fmt],
                             capture_output=True, text=True, cwd=ROOT)
        assert cli.returncode == 0, cli.stderr
        outputs += [cli.stdout, cli.stderr]
    post(live_server, "/api/v1/check?site=bone&who=Quixwright", json={"resourceType": "Quixwright"})
    assert post(live_server, "/api/v1/Zebulon/Quixwright", json={}).status_code == 404  # a path is client input
    assert httpx.request("QUIXWRIGHT", live_server.url + "/healthz").status_code in (400, 405)
    outputs.append(live_server.log_text())
    assert "(another path) 404" in outputs[-1]
    for text in outputs:
        for planted in PLANTED:
            assert planted.lower() not in text.lower()
    assert "who=" not in live_server.log_text() and "Traceback" not in live_server.log_text()


def test_concurrent_requests_all_answer_the_same(live_server):
    expected = post(live_server, "/api/v1/check", json=KIDNEY).text

    def one(_):
        with httpx.Client(timeout=30) as c:
            return [c.post(live_server.url + "/api/v1/check", json=KIDNEY).text for _ in range(10)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = [t for batch in pool.map(one, range(20)) for t in batch]
    assert len(results) == 200 and set(results) == {expected}


def test_workers_runs_worker_processes(tmp_path):
    server = LiveServer(["--workers", "2"], tmp_path / "workers.log")
    try:
        children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
        pids = children.stdout.split()
        assert len(pids) >= 2, server.log_text()
        answers = {post(server, "/api/v1/check", json=KIDNEY).status_code for _ in range(20)}
        assert answers == {200}
    finally:
        server.stop()
