"""Issue 24, deliverable 6: ``batch --ignore-column NAME``. Exact names, repeatable; dropped before validation in
every tabular format (CSV, Parquet, xlsx) and on both paths (per row, and column-wise for the analysis table); an
identifying-looking column still refuses the input; a name not in the header is a one-line refusal; the run's
fingerprint holds the names."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from csvmix import write_mixed_csv
from typer.testing import CliRunner

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

from cryoelig.batch import BatchOptions  # noqa: E402
from cryoelig.batch.checkpoint import fingerprint  # noqa: E402
from cryoelig.cli import app  # noqa: E402
from cryoelig.inputs import open_source  # noqa: E402

CLI = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
ROWS = 400


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], capture_output=True, timeout=300)


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _with_column(header: list[str], rows: list[list[str]], name: str, at: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(5)
    return header[:at] + [name] + header[at:], [r[:at] + [str(rng.randint(18, 95))] + r[at:] for r in rows]


def _write(kind: str, header: list[str], rows: list[list[str]], target: Path) -> Path:
    if kind == "csv":
        target.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    elif kind == "parquet":
        pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), target, row_group_size=150)
    else:
        wb = openpyxl.Workbook()
        for row in [header, *rows]:
            wb.active.append([v if v != "" else None for v in row])
        wb.save(target)
    return target


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The generated cases, and the same with an extra ``age`` column in the middle of the header."""
    tmp = tmp_path_factory.mktemp("ignore")
    src = tmp / "cases.csv"
    write_mixed_csv(src, ROWS, seed=24)
    header, rows = _rows(src)
    assert all(len(r) == len(header) for r in rows) and '"' not in src.read_text()  # the fast CSV path applies
    return {"tmp": tmp, "plain": (header, rows), "aged": _with_column(header, rows, "age", 3)}


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx"])
@pytest.mark.parametrize("out", ["results.jsonl", "results.parquet"])
def test_an_extra_age_column_is_refused_without_the_option_and_dropped_with_it(export, tmp_path, kind, out) -> None:
    """.jsonl: the per-row path (a full report per row); .parquet: the analysis table (column-wise)."""
    plain = _write(kind, *export["plain"], tmp_path / f"plain.{kind}")
    aged = _write(kind, *export["aged"], tmp_path / f"aged.{kind}")
    refused = cli("batch", str(aged), "--out", str(tmp_path / f"refused-{out}"))
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr
    assert b"unknown column #4 (not shown)" in refused.stderr and b"--ignore-column NAME" in refused.stderr
    ref = cli("batch", str(plain), "--out", str(tmp_path / f"ref-{out}"), "--quiet")
    got = cli("batch", str(aged), "--out", str(tmp_path / out), "--ignore-column", "age", "--quiet")
    assert ref.returncode == got.returncode == 1, got.stderr  # the mix has error rows
    if out.endswith(".jsonl"):
        assert (tmp_path / out).read_bytes() == (tmp_path / f"ref-{out}").read_bytes()
    else:
        assert pq.read_table(tmp_path / out).equals(pq.read_table(tmp_path / f"ref-{out}"))
    errors = (tmp_path / out).with_name(Path(out).stem + (".errors.jsonl" if out.endswith(".jsonl") else
                                                          ".parquet.errors.jsonl"))
    reference = errors.with_name("ref-" + errors.name)
    assert errors.read_bytes().replace(b"aged.", b"plain.") == reference.read_bytes()


def test_a_schema_column_can_be_dropped_and_the_result_is_the_file_without_it(export, tmp_path) -> None:
    header, rows = export["plain"]
    at = header.index("tumor.size_cm")
    without = ([c for c in header if c != "tumor.size_cm"], [r[:at] + r[at + 1:] for r in rows])
    full = _write("csv", header, rows, tmp_path / "full.csv")
    cut = _write("csv", *without, tmp_path / "cut.csv")
    for name, extra in (("a.parquet", ["--ignore-column", "tumor.size_cm"]), ("b.parquet", [])):
        source = full if extra else cut
        assert cli("batch", str(source), "--out", str(tmp_path / name), "--quiet", *extra).returncode == 1
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx"])
def test_an_identifying_column_is_refused_even_when_named(export, tmp_path, kind) -> None:
    header, rows = _with_column(*export["plain"], "patient_name", 2)
    source = _write(kind, header, rows, tmp_path / f"named.{kind}")
    result = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"), "--ignore-column", "patient_name")
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "identifying column(s) refused" in lines[0]
    assert "--ignore-column never drops a column whose name looks identifying" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx"])
def test_a_name_not_in_the_header_is_one_line_never_echoed(export, tmp_path, kind) -> None:
    source = _write(kind, *export["aged"], tmp_path / f"aged.{kind}")
    result = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"), "--ignore-column", "age",
                 "--ignore-column", "Jane Doe")
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "--ignore-column #2 names no column of the header" in lines[0] and "Jane" not in lines[0]
    assert "Traceback" not in lines[0]


def test_names_are_exact_never_patterns(export, tmp_path) -> None:
    source = _write("csv", *export["aged"], tmp_path / "aged.csv")
    for wrong in ("AGE", "ag*", " age", "a.e"):
        result = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"), "--ignore-column", wrong)
        assert result.returncode == 2 and b"--ignore-column #1 names no column" in result.stderr, wrong


def test_inputs_without_named_columns_refuse_the_option(tmp_path) -> None:
    source = tmp_path / "cases.jsonl"
    source.write_text('{"case_id": "c1", "site": "kidney"}\n')
    result = cli("batch", str(source), "--out", str(tmp_path / "r.jsonl"), "--ignore-column", "age")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert b"--ignore-column applies to inputs of named columns" in result.stderr


def test_the_run_fingerprint_holds_the_ignored_names(export, tmp_path) -> None:
    """A resume with other --ignore-column names is refused as a changed run (checkpoint.resume_state)."""
    source = _write("csv", *export["aged"], tmp_path / "aged.csv")
    out = tmp_path / "r.jsonl"
    prints = []
    for ignore in (("age",), ("age", "notes")):
        opts = BatchOptions(input=str(source), out=out, ignore_columns=ignore)
        with open_source(str(source), ignore=ignore) as opened:
            prints.append(fingerprint(opts, opened, "jsonl", out, opts.errors_path, "0" * 64))
    assert prints[0]["ignore_columns"] == ["age"] and prints[1]["ignore_columns"] == ["age", "notes"]
    assert {k for k in prints[0] if prints[0][k] != prints[1][k]} == {"ignore_columns"}


def test_the_help_says_exact_names_and_identifying_columns_still_refuse() -> None:
    shown = " ".join(CliRunner().invoke(app, ["batch", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "--ignore-column" in shown and "exact name, never a pattern" in shown
    assert "looks identifying refuses the input even when named here" in shown
