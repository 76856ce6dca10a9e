"""Issue 22, deliverable 6: every batch output carries the non-diagnostic notice and the pack identity as
`--version` gives it; `explain` shows the published-scales section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.cli import app
from cryoelig.report.projection import DISCLAIMER
from cryoelig.rulepack.load import load_pack

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def batch(tmp_path: Path, out: str, *extra: str) -> Path:
    result = runner.invoke(app, ["batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / out),
                                 "--quiet", *extra])
    assert result.exit_code == 0, result.output
    return tmp_path / out


def identity() -> dict:
    pack = load_pack(None)
    return {"name": pack.name, "version": pack.version, "sha256": pack.sha256}


def test_csv_has_a_sidecar_and_the_summary_json_says_it_too(tmp_path):
    out = batch(tmp_path, "r.csv", "--summary", str(tmp_path / "s.json"))
    about = json.loads((tmp_path / "r.csv.about.json").read_text())
    assert about == {"notice": DISCLAIMER, "pack": identity()}
    assert json.loads((tmp_path / "s.json").read_text())["about"] == about
    assert out.read_text().startswith("case_id,")  # the CSV itself stays plain rows


def test_parquet_metadata_has_the_notice_and_the_pack():
    pq = pytest.importorskip("pyarrow.parquet")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        meta = pq.read_schema(batch(Path(folder), "r.parquet")).metadata
    assert meta[b"cryoelig.notice"].decode() == DISCLAIMER
    assert meta[b"cryoelig.pack.sha256"].decode() == identity()["sha256"]


def test_xlsx_has_an_about_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(batch(tmp_path, "r.xlsx"), read_only=True)
    rows = dict(list(book["about"].values)[1:])
    assert rows["notice"] == DISCLAIMER and rows["pack sha256"] == identity()["sha256"]


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_explain_shows_the_published_scales_section(fmt):
    result = runner.invoke(app, ["explain", str(ROOT / "examples" / "bone-femur-mirels.yaml"), "--format", fmt],
                           env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["report"]["published_scales"]["lines"]
        return
    text = " ".join(result.stdout.split())
    assert "Published scales (not from the source article)" in text and "Mirels**: total 10" in text.replace(
        "Mirels: total", "Mirels**: total")
