"""Checkpoints under attack (issue 26): a resume trusts nothing it did not check.

One real run is interrupted (SIGINT after 1,000 of 6,000 rows, a checkpoint after every chunk); each
test copies its files, changes one thing as an attacker would (recomputing the state's own digest
when it has one, as a careful forger would, and also not), and resumes through the command line.
Every refusal is one line, exit code 2, no traceback, and nothing written; ``--force`` then starts
afresh. ``CRYOELIG_HOSTILE_PYTHONPATH=<tree>`` runs them on another tree (see harness.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import BOUND_SECONDS, check_promises, environment, run_cli

ROWS = 6000
STATE = "r.jsonl.partial.state"
#: the full report: a CSV's compact lines are built column-wise, without checkpoints (docs/compact-report.md)
RESUME = ["batch", "in.csv", "--out", "r.jsonl", "--summary", "s.json", "--jobs", "1", "-q", "--report", "full",
          "--resume"]


def _write_input(path: Path) -> None:
    sites = ("kidney", "bone", "lung", "liver")
    lines = ["case_id,site,tumor.size_cm,overall_health,notes"]
    lines += [f"c-{i},{sites[i % 4]},{1 + i % 9}.5,fair,row {i % 97}" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the input and the files of a run stopped by SIGINT after >= 1,000 rows."""
    folder = tmp_path_factory.mktemp("interrupted")
    _write_input(folder / "in.csv")
    args = [sys.executable, "-m", "cryoelig", *RESUME[:-1], "--chunk-rows", "100", "--checkpoint-seconds", "0"]
    proc = subprocess.Popen(args, cwd=folder, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + BOUND_SECONDS * 2
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if json.loads((folder / STATE).read_text())["position"]["row"] >= 1000:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=BOUND_SECONDS)
    assert proc.returncode == 130, err
    return folder


def _copy(interrupted: Path, tmp_path: Path) -> Path:
    """The interrupted run's files in ``tmp_path``, its checkpoint moved with them (the paths it names)."""
    for path in interrupted.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    _tamper(tmp_path, lambda state: None, True, moved_from=interrupted)
    return tmp_path


def _tamper(folder: Path, change: Callable[[dict[str, Any]], None], redigest: bool, moved_from: Path | None = None
            ) -> None:
    """Change the state; with ``redigest``, recompute its own digest (sha256 of the rest, sorted keys)."""
    text = (folder / STATE).read_text()
    if moved_from is not None:
        text = text.replace(json.dumps(str(moved_from))[1:-1], json.dumps(str(folder))[1:-1])
    state = json.loads(text)
    change(state)
    if "digest" in state and redigest:
        body = {k: v for k, v in state.items() if k != "digest"}
        state["digest"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    (folder / STATE).write_text(json.dumps(state))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _refused_twice_then_force(folder: Path) -> None:
    """A refused resume writes nothing, says so in one line, and says it again; --force starts afresh."""
    before = _files(folder)
    for _ in range(2):
        outcome = run_cli(RESUME, cwd=folder)
        check_promises(outcome, codes=(2,))
        assert "cannot resume" in outcome.err and "--force" in outcome.err, outcome.describe()
        assert outcome.err.count("error:") == 1, outcome.describe()
        assert _files(folder) == before, "a refused resume changed a file"
    fresh = run_cli([*RESUME[:-1], "--force"], cwd=folder)
    check_promises(fresh, codes=(0,))
    assert json.loads((folder / "s.json").read_text())["counts"] == {"rows_read": ROWS, "results": ROWS, "errors": 0}
    assert (folder / "r.jsonl").read_bytes().count(b"\n") == ROWS


def _past_the_end(state: dict[str, Any]) -> None:
    state["position"]["offset"] += 10 ** 7


def _further_on(state: dict[str, Any]) -> None:
    state["position"]["offset"] *= 3  # still inside the input: rows skipped, not past its end


def _negative_rows(state: dict[str, Any]) -> None:
    state["aggregate"]["counts"]["rows_read"] = -5


def _null_aggregate(state: dict[str, Any]) -> None:
    state["aggregate"] = None


def _garbage_aggregate(state: dict[str, Any]) -> None:
    state["aggregate"] = {"counts": "garbage", "sites": [1, 2]}


def _counts_that_do_not_add_up(state: dict[str, Any]) -> None:
    state["aggregate"]["counts"]["results"] += 7
    state["aggregate"]["counts"]["rows_read"] += 7
    state["position"]["row"] += 7


def _chunks_resplit(state: dict[str, Any]) -> None:
    """The same totals cut elsewhere: the offsets add up, the chain of the chunks' digests does not."""
    chunks = state["chunks"]
    chunks[1][0] += 1
    chunks[2][0] -= 1


def _chunks_that_do_not_add_up(state: dict[str, Any]) -> None:
    state["chunks"].append([5, 0])


CHANGES = {"position.offset past the input's end": _past_the_end,
           "position.offset further on in the input": _further_on, "a negative row count": _negative_rows,
           "a null aggregate": _null_aggregate, "a garbage aggregate": _garbage_aggregate,
           "counts that the partial files do not hold": _counts_that_do_not_add_up,
           "chunk sizes cut elsewhere": _chunks_resplit, "chunks beyond the offsets": _chunks_that_do_not_add_up}


@pytest.mark.parametrize("redigest", [True, False], ids=["digest recomputed", "digest kept"])
@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_changed_checkpoint_is_refused_in_one_line(interrupted: Path, tmp_path: Path, change: str,
                                                      redigest: bool) -> None:
    """Seen: with position.offset past the end the resume finished "18500 rows read: 18500 results", exit
    0, 41,500 rows missing; a negative row count or a garbage or null aggregate ended in an
    AssertionError traceback on every later --resume."""
    folder = _copy(interrupted, tmp_path)
    _tamper(folder, CHANGES[change], redigest)
    _refused_twice_then_force(folder)


def test_a_changed_partial_file_is_refused(interrupted: Path, tmp_path: Path) -> None:
    """The partial results up to the checkpoint are what the run wrote, byte for byte."""
    folder = _copy(interrupted, tmp_path)
    data = bytearray((folder / "r.jsonl.partial").read_bytes())
    data[100] ^= 1
    (folder / "r.jsonl.partial").write_bytes(bytes(data))
    _refused_twice_then_force(folder)


def test_an_input_changed_where_it_was_read_is_refused(interrupted: Path, tmp_path: Path) -> None:
    """Same size, same modification time, one row changed before the checkpoint's position: the
    fingerprint cannot see it, the digest of the input consumed does."""
    folder = _copy(interrupted, tmp_path)
    source = folder / "in.csv"
    st = source.stat()
    data = source.read_bytes()
    assert b"\nc-10,lung," in data
    source.write_bytes(data.replace(b"\nc-10,lung,", b"\nc-10,bone,", 1))
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    _refused_twice_then_force(folder)


def test_an_honest_checkpoint_resumes_to_the_whole_output(interrupted: Path, tmp_path: Path) -> None:
    folder = _copy(interrupted, tmp_path)
    outcome = run_cli(RESUME, cwd=folder)
    check_promises(outcome, codes=(0,))
    assert json.loads((folder / "s.json").read_text())["counts"]["rows_read"] == ROWS
    lines = (folder / "r.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["case_id"] for line in lines] == [f"c-{i}" for i in range(ROWS)]
