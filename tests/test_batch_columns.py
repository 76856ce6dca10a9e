"""A batch decided by the pack compiled to columns (--report table), against --report full on the same rows:
the same error file byte for byte, the same summary, and table columns that say what the full reports say;
the cross-check stops the run on a planted disagreement (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402
from csvmix import write_mixed_csv  # noqa: E402
from test_batch_formats import cli, write_parquet_dotted  # noqa: E402

from cryoelig.batch import BatchOptions, run_batch  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """1,500 mixed rows (some refused) as CSV and Parquet, and today's full run of the CSV."""
    folder = tmp_path_factory.mktemp("columns")
    src = folder / "mix.csv"
    write_mixed_csv(src, 1500, seed=24)
    parquet = folder / "mix.parquet"
    write_parquet_dotted(src, parquet)
    full = run_batch(BatchOptions(input=str(src), out=folder / "full.jsonl", jobs=1, cross_check="all"))
    reports = [json.loads(line) for line in (folder / "full.jsonl").read_text().splitlines()]
    run_batch(BatchOptions(input=str(parquet), out=folder / "fullp.csv", jobs=1, cross_check="sample:50"))
    return {"src": src, "parquet": parquet, "full": full, "reports": reports, "folder": folder,
            "csv errors": (folder / "full.errors.jsonl").read_bytes(),
            "parquet errors": (folder / "fullp.csv.errors.jsonl").read_bytes()}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_table_says_what_the_full_reports_say(rows: dict[str, Any], tmp_path: Path, kind: str) -> None:
    out = tmp_path / "table.parquet"
    result = run_batch(BatchOptions(input=str(rows[kind if kind == "parquet" else "src"]), out=out, jobs=1,
                                    report="table", cross_check="sample:100"))
    assert b"line" in rows[f"{kind} errors"]
    assert (tmp_path / "table.parquet.errors.jsonl").read_bytes() == rows[f"{kind} errors"]
    assert result.summary == rows["full"].summary
    table = pq.read_table(out)
    assert table.schema.metadata[b"cryoelig.pack.sha256"] == table.column("pack.sha256")[0].as_py().encode()
    got = {r["case_id"]: r for r in table.to_pylist()}
    assert len(got) == len(rows["reports"])
    for report in rows["reports"]:
        row = got[report["case_id"]]
        raised = {f["factor"] for f in report["findings"]}
        assert {c[len("factor."):] for c, v in row.items() if c.startswith("factor.") and v is True
                and not c.startswith("factor.scales.")} == raised
        assert {c[len("missing."):] for c, v in row.items() if c.startswith("missing.") and v} == \
            {m["field"] for m in report["missing"]}
        assert row["site"] == report["site"] and row["pack.version"] == report["pack"]["version"]


def test_csv_and_xlsx_tables(rows: dict[str, Any], tmp_path: Path) -> None:
    import csv

    from openpyxl import load_workbook

    run_batch(BatchOptions(input=str(rows["src"]), out=tmp_path / "t.csv", jobs=1, report="table"))
    run_batch(BatchOptions(input=str(rows["src"]), out=tmp_path / "t.xlsx", jobs=1, report="table"))
    with (tmp_path / "t.csv").open() as f:
        table = list(csv.DictReader(f))
    sheet = list(load_workbook(tmp_path / "t.xlsx", read_only=True)["results"].values)
    assert len(table) == len(sheet) - 1 == len(rows["reports"])
    assert list(table[0]) == list(sheet[0]) and "factor.kidney.size_4cm_or_more" in table[0]
    assert table[0]["factor.site.documented"] in ("true", "false", "")


