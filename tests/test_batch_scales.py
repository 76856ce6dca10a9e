"""Issue 22, deliverable 6: the published scales in the batch outputs: counts per scale and band in the
summary (the run, summarize from the files and the column-wise run agree), on the terminal table and the
page, and a total and band column per scale in the CSV results."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from cryoelig.batch import BatchOptions, run_batch, summarize_files

ROOT = Path(__file__).resolve().parent.parent
CASES = ("bone-spine-sins.yaml", "bone-femur-mirels.yaml", "kidney-small.yaml", "lung-peripheral.yaml")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scales")
    path = folder / "cases.jsonl"
    rows = [yaml.safe_load((ROOT / "examples" / name).read_text()) for name in CASES]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_summary_counts_scales_and_bands_alike_in_run_summarize_and_table(source: Path, tmp_path: Path) -> None:
    full = run_batch(BatchOptions(input=str(source), out=tmp_path / "r.jsonl", jobs=1))
    scales = full.summary["scales"]
    assert scales["sins"]["total"] and scales["mirels"]["total"]
    assert sum(scales["sins"]["bands"].values()) + scales["sins"]["total"].get("none", 0) == \
        sum(scales["sins"]["total"].values())
    reports = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    sins = [ln for r in reports for ln in (r["published_scales"] or {}).get("lines", []) if ln["scale"] == "sins"]
    assert {ln["band"] for ln in sins if ln["band"]} == set(scales["sins"]["bands"])
    assert summarize_files(str(tmp_path / "r.jsonl"), str(tmp_path / "r.errors.jsonl")) == full.summary
    pytest.importorskip("pyarrow")
    table = run_batch(BatchOptions(input=str(source), out=tmp_path / "t.parquet", jobs=1, report="table",
                                   cross_check="all"))
    assert table.summary == full.summary


def test_csv_results_have_a_total_and_band_column_per_scale(source: Path, tmp_path: Path) -> None:
    run_batch(BatchOptions(input=str(source), out=tmp_path / "r.csv", jobs=1, report="full"))
    run_batch(BatchOptions(input=str(source), out=tmp_path / "r.jsonl", jobs=1))
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    reports = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert "total.sins" in rows[0] and "band.sins" in rows[0] and "total.ecog" in rows[0]
    for row, report in zip(rows, reports, strict=True):
        lines = {ln["scale"]: ln for ln in (report["published_scales"] or {}).get("lines", [])}
        for name in [c for c in row if c.startswith("total.")]:
            line = lines.get(name[len("total."):])
            shown = line is not None and line["applies"] != "no" and line["total"] is not None
            assert row[name] == (json.dumps(line["total"]) if shown else "")
            band = "band." + name[len("total."):]
            if band in row:
                assert row[band] == ((line["band"] or "") if shown else "")
    assert any(r["total.sins"] for r in rows) and any(r["band.mirels"] for r in rows)


def test_terminal_and_page_show_the_scale_counts(source: Path, tmp_path: Path) -> None:
    from rich.console import Console

    from cryoelig.render.summary import print_summary

    full = run_batch(BatchOptions(input=str(source), out=tmp_path / "r.jsonl", jobs=1))
    console = Console(record=True, width=100)
    print_summary(full.summary, console)
    text = console.export_text()
    assert "Published scales (not from the source article): cases" in text
    band = next(iter(full.summary["scales"]["sins"]["bands"]))
    assert band in text
    pytest.importorskip("matplotlib")
    from cryoelig.render.summary_html import batch_page
    from cryoelig.rulepack.load import load_pack

    page = batch_page(full.summary, load_pack(None)).decode()
    assert 'id="t-scales"' in page and band in page


def test_parquet_full_results_have_the_scale_columns_of_the_csv_typed_as_the_table(source: Path,
                                                                                   tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from cryoelig.batch.outputs import result_cell

    run_batch(BatchOptions(input=str(source), out=tmp_path / "r.csv", jobs=1, report="full"))
    run_batch(BatchOptions(input=str(source), out=tmp_path / "r.parquet", jobs=1, report="full"))
    run_batch(BatchOptions(input=str(source), out=tmp_path / "t.parquet", jobs=1, report="table"))
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    full, table = pq.read_table(tmp_path / "r.parquet"), pq.read_table(tmp_path / "t.parquet")
    scales = [c for c in rows[0] if c.startswith(("total.", "band."))]
    assert full.column_names == [*rows[0], "report"]  # the CSV's columns, in its order, then the report
    assert {c: full.schema.field(c).type for c in scales} == {c: table.schema.field(c).type for c in scales}
    assert full.select(scales).to_pylist() == [{c: result_cell(c, r[c]) for c in scales} for r in rows]
    assert full.column("total.sins").to_pylist()[0] == 13 and full.column("band.mirels").to_pylist()[1]


def test_parquet_full_results_of_a_pack_without_published_scales(source: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    from cryoelig.batch.arrow import review_arrow, spark_schema

    rules = ROOT / "rules"  # the source pack alone: no published scales
    run_batch(BatchOptions(input=str(source), out=tmp_path / "r.parquet", jobs=1, report="full", pack_dir=rules))
    full = pq.read_table(tmp_path / "r.parquet")
    assert full.num_rows == len(CASES) and not [c for c in full.column_names if c.startswith(("total.", "band."))]
    assert "total." not in spark_schema(str(rules)) and "`total.sins` bigint" in spark_schema()
    out = pa.Table.from_batches(review_arrow(full.select(["case_id", "site"]).to_batches(), str(rules)))
    assert out.column_names == [*full.column_names, "error"] and out.column("report").null_count == 0
