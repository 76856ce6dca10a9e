"""Every output is byte for byte what is stored in tests/golden/, and the stored form loses nothing.

The goldens are what the code printed when they were last regenerated with
tests/golden/regenerate.py (``git log -- tests/golden`` says when and why); tests/golden/README.md
gives the layout. Each output's sha256 is compared (``outputs.sha256``), and the outputs stored in
full (``outputs/``) and the reasoning per rule (``reasoning/``) are compared as text, so that a
failure shows the difference. When an output change is intended, regenerate and review the diff.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import reasoning_form  # noqa: E402
import regenerate as golden  # noqa: E402

HOW = "if the change is intended: python tests/golden/regenerate.py, then review `git diff tests/golden`"


def _difference(name: str, expected: str, got: str) -> str:
    diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), f"golden/{name}", "now", lineterm="", n=1)
    return "\n".join(list(diff)[:40])


@functools.cache
def _reasoning() -> tuple[list[tuple[str, dict]], dict[str, str]]:
    """Every case's explanation, and {file name under reasoning/: its text}, produced now (once a process:
    no module-scoped fixture, so that the tests of this module can run on different workers)."""
    explains = golden.explanations()
    return explains, dict(golden.reasoning_files(explains))


@pytest.mark.parametrize("group", golden.groups())
def test_every_output_is_unchanged(group: str) -> None:
    """One group of outputs (a case's views, batch, rules, commands): each one's sha256 is the stored
    one, and the ones stored in full are the same text (shown as a diff when not)."""
    stored = {name: digest for name, digest in golden.stored_digests().items() if golden.group_of(name) == group}
    produced = dict(golden.outputs(group))
    assert list(produced) == list(stored), (sorted(set(stored) ^ set(produced))[:10], HOW)
    changed = [name for name, text in produced.items() if golden.sha256(text) != stored[name]
               or golden.READABLE.fullmatch(name) and (golden.OUTPUTS / name).read_text(encoding="utf-8") != text]
    shown = [name for name in changed if golden.READABLE.fullmatch(name)]
    diff = _difference(shown[0], (golden.OUTPUTS / shown[0]).read_text(encoding="utf-8"), produced[shown[0]]) \
        if shown else "(none of them is stored in full: `regenerate.py --all DIR` writes them, to diff)"
    assert not changed, f"{len(changed)} outputs changed: {changed[:20]}\n{diff}\n{HOW}"


def test_the_outputs_stored_in_full_are_the_readable_ones() -> None:
    digests = golden.stored_digests()
    assert len(digests) == len(golden.OUTPUT_DIGESTS.read_text(encoding="utf-8").splitlines())  # no name twice
    assert {golden.group_of(name) for name in digests} == set(golden.groups())
    in_full = {p.relative_to(golden.OUTPUTS).as_posix() for p in golden.OUTPUTS.rglob("*") if p.is_file()}
    assert in_full == {name for name in digests if golden.READABLE.fullmatch(name)}
    for name in sorted(in_full):  # the text stored is the text digested
        assert golden.sha256((golden.OUTPUTS / name).read_text(encoding="utf-8")) == digests[name], name
    assert any(name.endswith("/report.md") for name in in_full) and len(in_full) < len(digests) / 3


def test_the_reasoning_of_every_rule_is_unchanged() -> None:
    produced = _reasoning()[1]
    stored = {p.name: p.read_text(encoding="utf-8") for p in golden.REASONING.iterdir()}
    assert set(produced) == set(stored), (sorted(set(stored) ^ set(produced)), HOW)
    changed = [name for name in produced if produced[name] != stored[name]]
    first = changed[0] if changed else ""
    assert not changed, (f"the reasoning changed for {changed[:20]}:\n"
                         + _difference(f"reasoning/{first}", stored[first], produced[first]) + f"\n{HOW}")


def test_the_reasoning_form_keeps_all_of_explain_json_but_the_report_and_file_and_line() -> None:
    """Read back, the rule files and cases.txt give every case's `explain --format json` again, without
    the report and the rules' file and line: the readable form leaves nothing else out."""
    explains, files = _reasoning()
    per_rule = {name[:-len(".txt")]: reasoning_form.parse_rule_file(text) for name, text in files.items()
                if name != "cases.txt"}
    cases = reasoning_form.parse_cases_file(files["cases.txt"])
    order = [r["rule"] for r in explains[0][1]["rules"]]
    assert list(per_rule) == order  # one file per rule, in the order explain lists them (the pack's)
    for name, explain in explains:
        again = {**cases[name], "rules": [{"rule": rule, **per_rule[rule][1], **per_rule[rule][2][name]}
                                          for rule in order]}
        assert again == reasoning_form.explanation_without_report(explain), name
        assert [r["rule"] for r in explain["rules"]] == order
    assert sum(len(text.splitlines()) for text in files.values()) < 12_000


def test_no_case_stored_in_full_names_a_rule_that_neither_fires_nor_waits() -> None:
    """What keeps an inserted rule from changing every case's golden: the per-case outputs stored in full
    name only the rules a case meets or waits on (the ones that list every rule, like --why-not, are
    checked by digest). tests/golden/insert_rule.py shows the whole effect on a copy."""
    explains, _ = _reasoning()
    for name, explain in explains:
        silent = [r["rule"] for r in explain["rules"] if r["result"] == "not met"]
        assert len(silent) > 10, name
        for path in sorted((golden.OUTPUTS / name).iterdir()):
            text = path.read_text(encoding="utf-8")
            named = [rule for rule in silent if re.search(rf"(?<![\w.-]){re.escape(rule)}(?![\w-])", text)]
            assert not named, (f"{name}/{path.name}", named)


def test_the_reasoning_form_refuses_what_it_cannot_write_back() -> None:
    clause = {"op": "clause", "text": "tumor.size_cm < 4", "result": "met", "field": "tumor.size_cm", "value": 2.8,
              "given": True, "derived": None, "items": []}
    entry = {"result": "met", "check": clause, "text": None, "missing_fields": []}
    assert reasoning_form._parse_block(list(reasoning_form._case_block(entry))) == entry
    for odd in ({"field": "tumor.size_mm"}, {"given": False}, {"derived": "x"}, {"result": "maybe"}):
        with pytest.raises((reasoning_form.FormError, KeyError)):
            reasoning_form._case_block({**entry, "check": {**clause, **odd}})
    with pytest.raises(reasoning_form.FormError):
        reasoning_form._case_block({**entry, "result": "unknown"})


@pytest.mark.parametrize("part", range(golden.PARTS))
def test_ten_thousand_generated_reports_are_unchanged(part: int) -> None:
    """A quarter of the 10,000 generated cases: each report's digest (blocks of 100), and each explanation
    of the fixed sample's cases in it."""
    starts = {f"{start:05d}" for start in golden.part_blocks(part)}
    stored = [line for line in golden.GENERATED_DIGESTS.read_text(encoding="utf-8").splitlines()
              if line.split()[0] in starts]
    assert sum(" check " in line for line in stored) == len(starts)
    assert sum(" explain " in line for line in stored) >= len(starts) // 2  # the sample reaches most blocks
    now = golden.digest_lines(part)
    changed = [(a, b) for a, b in zip(stored, now, strict=True) if a != b]
    assert not changed, f"{len(changed)} blocks of generated cases changed, first: {changed[0]}\n{HOW}"


def test_the_generated_cases_are_covered_once() -> None:
    starts = [start for part in range(golden.PARTS) for start in golden.part_blocks(part)]
    assert starts == list(range(0, golden.GENERATED, golden.BLOCK))
    sample = golden.explained_sample()
    assert len(sample) == golden.EXPLAINED and sample == golden.explained_sample()
    assert min(sample) < golden.GENERATED // 10 and max(sample) > golden.GENERATED * 9 // 10


def test_the_generator_is_deterministic_and_varied() -> None:
    first = list(golden.generated_case_data(300))
    assert first == list(golden.generated_case_data(300))
    assert {d["site"] for d in first} == set(golden.SITES)
    sizes = [len(d) for d in first]
    assert min(sizes) <= 3 and max(sizes) >= 9
    assert json.dumps(first[0], sort_keys=True) != json.dumps(first[1], sort_keys=True)
