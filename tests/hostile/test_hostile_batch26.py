"""The second round's attacks on ``batch`` (corpus_batch26.py) against the real command line: every
attack keeps every promise of harness.py, and shows what its own entry asks (exit code, message,
files untouched, counts). ``CRYOELIG_HOSTILE_PYTHONPATH=<tree>`` runs them on another tree."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from corpus import Attack
from corpus_batch26 import attacks
from harness import Outcome, check_promises, run_cli, written_files

pytest.importorskip("openpyxl")
pytest.importorskip("pyarrow")

ATTACKS = attacks()
PARALLEL = 3


def build(folder: Path, attack: Attack) -> None:
    """The attack's files: content, a FIFO, a symbolic link (``->``), a hard link (``=>``, made last) or
    a function that writes the file."""
    later = []
    for name, content in attack.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif content == "fifo":
            os.mkfifo(path)
        elif isinstance(content, str) and content.startswith("->"):
            path.symlink_to(content[2:])
        elif isinstance(content, str) and content.startswith("=>"):
            later.append((path, folder / content[2:]))
        else:
            path.write_bytes(content.encode() if isinstance(content, str) else content)
    for path, target in later:
        os.link(target, path)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Outcome]]:
    base = tmp_path_factory.mktemp("attacks26")

    def one(index_attack: tuple[int, Attack]) -> tuple[str, tuple[Path, Outcome]]:
        index, attack = index_attack
        folder = base / f"a{index:03d}"
        folder.mkdir()
        build(folder, attack)
        return attack.name, (folder, run_cli(attack.args, stdin=attack.stdin, stdout=attack.stdout, cwd=folder))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(one, enumerate(ATTACKS)))


def test_attack_names_are_distinct() -> None:
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.cls}: {a.name}" for a in ATTACKS])
def test_attack(attack: Attack, outcomes: dict[str, Any]) -> None:
    folder, outcome = outcomes[attack.name]
    outputs = {name: data for name, data in written_files(folder).items() if name not in attack.files}
    check_promises(outcome, outputs=outputs, codes=attack.codes)
    for text in attack.err_has:
        assert text in outcome.err, f"{text!r} not in stderr\n{outcome.describe()}"
    assert outcome.code != 2 or outcome.err.count("\n") <= 2, outcome.describe()  # one line (and a note)
    if attack.check is not None:
        attack.check(folder, outcome)
