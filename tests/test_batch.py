"""Batch review: nothing lost, identifiers refused, parallel = serial, kill-and-resume = uninterrupted."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from csvmix import write_mixed_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data

from cryoelig.batch import Aggregate, BatchOptions, Position, State, run_batch, summarize_files, summary_json
from cryoelig.case.contract import case_fields
from cryoelig.wording import directive_words

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
COLUMNS = ["case_id", "site", *[c for c in case_fields() if c != "site"], "notes"]
ID_LOOKING_CASE_IDS = ["1985-03-04", "555-867-5309", "123-45-6789", "10.0.0.1", "12345678"]
SECRETS = ["jane.doe@example.org", "555-867-5309", "1985-03-04", "123-45-6789", "http://example.org/p/7"]


def cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120)


def to_row(data: dict[str, Any]) -> dict[str, str]:
    """Nested case data as a dotted CSV row (lists ';'-joined, empty list 'none')."""
    row: dict[str, str] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{prefix}{k}.")
            return
        name = prefix[:-1]
        if isinstance(value, list):
            row[name] = ";".join(value) if value else "none"
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        else:
            row[name] = str(value)

    walk(data, "")
    return row


# ---------------------------------------------------------------- generated mixes

GOOD, INVALID, IDENTIFIER, UNREADABLE = "good", "invalid", "identifier", "unreadable"


@st.composite
def mixed_rows(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    kinds = draw(st.lists(st.sampled_from([GOOD, GOOD, INVALID, IDENTIFIER, UNREADABLE]), min_size=0, max_size=18))
    rows = []
    for i, kind in enumerate(kinds):
        data = draw(case_data(case_id=f"c-{i}"))
        if kind == INVALID:
            bad = draw(st.sampled_from(["site", "size", "pain", "health"]))
            if bad == "site":
                data["site"] = "mars"
            elif bad == "size":
                data.setdefault("tumor", {})["size_cm"] = -2
            elif bad == "pain":
                data.setdefault("symptoms", {})["pain_score"] = 11
            else:
                data["overall_health"] = "excellent"
        elif kind == IDENTIFIER:
            secret = draw(st.sampled_from(SECRETS))
            if draw(st.booleans()):
                data["notes"] = f"seen by {secret} last week"
            else:
                data["case_id"] = draw(st.sampled_from(ID_LOOKING_CASE_IDS))
        rows.append((kind, data))
    return rows


def write_csv_mix(path: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for kind, data in rows:
        flat = to_row(data)
        cells = [flat.get(c, "") for c in COLUMNS]
        if kind == UNREADABLE:
            cells = cells[:-3]  # a row with missing cells
        w.writerow(cells)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_jsonl_mix(path: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    lines = []
    for kind, data in rows:
        text = json.dumps(data)
        lines.append(text[:-3] if kind == UNREADABLE else text)
        lines.append("")  # blank lines are not rows
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def check_identity(tmp: Path, rows: list[tuple[str, dict[str, Any]]], source: Path) -> None:
    out = tmp / "out.jsonl"
    result = run_batch(BatchOptions(input=str(source), out=out, summary=tmp / "s.json", jobs=1, chunk_rows=4))
    counts = result.summary["counts"]
    results = out.read_text().splitlines()
    errors = [json.loads(line) for line in (tmp / "out.errors.jsonl").read_text().splitlines()]
    # Nothing lost: every row read gave exactly one result or one error, in input order.
    assert counts["rows_read"] == len(rows) == counts["results"] + counts["errors"]
    assert (len(results), len(errors)) == (counts["results"], counts["errors"])
    good = [i + 1 for i, (kind, _) in enumerate(rows) if kind == GOOD]
    assert [json.loads(r)["case_id"] for r in results] == [rows[i - 1][1]["case_id"] for i in good]
    assert [e["row"] for e in errors] == [i + 1 for i, (kind, _) in enumerate(rows) if kind != GOOD]
    for e in errors:
        kind = rows[e["row"] - 1][0]
        assert e["reason"] == kind, e
        assert e["field"] or kind == UNREADABLE
    error_text = (tmp / "out.errors.jsonl").read_text()
    for secret in [*SECRETS, *ID_LOOKING_CASE_IDS]:
        assert secret not in error_text
    assert result.exit_code == (1 if errors else 0)
    assert result.summary["about"]["pack"]["sha256"]  # the notice and the pack, as every output carries them
    summarized = summarize_files(str(out), str(tmp / "out.errors.jsonl"))
    if not results:  # no result line names the pack: the summary recomputed from the files cannot say it
        summarized["about"] = result.summary["about"]
    assert summarized == result.summary


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=mixed_rows())
def test_count_identity_csv(tmp_path: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    case = tmp_path / f"csv-{os.urandom(4).hex()}"
    case.mkdir()
    write_csv_mix(case / "in.csv", rows)
    check_identity(case, rows, case / "in.csv")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=mixed_rows())
def test_count_identity_jsonl(tmp_path: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    case = tmp_path / f"jsonl-{os.urandom(4).hex()}"
    case.mkdir()
    write_jsonl_mix(case / "in.jsonl", rows)
    check_identity(case, rows, case / "in.jsonl")


# ---------------------------------------------------------------- identifiers

def test_identifier_rows_go_to_errors_without_the_value(tmp_path: Path) -> None:
    lines = [
        {"case_id": "ok-1", "site": "kidney", "tumor": {"size_cm": 2}},
        {"case_id": "id-1", "site": "kidney", "notes": "call 555-867-5309"},
        {"case_id": "1985-03-04", "site": "lung"},
        {"case_id": "id-3", "site": "bone", "mrn": "A7731"},
        {"case_id": "id-4", "site": "bone", "tumor": {"jane.doe@example.org": 1}},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in lines))
    proc = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--quiet")
    assert proc.returncode == 1, proc.stderr
    text = (tmp_path / "r.errors.jsonl").read_text()
    for secret in ("555-867-5309", "1985-03-04", "A7731", "jane.doe@example.org", "example.org"):
        assert secret not in text
    errors = [json.loads(line) for line in text.splitlines()]
    assert [(e["row"], e["reason"], e["field"], e["case_id"]) for e in errors] == [
        (2, "identifier", "notes", "id-1"),
        (3, "identifier", "case_id", None),
        (4, "identifier", "mrn", "id-3"),
        (5, "identifier", errors[3]["field"], "id-4"),
    ]
    assert errors[3]["field"] == "tumor.#1"  # a field name the schema does not know is shown by position
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 1


def test_identifying_header_refuses_the_whole_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("case_id,site,patient_name,tumor.size_cm,MRN\nk-1,kidney,Jane Doe,2,123\n")
    proc = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "patient_name" in err and "MRN" in err and "Traceback" not in err
    assert "Jane Doe" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output of any kind


def test_unreadable_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for args in (["nope.csv"], ["in.txt"], [str(tmp_path)], ["in.csv", "--out", "r.txt"]):
        (tmp_path / "in.txt").write_text("x")
        (tmp_path / "in.csv").write_text("")
        full = [*args, "--out", "r.jsonl"] if "--out" not in args else args
        proc = cli("batch", *full, cwd=tmp_path)
        err = proc.stderr.decode()
        if args == [str(tmp_path)]:  # a folder with no case files is not an error: 0 rows
            assert proc.returncode == 0, err
            continue
        assert proc.returncode == 2, (args, err)
        assert "Traceback" not in err and err.startswith("cryoelig: error:"), err


# ---------------------------------------------------------------- inputs and outputs

def test_folder_input_with_csv_output_and_summary(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in ("kidney-small.yaml", "bone-repeat.yaml", "skin-bcc.yaml"):
        (folder / name).write_text((ROOT / "examples" / name).read_text())
    (folder / "b-broken.json").write_text("{not json")
    (folder / "readme.txt").write_text("ignored: not a case file")
    proc = cli("batch", str(folder), "--out", str(tmp_path / "r.csv"), "--summary", str(tmp_path / "s.json"), "-q",
               "--report", "full")
    assert proc.returncode == 1, proc.stderr
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [r["site"] for r in rows] == ["bone", "kidney", "skin"]  # sorted by file name, broken one left out
    assert list(rows[0])[:8] == ["case_id", "site", "documented_factor", "caution", "background", "missing",
                                 "factors", "missing_fields"]
    assert list(rows[0])[8:12] == ["total.ecog", "total.kps", "total.mirels", "band.mirels"]  # then each scale's
    for r in rows:
        assert int(r["documented_factor"]) + int(r["caution"]) + int(r["background"]) >= \
            len(set(r["factors"].split(";")))
    (error,) = [json.loads(line) for line in (tmp_path / "r.csv.errors.jsonl").read_text().splitlines()]
    assert (error["row"], error["reason"]) == (1, "unreadable")
    assert error["file"].endswith("b-broken.json")
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["counts"] == {"rows_read": 4, "results": 3, "errors": 1}


def test_stdin_jsonl_equals_file_input(tmp_path: Path) -> None:
    src = ROOT / "examples" / "cases.jsonl"
    a = cli("batch", "-", "--out", str(tmp_path / "a.jsonl"), "-q", "--report", "full", stdin=src.read_bytes())
    b = cli("batch", str(src), "--out", str(tmp_path / "b.jsonl"), "-q", "--report", "full")
    assert a.returncode == b.returncode == 0, a.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_text().count("\n") == 14
    first = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
    check = cli("check", "examples/kidney-small.yaml", "--format", "json", cwd=ROOT)
    assert set(first) == set(json.loads(check.stdout))  # the same Report model as check --format json


def test_csv_and_jsonl_inputs_agree(tmp_path: Path) -> None:
    a = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "a.jsonl"), "-q")
    b = cli("batch", str(ROOT / "examples" / "cases.jsonl"), "--out", str(tmp_path / "b.jsonl"), "-q")
    assert a.returncode == b.returncode == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_summarize_equals_the_batch_summary_and_output_wording(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text((ROOT / "examples" / "cases.jsonl").read_text() + '{"case_id": "x", "site": "moon"}\n')
    run = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--summary", str(tmp_path / "s.json"))
    assert run.returncode == 1
    again = cli("summarize", str(tmp_path / "r.jsonl"), "--errors", str(tmp_path / "r.errors.jsonl"), "--json")
    assert again.returncode == 0, again.stderr
    assert again.stdout == (tmp_path / "s.json").read_bytes()
    table = cli("summarize", str(tmp_path / "r.jsonl"), "--errors", str(tmp_path / "r.errors.jsonl"))
    assert b"15 rows read: 14 results, 1 errors" in table.stdout
    for text in (run.stdout, run.stderr, table.stdout, (tmp_path / "r.errors.jsonl").read_bytes()):
        assert directive_words(text.decode()) == []


# ---------------------------------------------------------------- parallel, interrupt, resume

@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """3,000 generated rows and the outputs of one uninterrupted --jobs 1 run."""
    tmp = tmp_path_factory.mktemp("big")
    src = tmp / "cases.jsonl"  # read row by row with checkpoints (a CSV's compact lines are built column-wise)
    write_mixed_jsonl(src, 3000, seed=11)
    ref = tmp / "ref"
    ref.mkdir()
    proc = cli("batch", str(src), "--out", str(ref / "r.jsonl"), "--summary", str(ref / "s.json"), "--jobs", "1",
               "-q")
    assert proc.returncode == 1, proc.stderr  # the generated mix has some invalid and identifying rows
    # a .jsonl is compact (issue 24): the runs below kill, resume and split compact runs, words file and all
    return {"src": src, "ref": ref, "files": ("r.jsonl", "r.errors.jsonl", "s.json", "r.jsonl.words.json")}


def _same_as_reference(big: dict[str, Any], folder: Path) -> None:
    for name in big["files"]:
        assert (folder / name).read_bytes() == (big["ref"] / name).read_bytes(), name
    assert sorted(p.name for p in folder.iterdir()) == sorted(big["files"])  # no partial or state left


def test_jobs_2_is_byte_identical_to_jobs_1(big: dict[str, Any], tmp_path: Path) -> None:
    proc = cli("batch", str(big["src"]), "--out", str(tmp_path / "r.jsonl"), "--summary", str(tmp_path / "s.json"),
               "--jobs", "2", "--chunk-rows", "37", "-q")
    assert proc.returncode == 1, proc.stderr
    _same_as_reference(big, tmp_path)
    summary = json.loads((tmp_path / "s.json").read_text())["counts"]
    assert summary["rows_read"] == 3000 == summary["results"] + summary["errors"]


def _start_and_stop(big: dict[str, Any], folder: Path, sig: int) -> subprocess.Popen[bytes]:
    args = [*CLI, "batch", str(big["src"]), "--out", str(folder / "r.jsonl"), "--summary", str(folder / "s.json"),
            "--jobs", "2", "--chunk-rows", "50", "--checkpoint-seconds", "0", "-q"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    state = folder / "r.jsonl.partial.state"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(state.read_text())["position"]["row"] >= 200:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.005)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    return proc


def test_killed_run_resumes_to_identical_output(big: dict[str, Any], tmp_path: Path) -> None:
    proc = _start_and_stop(big, tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "r.jsonl").exists() and not (tmp_path / "r.errors.jsonl").exists()
    assert (tmp_path / "r.jsonl.partial").stat().st_size > 0
    done = json.loads((tmp_path / "r.jsonl.partial.state").read_text())["position"]["row"]
    assert 200 <= done < 3000
    resumed = cli("batch", str(big["src"]), "--out", str(tmp_path / "r.jsonl"), "--summary",
                  str(tmp_path / "s.json"), "--jobs", "2", "--resume")
    assert resumed.returncode == 1, resumed.stderr
    assert f"resuming after {done} rows" in resumed.stderr.decode()
    _same_as_reference(big, tmp_path)


def test_ctrl_c_stops_cleanly_and_resumes(big: dict[str, Any], tmp_path: Path) -> None:
    proc = _start_and_stop(big, tmp_path, signal.SIGINT)
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    assert proc.returncode == 130, err
    assert "run the same command with --resume to finish" in err and "Traceback" not in err
    assert not (tmp_path / "r.jsonl").exists()  # no final file from an interrupted run
    resumed = cli("batch", str(big["src"]), "--out", str(tmp_path / "r.jsonl"), "--summary",
                  str(tmp_path / "s.json"), "--jobs", "1", "--resume", "-q")
    assert resumed.returncode == 1, resumed.stderr
    _same_as_reference(big, tmp_path)


def test_resume_refuses_a_changed_input_and_a_fresh_run_discards(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text((ROOT / "examples" / "cases.jsonl").read_text())
    out = tmp_path / "r.jsonl"
    (tmp_path / "r.jsonl.partial").write_text("half a line")
    (tmp_path / "r.errors.jsonl.partial").write_text("")
    empty = hashlib.sha256().hexdigest()
    state = State({"input": "something else"}, Position(), 0, 0, Aggregate(), {"input": None, "out": empty,
                                                                                 "errors": empty}, [[0, 0]])
    (tmp_path / "r.jsonl.partial.state").write_bytes(state.to_json())
    refused = cli("batch", str(src), "--out", str(out), "--resume", "-q")
    assert refused.returncode == 2 and b"cannot resume: " in refused.stderr and b"input" in refused.stderr
    assert (tmp_path / "r.jsonl.partial").read_text() == "half a line"  # a refused resume touches nothing
    fresh = cli("batch", str(src), "--out", str(out))  # the note is not an error: --quiet would hide it
    assert fresh.returncode == 0 and b"discarding the unfinished output" in fresh.stderr
    assert out.read_text().count("\n") == 14
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "r.errors.jsonl", "r.jsonl", "r.jsonl.words.json"]


def test_summary_json_is_deterministic() -> None:
    a = {"counts": {"rows_read": 1, "results": 1, "errors": 0}, "sites": {"b": 1, "a": 2}}
    assert summary_json(a) == summary_json(dict(reversed(list(a.items()))))


def test_a_temporary_file_left_by_a_killed_run_is_removed_when_the_run_finishes(tmp_path: Path) -> None:
    """Seen in the kill-and-resume test: a SIGKILL while the checkpoint was being written left
    `.r.jsonl.partial.state.<pid>.<n>.tmp` beside the finished files."""
    left = [tmp_path / ".r.jsonl.partial.state.4242.5.tmp", tmp_path / ".s.json.4242.0.tmp"]
    kept = [tmp_path / ".r.jsonl.partial.state.x.tmp", tmp_path / "notes.txt"]
    for path in left + kept:
        path.write_text("{")
    run = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "r.jsonl"),
              "--summary", str(tmp_path / "s.json"), "-q")
    assert run.returncode == 0, run.stderr
    assert not any(path.exists() for path in left)
    assert all(path.exists() for path in kept)  # only the writer's own pattern is removed
