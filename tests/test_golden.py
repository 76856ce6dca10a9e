"""Every output is byte for byte what the code printed before the one-evaluation refactor.

The stored outputs and digests in tests/golden/ were produced by the pre-refactor code (commit
817fa05) with tests/golden/regenerate.py; this test runs the same producers on the current code.
When an output change is intended, regenerate and review the diff (see regenerate.py).
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import regenerate as golden  # noqa: E402


def _first_difference(name: str, expected: str, got: str) -> str:
    diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), f"golden/{name}", "now", lineterm="", n=1)
    return "\n".join(list(diff)[:30])


def test_every_view_of_every_example_and_scenario_is_unchanged():
    produced = dict(golden.outputs())
    stored = {p.relative_to(golden.OUTPUTS).as_posix() for p in golden.OUTPUTS.rglob("*") if p.is_file()}
    assert set(produced) == stored, (sorted(stored - set(produced))[:5], sorted(set(produced) - stored)[:5])
    changed = [name for name, text in produced.items()
               if (golden.OUTPUTS / name).read_text(encoding="utf-8") != text]
    if changed:
        first = changed[0]
        pytest.fail(f"{len(changed)} outputs changed, e.g.:\n"
                    + _first_difference(first, (golden.OUTPUTS / first).read_text(encoding="utf-8"),
                                        produced[first]) + f"\nall: {changed[:20]}")


def test_ten_thousand_generated_reports_are_unchanged():
    stored = golden.DIGESTS.read_text(encoding="utf-8").splitlines()
    assert len(stored) == golden.GENERATED // golden.BLOCK + golden.EXPLAINED // golden.BLOCK
    now = golden.digest_lines()
    changed = [(a, b) for a, b in zip(stored, now, strict=True) if a != b]
    assert not changed, f"{len(changed)} blocks of generated cases changed, first: {changed[0]}"


def test_the_generator_is_deterministic_and_varied():
    first = list(golden.generated_case_data(300))
    assert first == list(golden.generated_case_data(300))
    assert {d["site"] for d in first} == set(golden.SITES)
    sizes = [len(d) for d in first]
    assert min(sizes) <= 3 and max(sizes) >= 9
