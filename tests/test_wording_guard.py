"""Issue 9: the directive-wording guard covers contraindicated, qualifies, avoid, preferred, warrant and
their inflections, in the pack linter (`rules check` on a copied pack) and in the output property.

Each word was passed by `rules check` before (tried in a copied pack: no rule used them), so each
test below failed on the old deny-list.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_output_wording import all_renderings
from typer.testing import CliRunner

from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.facade import review
from cryoelig.wording import directive_words, readable

ROOT = Path(__file__).resolve().parent.parent

#: Every word of the issue with its inflections.
NEW_WORDS = [
    "contraindicated", "contraindication", "contraindications", "Contraindicated",
    "qualify", "qualifies", "qualified", "qualifying",
    "avoid", "avoids", "avoided", "avoiding", "avoidance",
    "prefer", "prefers", "preferred", "preferable", "preference",
    "warrant", "warrants", "warranted",
]


@pytest.mark.parametrize("word", NEW_WORDS)
def test_the_deny_list_catches_each_new_word(word):
    assert directive_words(f"Cryosurgery is {word} here.") == [word]


@pytest.mark.parametrize("word", ["quality of life", "qualitative", "unqualified praise", "preface", "warren"])
def test_neighbouring_words_are_not_caught(word):
    assert directive_words(word) == []


@pytest.fixture(scope="module")
def copied_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pack") / "rules"
    shutil.copytree(ROOT / "rules", folder)
    return folder


@pytest.mark.parametrize("word", ["contraindicated", "contraindications", "qualifies", "avoid", "preferred",
                                  "warrant", "warranted", "avoidance"])
def test_rules_check_fails_on_each_word_in_a_copied_pack(copied_pack, word):
    kidney = copied_pack / "kidney.yaml"
    original = kidney.read_text()
    try:
        kidney.write_text(original.replace("this size is outside that range.", f"this size is {word}.", 1))
        result = CliRunner().invoke(app, ["rules", "check", "--pack", str(copied_pack)])
    finally:
        kidney.write_text(original)
    assert result.exit_code == 2, result.output
    assert "directive wording" in result.output and word.lower() in result.output


def test_the_source_metadata_and_clause_notes_are_linted_too(copied_pack):
    pack_yaml, general = copied_pack / "pack.yaml", copied_pack / "general.yaml"
    originals = pack_yaml.read_text(), general.read_text()
    try:
        pack_yaml.write_text(originals[0].replace("a clinic's web article, not a clinical guideline",
                                                  "the preferred web article"))
        general.write_text(originals[1].replace("ECOG 3-4 read as poor overall health\"",
                                                "ECOG 3-4 is a contraindication\""))
        result = CliRunner().invoke(app, ["rules", "check", "--pack", str(copied_pack)])
    finally:
        pack_yaml.write_text(originals[0])
        general.write_text(originals[1])
    assert result.exit_code == 2
    assert "source 'cryosurgery-metastatic-bone-tumors'" in result.output and "preferred" in result.output
    assert "note" in result.output and "contraindication" in result.output


def test_no_quote_the_pack_cites_holds_a_new_word(pack):
    """The linter checks cited quotes too, so a new word in the source would have to be cut from a quote."""
    quotes = [c.quote for r in pack.rules for c in r.spec.cites if c.quote is not None]  # papers: a locator
    quotes += [s.quote for s in pack.statements]
    assert [q for q in quotes if directive_words(q)] == []


@pytest.mark.parametrize("word", ["contraindicated", "qualifies", "avoided", "preferable", "warranted"])
def test_the_output_property_catches_each_word_in_every_rendering(pack, word):
    report = review(parse_case({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 2}}, pack), pack).report
    finding = report.findings[0].model_copy(update={"text": f"Cryosurgery is {word} for this tumor."})
    bad = report.model_copy(update={"findings": [finding]})
    for name, text in all_renderings(bad).items():
        assert directive_words(readable(text)), name


def test_readable_leaves_out_the_style_sheet_only():
    page = "<html><style>li { break-inside: avoid; }</style><p>Preferred option</p></html>"
    assert directive_words(readable(page)) == ["Preferred"]
