"""ECOG 3-4 read as poor overall health: this tool's convention, decided once, by the pack's noted clause.

The contract's input note, the checklist's question and the case schema take the threshold from the loaded
pack (issue 23); a pack whose texts or noted clauses name another range is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cryoelig.case.contract import parse_case
from cryoelig.errors import PackError
from cryoelig.rulepack.load import load_pack, load_pack_set
from cryoelig.views.questions import ecog_question
from cryoelig.views.schemas import json_schema

ROOT = Path(__file__).resolve().parent.parent
#: The shipped pack's ECOG wording, wherever it names the convention's range.
SHIPPED = {"general.yaml": ("ecog >= 3", "ECOG 3-4"), "fields.yaml": ("ECOG 3-4",), "pack.yaml": ("ECOG 3-4",)}


def copy_rules(tmp_path: Path, replace: dict[str, dict[str, str]]) -> Path:
    """The shipped rules copied, with text replaced in the files named ({file: {old: new}}; each old is there)."""
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    for name, pairs in replace.items():
        path = target / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs.items():
            assert old in text, (name, old)
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return target


def from_two(tmp_path: Path) -> Path:
    """A pack that reads ECOG 2-4 as poor overall health: the clause, its note and every text say so."""
    return copy_rules(tmp_path, {name: {old: old.replace("3", "2") for old in olds} for name, olds in SHIPPED.items()})


def test_the_shipped_pack_reads_ecog_from_3(pack, source_pack):
    assert pack.ecog_poor_from == source_pack.ecog_poor_from == 3
    assert pack.parts[1].ecog_poor_from is None  # the published-scales pack grades ECOG, reads nothing from it


def test_the_input_note_the_question_and_the_schema_follow_the_pack(tmp_path, pack):
    rules = from_two(tmp_path)
    two = load_pack_set([rules, rules / "published-scales"])
    assert two.ecog_poor_from == 2
    case = {"case_id": "c", "site": "bone", "ecog": 2, "overall_health": "good"}
    [note] = parse_case(case, two).input_notes(two)
    assert "(not from the source: ECOG 2-4 read as poor overall health)" in note
    assert parse_case(case, pack).input_notes(pack) == []  # ECOG 2 with good health agree under the shipped 3-4
    assert "ECOG 2-4 is read as poor overall health" in ecog_question(two).text
    assert "ECOG 3-4 is read as poor overall health" in ecog_question(pack).text
    description = json_schema("case", two)["properties"]["ecog"]["description"]
    assert description == "ECOG performance status 0-4; read as poor overall health from 2 (this tool's convention)"


def test_a_pack_without_the_convention_words_no_ecog_reading(pack):
    alone = pack.parts[1]  # the published-scales pack: ECOG graded, never read as poor health
    case = parse_case({"case_id": "c", "site": "bone", "ecog": 4, "overall_health": "good"}, pack)
    assert case.input_notes(alone) == []
    assert "poor overall health" not in ecog_question(alone).text
    assert "poor" not in json_schema("case", alone)["properties"]["ecog"]["description"]


def test_a_clause_changed_without_its_words_is_refused(tmp_path):
    """The rule applies ECOG 2 while the pack's texts still say ECOG 3-4: every such text is named."""
    rules = copy_rules(tmp_path, {"general.yaml": {"ecog >= 3": "ecog >= 2"}})
    with pytest.raises(PackError) as info:
        load_pack(rules)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "rule 'general.overall-health-poor': says ECOG 3-4, while the rules read ECOG as poor overall health " \
           "from 2" in text
    assert "field 'ecog': says ECOG 3-4" in text and "factor 'general.overall_health_poor' label" in text


def test_two_noted_thresholds_are_refused(tmp_path):
    rules = copy_rules(tmp_path, {"general.yaml": {
        "            - ecog >= 3\n": "            - ecog >= 3\n        - ecog >= 4\n",
        "    notes:\n": "    notes:\n      ecog >= 4: \"this tool's convention, not from the source\"\n"}})
    with pytest.raises(PackError, match="reads ECOG from 4 as poor overall health, rule "
                                        "'general.overall-health-poor' from 3; the tool states one convention"):
        load_pack(rules)
