"""One identity (issue 22, deliverable 4): the pack set's sha256 is the one value everywhere.

Seen: /healthz, /api/v1/pack and the page footers gave the set's sha256 while --version, every report and the
CDS cards gave the source pack's own, so an auditor could not match a report to the running service.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cryoelig.rulepack.load import load_pack

ROOT = Path(__file__).resolve().parents[1]
HEX = re.compile(r"\b[0-9a-f]{64}\b")


def cli(*args: str, cwd: Path = ROOT) -> str:
    proc = subprocess.run([sys.executable, "-m", "cryoelig", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_set_sha256_is_of_its_parts_own_joined_by_nul():
    """The definition in docs/rule-authoring.md, recomputed here from the parts' own hashes."""
    pack = load_pack()
    assert len(pack.members) == 2
    expected = hashlib.sha256(b"\0".join(p.sha256.encode("ascii") for p in pack.members)).hexdigest()
    assert pack.sha256 == expected and pack.sha256 not in {p.sha256 for p in pack.members}


def test_every_place_names_the_same_sha256(tmp_path: Path):
    """--version, a report, a batch output's metadata (Parquet, xlsx, the summary page), /healthz,
    /api/v1/pack, a page footer and a CDS card: one value, the set's."""
    pytest.importorskip("fastapi")
    pq = pytest.importorskip("pyarrow.parquet")
    openpyxl = pytest.importorskip("openpyxl")
    from fastapi.testclient import TestClient
    from fhirdata import bone_prefetch, patient_view

    from cryoelig.server.app import create_app

    seen: dict[str, set[str]] = {}
    version = cli("--version").splitlines()
    seen["--version"] = {HEX.search(version[1]).group()}  # the 'rule pack' line; the parts are indented below
    report = json.loads(cli("check", "examples/bone-spine-sins.yaml", "--format", "json"))
    seen["report"] = {report["pack"]["sha256"]}
    cli("batch", str(ROOT / "examples/cases.csv"), "--out", "r.parquet", "--summary-html", "s.html", cwd=tmp_path)
    seen["parquet metadata"] = {pq.ParquetFile(tmp_path / "r.parquet").metadata.metadata[b"cryoelig.pack.sha256"]
                                .decode()}
    seen["summary page"] = set(HEX.findall((tmp_path / "s.html").read_text(encoding="utf-8")))
    cli("batch", str(ROOT / "examples/cases.csv"), "--out", "w.xlsx", cwd=tmp_path)
    seen["xlsx"] = set(HEX.findall(openpyxl.load_workbook(tmp_path / "w.xlsx", read_only=True).properties.subject))
    client = TestClient(create_app())
    seen["/healthz"] = {client.get("/healthz").json()["pack"]["sha256"]}
    seen["/api/v1/pack"] = {client.get("/api/v1/pack").json()["sha256"]}
    seen["page footer"] = set(HEX.findall(client.get("/").text))
    cards = client.post("/cds-services/cryoelig-discussion-points", json=patient_view(bone_prefetch())).json()["cards"]
    seen["CDS card"] = {h for c in cards for h in HEX.findall(c.get("detail", ""))}
    expected = load_pack().sha256
    assert seen == {where: {expected} for where in seen}
    assert all(line.startswith("  part ") for line in version[2:4])  # the parts' own, under the set's


def test_the_parts_are_listed_under_the_set_with_their_own():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app

    pack = load_pack()
    parts = [{"name": p.name, "version": p.version, "sha256": p.sha256} for p in pack.members]
    report = json.loads(cli("check", "examples/kidney-small.yaml", "--format", "json"))
    assert report["pack"]["parts"] == parts
    client = TestClient(create_app())
    assert client.get("/healthz").json()["pack"]["parts"] == parts
    assert client.get("/api/v1/pack").json()["parts"] == parts
    markdown = cli("check", "examples/bone-spine-sins.yaml", "--format", "markdown")
    assert set(HEX.findall(markdown)) == {pack.sha256}  # a page a person reads shows one sha256
    assert "Scales from pack published-scales 0.2.0, included in this report's rule pack" in markdown
