"""The crafted corpus against the real command line: every attack keeps every promise.

One subprocess per attack (``python -m cryoelig``), run a few at a time; see harness.py for the
promises and corpus.py for the attacks (each names the "Seen" item of issue 7 it reproduces).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from corpus import Attack, attacks
from harness import Outcome, check_promises, run_cli, written_files

ATTACKS = attacks()
BEFORE = bool(os.environ.get("CRYOELIG_HOSTILE_PYTHONPATH"))
#: Runs at the same time: the runs mostly wait on their own start-up, so a few at once save wall time.
PARALLEL = 4


def build(folder: Path, attack: Attack) -> None:
    for name, content in attack.files.items():
        path = folder / name
        if content == "fifo":
            os.mkfifo(path)
        elif isinstance(content, str) and content.startswith("->"):
            path.symlink_to(content[2:])
        else:
            path.write_bytes(content.encode() if isinstance(content, str) else content)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Outcome]]:
    """Every attack run once, a few at a time; the tests then check each outcome."""
    base = tmp_path_factory.mktemp("attacks")  # in this thread: tmp_path_factory is not thread-safe

    def one(index_attack: tuple[int, Attack]) -> tuple[str, tuple[Path, Outcome]]:
        index, attack = index_attack
        folder = base / f"a{index:03d}"
        folder.mkdir()
        build(folder, attack)
        return attack.name, (folder, run_cli(attack.args, stdin=attack.stdin, stdout=attack.stdout, cwd=folder))

    todo = [(i, a) for i, a in enumerate(ATTACKS) if not (BEFORE and a.unsafe_before)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(one, todo))


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.cls}: {a.name}" for a in ATTACKS])
def test_attack(attack: Attack, outcomes: dict[str, Any]) -> None:
    if BEFORE and attack.unsafe_before:
        pytest.skip("would harm the machine on the code before the fix")
    tmp_path, outcome = outcomes[attack.name]
    outputs = {name: data for name, data in written_files(tmp_path).items() if name not in attack.files}
    check_promises(outcome, outputs=outputs, codes=attack.codes)
    for text in attack.err_has:
        assert text in outcome.err, f"{text!r} not in stderr\n{outcome.describe()}"
    for text in attack.err_lacks:
        assert text not in outcome.err, f"{text!r} in stderr\n{outcome.describe()}"
    if attack.check is not None:
        attack.check(tmp_path, outcome)
