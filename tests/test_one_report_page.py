"""One HTML report (issue 22, deliverable 5): the service's ``/api/v1/check?format=html``, the checklist page's
download and ``cryoelig report --out x.html`` give the same bytes for the same case and pack.

Seen: the API's page was another page, with raw field names as labels, though the README said it was the page
``cryoelig report`` writes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("fastapi")

ROOT = Path(__file__).resolve().parents[1]
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app

    return TestClient(create_app())


def report_file(path: Path, out: Path) -> bytes:
    subprocess.run([sys.executable, "-m", "cryoelig", "report", str(path), "--out", str(out)], check=True,
                   capture_output=True, cwd=ROOT, timeout=300)
    return out.read_bytes()


@pytest.mark.parametrize("example", ["kidney-small.yaml", "bone-spine-sins.yaml", "liver-hard-to-reach.yaml"])
def test_the_api_page_is_the_report_page(client, tmp_path: Path, example: str):
    path = ROOT / "examples" / example
    api = client.post("/api/v1/check?format=html", content=path.read_bytes(),
                      headers={"content-type": "application/yaml"})
    assert api.status_code == 200 and api.headers["content-type"].startswith("text/html")
    assert api.content == report_file(path, tmp_path / "x.html")


def test_the_api_page_the_download_and_the_report_command_agree(client, tmp_path: Path):
    pairs = [("site", "bone"), ("case_id", "dl-2"), ("tumor.metastatic", "yes"), ("symptoms.pain_score", "7"),
             ("overall_health", "fair"), ("concerns.near_nerves", "yes")]
    saved = client.post("/checklist/download/case.yaml", content=urlencode(pairs), headers=FORM)
    assert saved.status_code == 200
    path = tmp_path / "dl-2.yaml"
    path.write_bytes(saved.content)
    download = client.post("/checklist/download/report.html", content=urlencode(pairs), headers=FORM).content
    api = client.post("/api/v1/check?format=html", content=saved.content,
                      headers={"content-type": "application/yaml"}).content
    command = report_file(path, tmp_path / "x.html")
    assert api == download == command
    from html import escape

    from cryoelig.rulepack.load import load_pack

    label = load_pack().fields["symptoms.pain_score"].label
    assert f"<dt>{escape(label)} <code>symptoms.pain_score</code></dt>".encode() in api  # labelled, not raw
