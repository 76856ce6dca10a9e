"""Parquet and xlsx in and out of `batch`: the same review as CSV/JSONL, nothing lost, identifiers refused
and never echoed, and a killed run resumed to byte-identical final files, for every format."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from csvmix import write_mixed_csv

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

from cryoelig.batch import BatchOptions, run_batch  # noqa: E402
from cryoelig.case.contract import case_fields  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402

CLI = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
LISTS = {name for name, spec in case_fields().items() if spec["type"] == "list"}
SECRETS = ("555-867-5309", "1985-03-04", "Jane Doe")


def cli(*args: str, cwd: Path | None = None, prelude: str = "") -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-c", f"{prelude}from cryoelig.cli import main; main()"] if prelude else CLI
    return subprocess.run([*command, *args], capture_output=True, cwd=cwd, timeout=300)


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def typed(column: str, cell: str) -> Any:
    """A CSV cell as a Parquet or spreadsheet would type it."""
    spec = case_fields().get(column, {})
    if cell == "":
        return None
    if column in LISTS:
        return [] if cell == "none" else cell.split(";")
    if spec.get("type") == "bool":
        return cell == "true"
    if spec.get("type") == "number":
        return float(cell) if "." in cell else int(cell)
    return cell


def write_parquet_dotted(src: Path, target: Path, row_group: int = 400, typed_cells: bool = False) -> None:
    header, rows = csv_rows(src)
    columns = {c: [typed(c, r[i]) if typed_cells else r[i] for r in rows] for i, c in enumerate(header)}
    pq.write_table(pa.table(columns), target, row_group_size=row_group)


def nested(header: list[str], row: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, cell in zip(header, row, strict=True):
        *parents, leaf = column.split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = typed(column, cell)
    return out


def write_parquet_structs(src: Path, target: Path, row_group: int = 300) -> None:
    header, rows = csv_rows(src)
    pq.write_table(pa.Table.from_pylist([nested(header, r) for r in rows]), target, row_group_size=row_group)


def write_xlsx(src: Path, target: Path, typed_cells: bool = True) -> None:
    header, rows = csv_rows(src)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for i, row in enumerate(rows):
        if i and i % 97 == 0:
            ws.append([])  # an empty row is not a row
        cells = [typed(c, v) for c, v in zip(header, row, strict=True)] if typed_cells else row
        ws.append([(";".join(v) or "none") if isinstance(v, list) else v for v in cells])
    wb.save(target)


@pytest.fixture(scope="module")
def mix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """1,200 generated rows (some invalid, some identifying) and the reference run of their CSV."""
    tmp = tmp_path_factory.mktemp("formats")
    src = tmp / "cases.csv"
    write_mixed_csv(src, 1200, seed=13)
    ref = tmp / "ref.jsonl"
    result = run_batch(BatchOptions(input=str(src), out=ref, summary=tmp / "ref.json", jobs=1))
    errors = [json.loads(line) for line in (tmp / "ref.errors.jsonl").read_text().splitlines()]
    assert result.summary["counts"]["errors"] > 10  # the mix has invalid and identifying rows
    return {"tmp": tmp, "src": src, "ref": ref, "errors": errors, "summary": result.summary}


def _same_review(mix: dict[str, Any], out: Path, summary: dict[str, Any]) -> None:
    """Byte-identical results, the same rows in error (row, reason, field), the same counts."""
    assert out.read_bytes() == mix["ref"].read_bytes()
    errors = [json.loads(line) for line in out.with_name(out.stem + ".errors.jsonl").read_text().splitlines()]
    assert [(e["row"], e["reason"], e["field"]) for e in errors] == \
        [(e["row"], e["reason"], e["field"]) for e in mix["errors"]]
    assert summary == mix["summary"]
    counts = summary["counts"]
    assert counts["rows_read"] == 1200 == counts["results"] + counts["errors"]


# ---------------------------------------------------------------- Parquet and xlsx in

@pytest.mark.parametrize("shape", ["dotted text", "dotted typed", "structs and lists"])
def test_parquet_input_reviews_like_the_csv(mix: dict[str, Any], tmp_path: Path, shape: str) -> None:
    source = tmp_path / "cases.parquet"
    if shape == "structs and lists":
        write_parquet_structs(mix["src"], source)
        assert pa.types.is_struct(pq.read_schema(source).field("tumor").type)
    else:
        write_parquet_dotted(mix["src"], source, typed_cells=shape == "dotted typed")
    assert pq.ParquetFile(source).metadata.num_row_groups > 1
    out = tmp_path / "r.jsonl"
    result = run_batch(BatchOptions(input=str(source), out=out, jobs=1, chunk_rows=70))
    _same_review(mix, out, result.summary)


def test_parquet_dataset_folder_in_path_order_with_hive_keys(mix: dict[str, Any], tmp_path: Path) -> None:
    header, rows = csv_rows(mix["src"])
    folder = tmp_path / "export"
    for n, start in enumerate(range(0, len(rows), 500)):
        part = folder / f"batch={n}"
        part.mkdir(parents=True)
        chunk = rows[start:start + 500]
        pq.write_table(pa.table({c: [r[i] for r in chunk] for i, c in enumerate(header) if c != "site"}),
                       part / "data.parquet", row_group_size=200)
    (folder / "_SUCCESS").write_text("")
    # the site comes from the folder names here: a hive key that is not a case field refuses the input
    refused = cli("batch", str(folder), "--out", str(tmp_path / "r.jsonl"))
    assert refused.returncode == 2 and b"unknown column #" in refused.stderr and b"no site column" in refused.stderr
    assert not (tmp_path / "r.jsonl").exists()
    for n, start in enumerate(range(0, len(rows), 500)):
        chunk = rows[start:start + 500]
        pq.write_table(pa.table({c: [r[i] for r in chunk] for i, c in enumerate(header)}),
                       folder / f"batch={n}" / "data.parquet", row_group_size=200)
        (folder / f"batch={n}").rename(folder / f"{n:02d}")
    out = tmp_path / "r.jsonl"
    result = run_batch(BatchOptions(input=str(folder), out=out, jobs=2, chunk_rows=90))
    _same_review(mix, out, result.summary)


def test_xlsx_input_reviews_like_the_csv(mix: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "cases.xlsx"
    write_xlsx(mix["src"], source)
    out = tmp_path / "r.jsonl"
    result = run_batch(BatchOptions(input=str(source), out=out, jobs=1, chunk_rows=64))
    _same_review(mix, out, result.summary)


@pytest.mark.parametrize("kind", ["parquet", "xlsx"])
def test_identifying_column_names_refuse_the_file_before_any_row(tmp_path: Path, kind: str) -> None:
    columns = {"case_id": ["k-1"], "site": ["kidney"], "Patient_Name": ["Jane Doe"], "MRN": ["123"]}
    source = tmp_path / f"in.{kind}"
    if kind == "parquet":
        pq.write_table(pa.table(columns), source)
    else:
        wb = openpyxl.Workbook()
        wb.active.append(list(columns))
        wb.active.append([v[0] for v in columns.values()])
        wb.save(source)
    proc = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "identifying column(s) refused" in err and "Traceback" not in err
    assert "Jane Doe" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]  # no output of any kind


def _identifier_rows(kind: str, source: Path) -> None:
    import datetime

    rows = [("ok-1", "kidney", None, None), ("id-1", "kidney", "call 555-867-5309", None),
            ("1985-03-04", "lung", None, None), ("id-3", "bone", None, datetime.date(1985, 3, 4))]
    if kind == "parquet":
        pq.write_table(pa.table({"case_id": [r[0] for r in rows], "site": [r[1] for r in rows],
                                 "notes": [r[2] for r in rows], "tumor.size_cm": [r[3] for r in rows]}), source)
        return
    wb = openpyxl.Workbook()
    wb.active.append(["case_id", "site", "notes", "tumor.size_cm"])
    for r in rows:
        wb.active.append(list(r))
    wb.save(source)


@pytest.mark.parametrize("kind", ["parquet", "xlsx"])
def test_identifier_values_are_error_rows_never_echoed(tmp_path: Path, kind: str) -> None:
    source = tmp_path / f"in.{kind}"
    _identifier_rows(kind, source)
    proc = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"), "-q")
    assert proc.returncode == 1, proc.stderr
    text = (tmp_path / "r.errors.jsonl").read_text()
    for secret in ("555-867-5309", "1985-03-04", "1985"):
        assert secret not in text and secret.encode() not in proc.stderr + proc.stdout
    errors = [json.loads(line) for line in text.splitlines()]
    assert [(e["row"], e["reason"], e["field"]) for e in errors] == [
        (2, "identifier", "notes"), (3, "identifier", "case_id"), (4, "identifier", "tumor.size_cm")]
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 1


def test_a_damaged_row_group_is_error_rows_and_reading_goes_on(mix: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "cases.parquet"
    write_parquet_dotted(mix["src"], source, row_group=300)
    meta = pq.ParquetFile(source).metadata
    group = meta.row_group(1)
    start = min(c.dictionary_page_offset if c.has_dictionary_page else c.data_page_offset
                for c in (group.column(i) for i in range(group.num_columns)))
    data = bytearray(source.read_bytes())
    data[start:start + 4000] = os.urandom(4000)  # the second row group's pages, not the footer
    source.write_bytes(bytes(data))
    out = tmp_path / "r.jsonl"
    result = run_batch(BatchOptions(input=str(source), out=out, jobs=1))
    counts = result.summary["counts"]
    assert counts["rows_read"] == 1200 == counts["results"] + counts["errors"]
    errors = [json.loads(line) for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    damaged = [e for e in errors if e["reason"] == "unreadable"]
    assert [e["row"] for e in damaged] == list(range(301, 601))
    assert "row group 2 of cases.parquet cannot be read" in damaged[0]["message"]
    ok = [json.loads(line)["case_id"] for line in out.read_text().splitlines()]
    ref = [json.loads(line)["case_id"] for line in mix["ref"].read_text().splitlines()]
    assert ok == [c for c in ref if not 300 <= int(c.split("-")[1]) < 600]


def test_an_unreadable_cell_is_an_error_row(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"case_id": ["a-1", "a-2"], "site": ["kidney", "lung"],
                             "tumor.size_cm": pa.array([b"\x00\x01", None], type=pa.binary())}), source)
    result = run_batch(BatchOptions(input=str(source), out=tmp_path / "r.jsonl", jobs=1))
    assert result.summary["counts"] == {"rows_read": 2, "results": 1, "errors": 1}
    (error,) = [json.loads(line) for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    assert (error["row"], error["reason"], error["field"]) == (1, "unreadable", "tumor.size_cm")


# ---------------------------------------------------------------- Parquet and xlsx out

def test_parquet_output_typed_with_the_report_and_the_pack_hash(mix: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    result = run_batch(BatchOptions(input=str(mix["src"]), out=out, jobs=2, chunk_rows=77))
    assert result.summary == mix["summary"]
    f = pq.ParquetFile(out)
    assert f.metadata.metadata[b"cryoelig.pack.sha256"] == load_pack().sha256.encode()
    schema = f.schema_arrow
    assert [schema.field(n).type for n in ("documented_factor", "factors", "report")] == \
        [pa.int32(), pa.list_(pa.string()), pa.string()]
    table = f.read()
    assert table.num_rows == mix["summary"]["counts"]["results"]
    lines = mix["ref"].read_bytes().splitlines()
    assert [r.encode() for r in table.column("report").to_pylist()] == lines
    first = json.loads(lines[0])
    row = table.slice(0, 1).to_pylist()[0]
    assert row["case_id"] == first["case_id"] and row["missing"] == len(first["missing"])
    assert row["factors"] == list(dict.fromkeys(x["factor"] for x in first["findings"]))
    assert f.metadata.num_row_groups == -(-table.num_rows // 2048)


def test_xlsx_output_has_results_errors_and_summary_sheets(mix: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    run_batch(BatchOptions(input=str(mix["src"]), out=out, jobs=1))
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["results", "errors", "summary", "about"]
    results = list(wb["results"].iter_rows(values_only=True))
    ref_csv = tmp_path / "r.csv"
    run_batch(BatchOptions(input=str(mix["src"]), out=ref_csv, errors=tmp_path / "e.jsonl", jobs=1))
    with open(ref_csv, newline="") as f:
        header, *body = list(csv.reader(f))
    # counts and totals as numbers, empty cells as empty (a sheet's row ends at its last value)
    expected = [tuple(header)] + [tuple(int(c) if c.isdigit() else float(c) if n.startswith("total.") and c
                                        else (c or None) for n, c in zip(header, row, strict=True)) for row in body]
    width = len(header)
    assert [tuple(r) + (None,) * (width - len(r)) for r in results] == expected
    errors = list(wb["errors"].iter_rows(values_only=True))
    assert len(errors) - 1 == mix["summary"]["counts"]["errors"]
    assert [e[0] for e in errors[1:]] == [e["row"] for e in mix["errors"]]
    summary = {(r[0], r[1]): r[3] for r in wb["summary"].iter_rows(min_row=2, values_only=True) if r[2] is None}
    assert summary[("counts", "rows_read")] == 1200
    assert wb.properties.created.year == 1980  # fixed: the same rows give the same bytes


@pytest.mark.parametrize("suffix, extra, module", [(".parquet", "parquet", "pyarrow"), (".xlsx", "xlsx", "openpyxl")])
def test_without_the_extra_one_line_naming_it_and_exit_2(mix: dict[str, Any], tmp_path: Path, suffix: str,
                                                        extra: str, module: str) -> None:
    prelude = f"import sys; sys.modules[{module!r}] = None; "
    for args in (["batch", str(mix["src"]), "--out", str(tmp_path / f"r{suffix}")],
                 ["batch", str(tmp_path / f"in{suffix}"), "--out", str(tmp_path / "r.jsonl")]):
        (tmp_path / f"in{suffix}").write_bytes(b"x")
        proc = cli(*args, prelude=prelude)
        err = proc.stderr.decode().strip()
        assert proc.returncode == 2, err
        assert err.count("\n") == 0 and f"cryoelig[{extra}]" in err and "Traceback" not in err, err
    assert not (tmp_path / f"r{suffix}").exists()


# ---------------------------------------------------------------- kill and resume, per format

def _start_and_kill(args: list[str], state: Path, rows: int = 200) -> None:
    proc = subprocess.Popen([*CLI, *args, "--chunk-rows", "40", "--checkpoint-seconds", "0", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(state.read_text())["position"]["row"] >= rows:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"


@pytest.mark.slow
@pytest.mark.parametrize("source_kind, out_name", [("csv", "r.parquet"), ("csv", "r.xlsx"),
                                                   ("parquet", "r.jsonl"), ("xlsx", "r.csv")])
def test_killed_run_resumes_to_byte_identical_files(mix: dict[str, Any], tmp_path: Path, source_kind: str,
                                                    out_name: str) -> None:
    source = mix["src"]
    if source_kind == "parquet":
        source = tmp_path / "in.parquet"
        write_parquet_dotted(mix["src"], source, row_group=150)
    elif source_kind == "xlsx":
        source = tmp_path / "in.xlsx"
        write_xlsx(mix["src"], source)
    ref, run = tmp_path / "ref", tmp_path / "run"
    ref.mkdir()
    run.mkdir()
    done = cli("batch", str(source), "--out", str(ref / out_name), "--summary", str(ref / "s.json"), "--jobs", "1",
               "-q", "--report", "full")  # the full reports' run is the resumable one
    assert done.returncode == 1, done.stderr
    args = ["batch", str(source), "--out", str(run / out_name), "--summary", str(run / "s.json"), "--jobs", "2",
            "--report", "full"]
    _start_and_kill(args, run / f"{out_name}.partial.state")
    assert not (run / out_name).exists()
    resumed = cli(*args, "--resume")
    assert resumed.returncode == 1, resumed.stderr
    assert b"resuming after" in resumed.stderr
    for path in sorted(ref.iterdir()):
        assert (run / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in run.iterdir()) == sorted(p.name for p in ref.iterdir())


def test_workers_are_forked_only_from_a_process_without_other_threads() -> None:
    code = ("import threading\nfrom cryoelig.batch.workers import start_method\nprint(start_method())\n"
            "stop = threading.Event()\nthreading.Thread(target=stop.wait).start()\nprint(start_method())\n"
            "stop.set()\n")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60).stdout.split() == ["fork", "spawn"]
    code = "import pyarrow\nfrom cryoelig.batch.workers import start_method\nprint(start_method())\n"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60).stdout.split() == ["spawn"]  # pyarrow runs threads of its own


def test_a_parquet_input_with_jobs_2_forks_no_process_running_threads(mix: dict[str, Any], tmp_path: Path) -> None:
    """pyarrow starts threads when imported; a worker forked from such a process can hang on a lock a thread
    held (Python 3.12+ warns: shown here, where os.fork would print it)."""
    source = tmp_path / "in.parquet"
    write_parquet_dotted(mix["src"], source, row_group=150)
    ref = cli("batch", str(source), "--out", str(tmp_path / "ref.jsonl"), "--jobs", "1", "-q")
    assert ref.returncode == 1, ref.stderr
    env = {**os.environ, "PYTHONWARNINGS": "always::DeprecationWarning"}
    run = subprocess.run([*CLI, "batch", str(source), "--out", str(tmp_path / "run.jsonl"), "--jobs", "2", "-q"],
                         capture_output=True, env=env, timeout=300)
    assert run.returncode == 1, run.stderr
    assert b"multi-threaded" not in run.stderr
    for name in ("%s.jsonl", "%s.errors.jsonl"):
        assert (tmp_path / (name % "run")).read_bytes() == (tmp_path / (name % "ref")).read_bytes()


def test_cross_check_on_a_sample_gives_the_same_bytes(mix: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    result = run_batch(BatchOptions(input=str(mix["src"]), out=out, jobs=1, cross_check="sample:7"))
    _same_review(mix, out, result.summary)
    bad = cli("batch", str(mix["src"]), "--out", str(tmp_path / "x.jsonl"), "--cross-check", "some")
    assert bad.returncode == 2 and b"--cross-check takes 'all' or 'sample:N'" in bad.stderr


def test_sampled_cross_check_still_runs_the_engine_on_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryoelig.batch.workers import CrossCheck

    sample = CrossCheck.parse("sample:10")
    assert [r for r in range(1, 40) if sample.checks(r)] == [1, 11, 21, 31]
    assert all(CrossCheck.parse("all").checks(r) for r in range(1, 40))


def test_arrow_batches_in_and_out_for_spark_map_in_arrow(mix: dict[str, Any], tmp_path: Path) -> None:
    from cryoelig.batch.arrow import SPARK_TYPES, output_schema, review_arrow, spark_schema
    from cryoelig.batch.parquet_out import schema_of
    from cryoelig.errors import InputError

    source = tmp_path / "cases.parquet"
    write_parquet_structs(mix["src"], source)
    out = list(review_arrow(pq.ParquetFile(source).iter_batches(batch_size=256)))
    schema = output_schema(load_pack())
    assert all(b.schema == schema for b in out) and list(schema)[:-1] == list(schema_of(load_pack()))
    # the Spark DDL names every column of the Arrow schema with its type, in order (dotted names quoted)
    ddl = [part.rsplit(" ", 1) for part in spark_schema().split(", ")]
    assert [(name.strip("`"), kind) for name, kind in ddl] == [(f.name, SPARK_TYPES[f.type]) for f in schema]
    assert "`total.sins` bigint, `band.sins` string" in spark_schema()
    table = pa.Table.from_batches(out)
    assert table.num_rows == 1200  # one row out per row in
    reports = [r for r in table.column("report").to_pylist() if r is not None]
    assert [r.encode() for r in reports] == mix["ref"].read_bytes().splitlines()
    errors = [json.loads(e) for e in table.column("error").to_pylist() if e is not None]
    assert [(e["reason"], e["field"]) for e in errors] == [(e["reason"], e["field"]) for e in mix["errors"]]
    with pytest.raises(InputError, match="identifying column"):
        list(review_arrow([pa.record_batch({"case_id": ["a"], "site": ["lung"], "patient_name": ["x"]})]))


def test_a_cluster_run_without_the_extra_is_one_line_naming_it(mix: dict[str, Any], tmp_path: Path) -> None:
    proc = cli("batch", str(mix["src"]), "--out", str(tmp_path / "run"), "--cluster", "local:2",
               prelude="import sys; sys.modules['distributed'] = None; ")
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2 and err.count("\n") == 0 and "cryoelig[cluster]" in err, err
    assert not (tmp_path / "run").exists()
