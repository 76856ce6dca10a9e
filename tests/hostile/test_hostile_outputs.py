"""Output files and standard streams under attack: locked, regular files only, nothing replaced
that is not a regular file, existing results kept, full or closed streams one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import BOUND_SECONDS, CLOSED, check_promises, environment, run_cli

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "kidney-small.yaml"
JSONL = ROOT / "examples" / "cases.jsonl"


def _big_csv(path: Path, rows: int) -> None:
    lines = ["case_id,site,tumor.size_cm,overall_health,notes"]
    sites = ("kidney", "bone", "lung", "liver")
    lines += [f"c-{i},{sites[i % 4]},{1 + i % 9}.5,fair,row {i % 97}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")


def test_a_second_run_on_the_same_out_stops_at_once_naming_the_lock(tmp_path: Path) -> None:
    """Seen: two runs with the same --out left millions of NUL bytes under the final name and stray
    .partial.state files."""
    src = tmp_path / "in.csv"
    _big_csv(src, 6000)
    args = [sys.executable, "-m", "cryoelig", "batch", str(src), "--out", "r.jsonl", "--summary", "s.json", "-j", "1",
            "-q", "--checkpoint-seconds", "0", "--report", "full"]  # per row, checkpointed: long enough
    first = subprocess.Popen(args, cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + BOUND_SECONDS
        while not (tmp_path / "r.jsonl.partial.state").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert first.poll() is None, "the first run ended before the second could start: make it longer"
        second = run_cli(["batch", str(src), "--out", "r.jsonl", "--force", "-q"], cwd=tmp_path)
        check_promises(second, codes=(2,))
        assert second.seconds < 10 and "r.jsonl.lock" in second.err and "another cryoelig batch" in second.err
        out, err = first.communicate(timeout=BOUND_SECONDS * 4)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    data = (tmp_path / "r.jsonl").read_bytes()
    assert b"\0" not in data and data.count(b"\n") == 6000
    assert json.loads((tmp_path / "s.json").read_text())["counts"]["rows_read"] == 6000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "r.errors.jsonl", "r.jsonl", "s.json"]


def test_existing_results_are_kept_unless_force(tmp_path: Path) -> None:
    """Deliver: batch refuses to overwrite existing results unless --force or --resume."""
    first = run_cli(["batch", str(JSONL), "--out", "r.jsonl", "-q"], cwd=tmp_path)
    check_promises(first, codes=(0,))
    (tmp_path / "r.jsonl").write_text("keep me\n")
    again = run_cli(["batch", str(JSONL), "--out", "r.jsonl", "-q"], cwd=tmp_path)
    check_promises(again, codes=(2,))
    assert "already exists" in again.err and "--force" in again.err
    assert (tmp_path / "r.jsonl").read_text() == "keep me\n"
    forced = run_cli(["batch", str(JSONL), "--out", "r.jsonl", "-q", "--force"], cwd=tmp_path)
    check_promises(forced, codes=(0,))
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 14


def _special(tmp_path: Path, name: str, kind: str) -> Path:
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/null")  # a symlink to a device in tmp: the device itself is never at risk
    else:
        path.mkdir()
    return path


def _unchanged(path: Path, kind: str) -> None:
    st = os.lstat(path)
    if kind == "fifo":
        assert stat.S_ISFIFO(st.st_mode), "the FIFO was replaced"
    elif kind == "device":
        assert stat.S_ISLNK(st.st_mode) and os.readlink(path) == "/dev/null", "the link to the device was replaced"
    else:
        assert stat.S_ISDIR(st.st_mode)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
@pytest.mark.parametrize("option", ["--out", "--errors", "--summary"])
def test_batch_outputs_never_replace_a_device_fifo_or_folder(tmp_path: Path, option: str, kind: str) -> None:
    """Seen: --summary/--out/--errors renamed a regular file over a character device (/dev/full)."""
    name = {"--out": "r.jsonl", "--errors": "e.jsonl", "--summary": "s.json"}[option]
    target = _special(tmp_path, name, kind)
    args = ["batch", str(JSONL), "--out", "r.jsonl", "--force", "-q", option, name]
    if option == "--out":
        args = ["batch", str(JSONL), "--force", "-q", "--out", name]
    outcome = run_cli(args, cwd=tmp_path)
    check_promises(outcome, codes=(2,))
    assert ("is a folder" if kind == "folder" else "not a regular file") in outcome.err, outcome.err
    _unchanged(target, kind)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_report_force_never_replaces_a_device_or_fifo(tmp_path: Path, kind: str) -> None:
    target = _special(tmp_path, "page.html", kind)
    outcome = run_cli(["report", str(CASE), "--out", "page.html", "--force"], cwd=tmp_path)
    check_promises(outcome, codes=(2,))
    assert "not a regular file" in outcome.err
    _unchanged(target, kind)


def test_summarize_and_checklist_save_never_replace_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text("")
    target = _special(tmp_path, "s.json", "fifo")
    outcome = run_cli(["summarize", "r.jsonl", "--summary", "s.json"], cwd=tmp_path)
    check_promises(outcome, codes=(2,))
    _unchanged(target, "fifo")
    saved = _special(tmp_path, "case.yaml", "fifo")
    outcome = run_cli(["checklist", "--site", "kidney", "--save", "case.yaml", "--force"], cwd=tmp_path,
                      stdin=b"h-1\n" + b"\n" * 40)
    check_promises(outcome, codes=(2,))
    _unchanged(saved, "fifo")


@pytest.mark.parametrize("stream", ["full", "closed"])
def test_a_full_or_closed_stderr_still_exits_2_without_hanging(tmp_path: Path, stream: str) -> None:
    (tmp_path / "bad.yaml").write_text("case_id: x\nsite: moon\n")
    outcome = run_cli(["check", "bad.yaml"], cwd=tmp_path, stderr=stream)
    check_promises(outcome, codes=(2,))


def test_undecodable_and_closed_stdin_for_batch_and_check(tmp_path: Path) -> None:
    outcome = run_cli(["check", "-"], stdin=CLOSED, cwd=tmp_path)
    check_promises(outcome, codes=(2,))
    assert outcome.err.count("\n") == 1
