"""The pack loader is the gate: every problem is reported, with file and line."""

from __future__ import annotations

import pytest
from packs import BONE_RULES, KIDNEY_RULE, PACK_YAML, make_pack

from cryoelig.errors import PackError
from cryoelig.rulepack.load import coverage_problems, load_pack
from cryoelig.wording import directive_words


def problems_of(tmp_path, files=None, pack_yaml=PACK_YAML):
    with pytest.raises(PackError) as info:
        load_pack(make_pack(tmp_path, files, pack_yaml))
    return [str(p) for p in info.value.problems]


def test_the_shipped_pack_loads_and_covers_the_source(pack):
    assert pack.rules and pack.sha256 and len(pack.sha256) == 64
    assert coverage_problems(pack) == []


def test_hash_is_stable_and_changes_with_content(tmp_path):
    first = load_pack(make_pack(tmp_path / "a")).sha256
    assert load_pack(make_pack(tmp_path / "b")).sha256 == first
    changed = load_pack(make_pack(tmp_path / "c", {"kidney.yaml": KIDNEY_RULE.replace("< 4", "< 3"),
                                                   "bone.yaml": BONE_RULES})).sha256
    assert changed != first


def test_every_problem_reported_in_one_run_with_file_and_line(tmp_path):
    bad = KIDNEY_RULE.replace("tumor.size_cm < 4", "tumor.sise_cm < 4").replace(
        "Point to discuss.", "The patient is eligible and we recommend it.").replace(
        "less than 4cm in size", "less than 3cm in size")
    found = problems_of(tmp_path, {"kidney.yaml": bad, "bone.yaml": BONE_RULES.replace("bone.pain\n", "bone.pian\n")})
    text = "\n".join(found)
    assert "unknown field 'tumor.sise_cm'" in text
    assert "quote not found verbatim" in text
    assert "unknown factor 'bone.pian'" in text
    assert "directive wording" in text and "eligible" in text and "recommend" in text
    assert all("kidney.yaml:" in p or "bone.yaml:" in p or "pack.yaml" in p for p in found), found


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda r: r + r.split("rules:\n", 1)[1], "duplicate rule id 'kidney.small'"),
        (lambda r: r.replace("kind: supporting", "kind: caution"), "differs from factor"),
        (lambda r: r.replace("{tumor.size_cm}", "{tumor.count}"), "placeholder '{tumor.count}'"),
        (lambda r: r.replace("- site == kidney", "- site == kidny"), "'kidny' is not a value of 'site'"),
        (lambda r: r.replace("- site == kidney", "- site < 3"), "is not a number"),
        (lambda r: r.replace("- site == kidney", "- derived nothing"), "no rule derives 'nothing'"),
        (lambda r: r.replace("        - site == kidney\n", "        - not: derived bone_metastatic\n"),
         "cannot be negated"),
        (lambda r: r.replace("source: cryosurgery", "source: other-doc"), "unknown source 'other-doc"),
        (lambda r: r.replace("    kind: supporting\n", "    kind: supporting\n    colour: red\n"), "unknown key"),
        (lambda r: r.replace("when:", "when: [", 1), "invalid YAML"),
        (lambda r: r.replace("quote: particularly", "quote: it should be particularly"), "quote not found"),
    ],
)
def test_each_kind_of_problem_has_a_clear_message(tmp_path, mutation, message):
    found = problems_of(tmp_path, {"kidney.yaml": mutation(KIDNEY_RULE), "bone.yaml": BONE_RULES})
    assert any(message in p for p in found), found
    assert all("kidney.yaml" in p or "pack.yaml" in p for p in found), found


def test_line_numbers_point_at_the_rule(tmp_path):
    extra = KIDNEY_RULE + KIDNEY_RULE.split("rules:\n", 1)[1].replace("kidney.small", "kidney.other").replace(
        "< 4", "< four")
    found = problems_of(tmp_path, {"kidney.yaml": extra, "bone.yaml": BONE_RULES})
    [problem] = found
    assert "kidney.yaml:14" in problem, problem  # the line of the second rule


def test_derived_cycle_is_refused(tmp_path):
    cyc = BONE_RULES.replace("all: [site == bone, tumor.metastatic == true]",
                             "all: [site == bone, derived bone_metastatic]")
    assert any("cycle" in p for p in problems_of(tmp_path, {"bone.yaml": cyc, "kidney.yaml": KIDNEY_RULE}))


def test_unused_factor_is_refused(tmp_path):
    found = problems_of(tmp_path, {"kidney.yaml": KIDNEY_RULE})
    assert any("factor 'bone.pain' is produced by no rule" in p for p in found)


def test_not_a_pack_folder(tmp_path):
    with pytest.raises(PackError, match="not a rule pack folder"):
        load_pack(tmp_path)


def test_shipped_texts_use_no_directive_wording(pack):
    texts = [r.spec.text or "" for r in pack.rules] + [c.quote or c.locator or "" for r in pack.rules
                                                       for c in r.spec.cites]
    texts += [f.label for f in pack.meta.factors] + [f.question for f in pack.fields.values()]
    texts += [f.help or "" for f in pack.fields.values()] + [g.label for g in pack.groups.values()]
    texts += [note for r in pack.rules for note in r.spec.notes.values()]
    # A paper's title is the paper's words, shown verbatim as a marked quotation (issue 22), not the tool's;
    # the title of a source shipped as a file (the source article) is still read.
    texts += [x or "" for s in pack.meta.sources for x in (s.title if s.file else "", s.publisher, s.date,
                                                            s.description, s.scope)]
    assert [t for t in texts if directive_words(t)] == []


@pytest.mark.parametrize("word", ["eligible", "Recommended", "should", "indicated", "candidate", "must"])
def test_the_deny_list_catches(word):
    assert directive_words(f"The patient is {word} here.")


def test_every_factor_of_the_contract_is_in_the_vocabulary(pack, root):
    import re

    contract = root / "docs" / "factors.md"
    ids = re.findall(r"^\| `([a-z_.]+)` \| (\w+) \|", contract.read_text(), re.MULTILINE)
    assert ids
    for factor, kind in ids:
        assert factor in pack.factor_by_id, factor
        assert pack.factor_by_id[factor].kind == kind, factor


def test_a_quote_that_joins_two_paragraphs_is_refused(tmp_path):
    """Issue 22: every quote lies within one paragraph of its source; across a paragraph break it would read
    as one statement of the source. The same words quoted within one paragraph load."""
    joined = ("improve quality of life. The procedure involves inserting a special probe into the tumor, "
              "which then freezes the cancerous tissue. The freezing process destroys the cancer cells")
    found = problems_of(tmp_path / "joined", {"kidney.yaml": KIDNEY_RULE.replace(
        "particularly small tumors that are less than 4cm in size", joined), "bone.yaml": BONE_RULES})
    assert any("quote joins two paragraphs" in p for p in found), found
    within = joined.rsplit(" The freezing", 1)[0]
    load_pack(make_pack(tmp_path / "within", {"kidney.yaml": KIDNEY_RULE.replace(
        "particularly small tumors that are less than 4cm in size", within), "bone.yaml": BONE_RULES}))