def test_a_planted_disagreement_stops_the_run(rows: dict[str, Any], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiled rule that says the opposite of the references on one row: the run stops, nothing written."""
    import pyarrow.compute as pc

    from cryoelig.reasoning import columns

    real = columns.Compiled.__call__
    planted_at: list[int] = []

    def planted(self: Any, facts: Any) -> Any:
        out = real(self, facts)
        name = f"rule.{self.plan.rules[-1].id}"
        planted_at.append(out.column("row")[5].as_py())  # a row the columns decide (row 6 or after)
        column = out.column(name)
        flipped = pc.if_else(pc.equal(out.column("row"), planted_at[0]), pc.invert(pc.fill_null(column, False)), column)
        return out.set_column(out.column_names.index(name), name, flipped)

    monkeypatch.setattr(columns.Compiled, "__call__", planted)
    out = tmp_path / "bad.parquet"
    with pytest.raises(InputError) as stop:
        run_batch(BatchOptions(input=str(rows["src"]), out=out, jobs=1, report="table", cross_check="sample:100"))
    from cryoelig.rulepack.load import load_pack

    assert f"row {planted_at[0]}," in str(stop.value) and load_pack().rules[-1].id in str(stop.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_cli_chooses_the_table_for_tabular_outputs(tmp_path: Path) -> None:
    done = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "r.parquet"), "-q")
    assert done.returncode == 0, done.stderr
    assert "factor.kidney.size_4cm_or_more" in pq.read_schema(tmp_path / "r.parquet").names
    full = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "f.parquet"), "-q",
               "--report", "full")
    assert full.returncode == 0 and "report" in pq.read_schema(tmp_path / "f.parquet").names
    bad = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "r.jsonl"), "--report", "table")
    assert bad.returncode == 2 and b"--report table writes" in bad.stderr and b"Traceback" not in bad.stderr


def test_the_docs_pandas_recipe_runs_on_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """docs/columns.md's pandas block, run as written on a table of the examples: kidney cases by band."""
    import re

    pytest.importorskip("pandas")
    run_batch(BatchOptions(input=str(ROOT / "examples" / "cases.csv"), out=tmp_path / "table.parquet", jobs=1,
                           report="table"))
    text = (ROOT / "docs" / "columns.md").read_text()
    code = re.search(r"pandas \(checked by[^\n]*\n\n```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(compile(code, "docs/columns.md", "exec"), scope)  # noqa: S102 - the documentation's own example
    share = scope["share"]
    kidney = [r for r in pq.read_table(tmp_path / "table.parquet").to_pylist() if r["site"] == "kidney"]
    assert int(share["cases"].sum()) == len(kidney) > 0
    assert int(share["at_4cm_or_more"].sum()) == sum(r["factor.kidney.size_4cm_or_more"] is True for r in kidney)
    assert "share" in capsys.readouterr().out


def test_quiet_prints_only_errors_and_help_names_every_extra(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text((ROOT / "examples" / "cases.csv").read_text() + "bad-1,moon\n")
    quiet = cli("batch", str(src), "--out", str(tmp_path / "r.csv"), "-q", "--jobs", "99")
    assert quiet.returncode == 1 and quiet.stdout == b"" and quiet.stderr == b""
    refused = cli("batch", str(src), "--out", str(tmp_path / "r.csv"), "-q")
    assert refused.returncode == 2 and b"already exists" in refused.stderr
    helped = cli("batch", "--help", prelude="import os; os.environ['COLUMNS'] = '300'\n")
    text = b" ".join(helped.stdout.split()).decode()
    assert "(extra )" not in text and "extra )" not in text
    for extra in ("parquet", "xlsx", "cluster", "figures"):
        assert f"the {extra} extra" in text


def test_error_files_of_two_formats_never_collide(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text((ROOT / "examples" / "cases.csv").read_text() + "bad-1,moon\n")
    for name in ("results.jsonl", "results.csv", "results.parquet", "results.xlsx"):
        done = cli("batch", str(src), "--out", str(tmp_path / name), "-q")
        assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*errors*")) == [
        "results.csv.errors.jsonl", "results.errors.jsonl", "results.parquet.errors.jsonl", "results.xlsx.errors.jsonl"]


def test_a_comma_grouping_thousands_is_read_per_row(tmp_path: Path) -> None:
    """``1,500`` reads as 1500 or 1.5 by the field's range (refused when both fit, else a note): the columns leave
    it to the case model, so the table path refuses and decides what the full path does."""
    src = tmp_path / "commas.csv"
    src.write_text("case_id;site;tumor.size_cm;labs.platelets\nc1;kidney;3;1,500\nc2;kidney;1,500;20\n"
                   "c3;kidney;2,5;12,5\n", encoding="utf-8")
    full = run_batch(BatchOptions(input=str(src), out=tmp_path / "full.jsonl", jobs=1))
    table = run_batch(BatchOptions(input=str(src), out=tmp_path / "t.parquet", jobs=1, report="table"))
    assert table.summary == full.summary and full.summary["counts"]["errors"] == 1
    assert (tmp_path / "t.parquet.errors.jsonl").read_bytes() == (tmp_path / "full.errors.jsonl").read_bytes()
    sizes = pq.read_table(tmp_path / "t.parquet").column("total.ajcc_kidney_t1a").to_pylist()
    assert sizes == [1.5, 2.5]


#: Cells the case model refuses (or, for a few, takes after all), of every kind registry exports carry most.
PLANTED = (
    ("tumor.size_cm", "-3"), ("tumor.size_cm", "60"), ("tumor.size_cm", "1,500"), ("tumor.size_cm", " 0 "),
    ("labs.platelets", "1,500"), ("labs.platelets", "7000"), ("labs.inr", "30"), ("tumor.size_mm", "-5"),
    ("kps", "3"), ("kps", "35"), ("ecog", "50"), ("ecog", "9"), ("tumor.count", "2.5"), ("tumor.count", "abc"),
    ("overall_health", "excellent"), ("tumor.histology", "adenoma"), ("site", "pancreas"), ("site", ""),
    ("symptoms.fracture", "maybe"), ("treatments", "radiation;magic"), ("notes", "call 555-123-4567"),
    ("notes", "write to jo@example.org"), ("notes", "seen on 2024-03-05"), ("case_id", "Jane Doe"),
    ("case_id", ""), ("notes", "x" * 2500), ("symptoms.pain_score", "-0"), ("tumor.size_cm", "-0.0"),
)


def write_planted_csv(path: Path, rows: int, seed: int) -> None:
    """The mixed rows with more columns, tab-separated, a planted cell in one row in ten and two in one row in
    fifty."""
    import csv
    import random

    from csvmix import mixed_row, source_columns

    columns = ["case_id", "site", *source_columns(), "kps", "labs.platelets", "labs.inr", "tumor.size_mm", "notes"]
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")  # no quotes: the column-wise CSV reader
        writer.writerow(columns)
        for i in range(rows):
            row = mixed_row(rng, i, columns)
            row[columns.index("kps")] = rng.choice(["", "", "70", "90"])
            row[columns.index("labs.platelets")] = rng.choice(["", "", "150", "250.5"])
            row[columns.index("labs.inr")] = rng.choice(["", "", "1.1", "2,5"])
            for _ in range((rng.random() < 0.1) + (rng.random() < 0.02)):
                name, cell = rng.choice(PLANTED)
                row[columns.index(name)] = cell
            writer.writerow(row)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("planted")
    src, parquet = folder / "planted.csv", folder / "planted.parquet"
    write_planted_csv(src, 20_000, seed=2024)
    import pyarrow.csv as pacsv

    with src.open() as f:
        header = f.readline().rstrip("\n").split("\t")
    pq.write_table(pacsv.read_csv(src, parse_options=pacsv.ParseOptions(delimiter="\t"), convert_options=pacsv.
                                  ConvertOptions(column_types=dict.fromkeys(header, pa.string()))),
                   parquet, row_group_size=4000)
    return {"csv": src, "parquet": parquet, "folder": folder}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_refused_rows_get_the_per_row_records_column_wise(planted: dict[str, Any], tmp_path: Path, kind: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 rows with planted cells of every kind: the table run's error file is the per-row run's, byte for
    byte, and most refused rows got their record column-wise (one doubtful cell), not through the per-row path."""
    from cryoelig.batch import colerrors

    src = planted[kind]
    full = run_batch(BatchOptions(input=str(src), out=tmp_path / "full.jsonl", jobs=1, cross_check="sample:1000"))
    built: list[int] = []
    real = colerrors.ColumnErrors.build

    def counted(self: Any, *args: Any) -> Any:
        out = real(self, *args)
        built.append(len(out[0]))
        return out

    monkeypatch.setattr(colerrors.ColumnErrors, "build", counted)
    table = run_batch(BatchOptions(input=str(src), out=tmp_path / "t.parquet", jobs=1, report="table"))
    errors = (tmp_path / "full.errors.jsonl").read_bytes()
    assert (tmp_path / "t.parquet.errors.jsonl").read_bytes() == errors
    assert table.summary == full.summary
    refused = errors.count(b"\n")
    assert refused > 2000 and sum(built) > 0.7 * refused, (sum(built), refused)
    assert b'"reason": "identifier"' in errors and b"reads as an ECOG grade" in errors and b"range takes both" in errors


def test_the_cross_check_compares_types_as_well_as_values(rows: dict[str, Any], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The columns compared list by list stay as strict as value by value: a reference saying 1 where the
    columns say true (equal for Python's ==) stops the run, naming the row and the column."""
    from cryoelig.batch import colcross

    real = colcross.references
    planted: list[str] = []

    def one_for_true(plan: Any, cases: Any, engine: bool = False, traces: Any = None) -> Any:
        names, said, met, fired = real(plan, cases, engine, traces)
        for i, (name, value) in enumerate(zip(names, said[3], strict=True)):
            if value is True and name.startswith("rule.") and not planted:
                planted.append(name)
                said[3] = (*said[3][:i], 1, *said[3][i + 1:])
        return names, said, met, fired

    monkeypatch.setattr(colcross, "references", one_for_true)
    with pytest.raises(InputError) as stop:
        run_batch(BatchOptions(input=str(rows["src"]), out=tmp_path / "t.parquet", jobs=1, report="table"))
    assert planted and f"{planted[0]}: the Python evaluator says 1 where the columns say True" in str(stop.value)


def test_a_line_over_max_bytes_keeps_the_per_row_record(tmp_path: Path) -> None:
    """A row whose only doubtful cell would get a record column-wise, on a line over --max-bytes: the
    record is the reader's (the line is not read), as the per-row run writes it."""
    header = "case_id,site,tumor.size_cm,notes"
    lines = [header, "a1,kidney,3,", "a2,kidney,-3,", f"a3,kidney,2,{'x' * 2500}", f"a4,kidney,-3,{'y' * 2100}"]
    src = tmp_path / "long.csv"
    src.write_text("\n".join(lines) + "\n")
    run_batch(BatchOptions(input=str(src), out=tmp_path / "f.jsonl", jobs=1, max_bytes=2000))
    run_batch(BatchOptions(input=str(src), out=tmp_path / "t.parquet", jobs=1, report="table", max_bytes=2000))
    errors = (tmp_path / "f.errors.jsonl").read_bytes()
    assert errors.count(b"\n") == 3 and errors.count(b"longer than 2000 bytes") == 4 and b"out of range" in errors
    assert (tmp_path / "t.parquet.errors.jsonl").read_bytes() == errors


def test_a_bigger_parquet_input_is_read_in_no_more_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak memory flat with the input's size (issue 24): the column-wise reader holds one part at a time, not
    the column chunks of every row group read ahead (pyarrow's pre_buffer)."""
    import random
    import string

    from cryoelig.batch import colread
    from cryoelig.batch.colrun import sampler
    from cryoelig.batch.workers import CrossCheck
    from cryoelig.inputs import open_source
    from cryoelig.reasoning.columns import Plan
    from cryoelig.rulepack.load import load_pack

    monkeypatch.setattr(colread, "PART_ROWS", 4096)
    plan, rng, peaks = Plan(load_pack()), random.Random(24), []
    for groups in (4, 40):  # the same rows per row group; the bigger file ~1.6 MB more (ids that do not compress)
        path, n = tmp_path / f"in-{groups}.parquet", groups * 4096
        ids = ["case-" + "".join(rng.choices(string.ascii_lowercase, k=16)) for _ in range(n)]
        pq.write_table(pa.table({"case_id": ids, "site": ["lung"] * n}), path, row_group_size=4096)
        source = open_source(str(path))
        try:
            peak = 0
            for part in colread.parts(source, plan, sampler(CrossCheck(1_000_000))):
                assert not part.errors
                peak = max(peak, pa.total_allocated_bytes())
        finally:
            source.close()
        peaks.append(peak)
    assert peaks[1] < peaks[0] + (512 << 10), peaks


@pytest.mark.parametrize(("out", "report"), [("t.parquet", "table"), ("t.jsonl", "compact")])
def test_null_cells_in_a_parquet_input_never_lose_a_row(tmp_path: Path, out: str, report: str) -> None:
    """A Parquet input's null cells (notes, case_id, a typed column) are not given: every row is a result or an
    error record, on the column-wise paths as on the per-row one (a null in a check once dropped the row)."""
    import datetime

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "case_id": ["ok-1", "ok-2", None, "ok-4", "ok-5", "ok-6"],
        "site": ["kidney", "lung", "bone", "bone", None, "lung"],
        "notes": [None, "call 555-867-5309", None, None, None, "seen"],
        "tumor.size_cm": [None, None, None, datetime.date(1985, 3, 4), None, None]}), src)
    full = run_batch(BatchOptions(input=str(src), out=tmp_path / "full.jsonl", jobs=1, report="full"))
    fast = run_batch(BatchOptions(input=str(src), out=tmp_path / out, jobs=1, report=report))
    assert full.summary["counts"]["results"] == 2 and full.summary["counts"]["errors"] == 4
    assert fast.summary == full.summary
    assert (tmp_path / f"{out}.errors.jsonl" if out.endswith(".parquet") else tmp_path / "t.errors.jsonl"
            ).read_bytes() == (tmp_path / "full.errors.jsonl").read_bytes()
