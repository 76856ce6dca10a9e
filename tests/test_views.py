"""The educator's views: explain, report, rules list / show / graph / catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.facade import review
from cryoelig.inputs import read_case
from cryoelig.reasoning.evaluation import evaluate
from cryoelig.rulepack.conditions import leaves
from cryoelig.views.explanation import Check, explain_case
from cryoelig.views.scenarios import load_scenario, scenario_files
from cryoelig.wording import directive_words, own_words, readable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch):
    """Commands below name files relative to the checkout, as a user in it would."""
    monkeypatch.chdir(ROOT)


def run(*args: str):
    return runner.invoke(app, list(args))


def all_cases(pack):
    cases = [read_case(str(p), pack) for p in EXAMPLES]
    for path in scenario_files(pack):
        cases.append(parse_case(load_scenario(path).case, pack))
    return cases


def check_leaves(check: Check) -> list[Check]:
    if check.op == "clause":
        return [check]
    return [leaf for item in check.items for leaf in check_leaves(item)]


# ---------------------------------------------------------------- the library


def _group_result(check: Check) -> str:
    """Kleene all / any over the items' results, written here independently of the library."""
    results = [item.result for item in check.items]
    decisive = "not met" if check.op == "all" else "met"
    if decisive in results:
        return decisive
    return "unknown" if "unknown" in results else ("met" if check.op == "all" else "not met")


def test_explanation_covers_every_clause_and_agrees_with_the_evaluator(pack):
    for case in all_cases(pack):
        trace = evaluate(pack, case.facts())
        facts = trace.facts  # a published scale's known total is a fact too
        rules = explain_case(case, pack, use_engine=False).rules
        assert [r.rule for r in rules] == [r.id for r in pack.rules]
        for explained, rule in zip(rules, pack.rules, strict=True):
            expected = {True: "met", False: "not met", None: "unknown"}[trace.rule(rule.id).result]
            assert explained.result == expected == explained.check.result, (case.case_id, rule.id)
            clauses = check_leaves(explained.check)
            assert [c.text for c in clauses] == [leaf.text for leaf in leaves(rule.condition)]
            for c in clauses:
                if c.field is not None:
                    assert c.given == (c.field in facts)
            groups = [explained.check] if explained.check.op != "clause" else []
            while groups:
                group = groups.pop()
                assert group.result == _group_result(group), (case.case_id, rule.id, group.text)
                groups += [item for item in group.items if item.op != "clause"]


def test_explanation_matches_the_report(pack):
    for case in all_cases(pack):
        ex = explain_case(case, pack, use_engine=False)
        report = review(case, pack, use_engine=False).report
        texts = {r.rule: r.text for r in ex.rules if r.text}
        scales = report.published_scales.lines
        assert texts == {f.rule: f.text for f in report.findings} | {p.rule: p.text for s in scales for p in s.points}
        missing = {m.field for m in report.missing} | {m.field for s in scales for m in s.missing}
        missing |= {f for item in report.published_scales.not_given for f in item.fields}
        for r in ex.by_result("unknown", derived=False):
            assert r.missing_fields and set(r.missing_fields) <= missing, r.rule


def test_unknown_rule_names_missing_fields_through_derived_facts(pack):
    case = parse_case({"case_id": "t1", "site": "bone", "symptoms": {"pain_score": 5}}, pack)
    ex = explain_case(case, pack, use_engine=False)
    pain = next(r for r in ex.rules if r.rule == "bone.pain")
    assert pain.result == "unknown"
    assert pain.missing_fields == ["tumor.metastatic"]
    derived = {d.name: d.result for d in ex.derived}
    assert derived["bone_metastatic"] == "unknown"


# ---------------------------------------------------------------- explain


def test_explain_tree_shows_facts_rules_findings_and_why_not():
    result = run("explain", "examples/bone-repeat.yaml", "--no-engine")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Facts given", "symptoms.pain_score = 7", "bone_metastatic: established",
                 "Points raised", "Could not be checked", "Did not apply (why not)",
                 "\u2713 symptoms.pain_score >= 1 \u00b7 case: 7 \u00b7 met",
                 "? history.regrowth == true \u00b7 case: not given \u00b7 unknown",
                 "\u2717 site == kidney \u00b7 case: bone \u00b7 not met",
                 "Not given: symptoms.bone_weakness", "Rule pack cryoelig-default"):
        assert text in " ".join(out.split()) or text in out, text


def test_explain_markdown_and_rule_filter():
    result = run("explain", "examples/kidney-small.yaml", "--format", "markdown",
                 "--rule", "kidney.size-under-4cm", "--rule", "kidney.size-4cm-or-more")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# The reasoning for case `example-kidney-small`")
    assert "- \u2713 `tumor.size_cm < 4` \u00b7 case: 2.8 \u00b7 met" in out
    assert "- \u2717 `tumor.size_cm >= 4` \u00b7 case: 2.8 \u00b7 not met" in out
    assert "risks.documented" not in out.split("## Information not given")[0]


def test_explain_json_lists_every_rule(pack):
    result = run("explain", "examples/liver-hard-to-reach.yaml", "--format", "json", "--no-engine")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["rule"] for r in data["rules"]] == [r.id for r in pack.rules]
    assert data["report"]["pack"]["sha256"] == pack.sha256


def test_explain_unknown_rule_is_one_line_exit_2():
    result = run("explain", "examples/kidney-small.yaml", "--rule", "kidney.size-under4cm")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "close matches: kidney.size-under-4cm" in result.stderr


def test_explain_bad_case_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_id: x\nsite: moon\n")
    result = run("explain", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith("cryoelig: error:") and result.stderr.count("\n") == 1


# ---------------------------------------------------------------- report


def test_report_html_file_and_overwrite_policy(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", "examples/bone-repeat.yaml", "--out", str(out), "--no-engine")
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for text in ("Case facts", "Documented factors present", "Points of caution", "Background from the source",
                 "Information not given", "Non-diagnostic decision support", "sha256", "bone.pain"):
        assert text in page, text
    again = run("report", "examples/bone-repeat.yaml", "--out", str(out))
    assert again.exit_code == 2 and "already exists; give --force" in again.stderr
    forced = run("report", "examples/kidney-small.yaml", "--out", str(out), "--force", "--no-engine")
    assert forced.exit_code == 0
    assert "example-kidney-small" in out.read_text(encoding="utf-8")


def test_report_is_self_contained_and_escaped(pack):
    from cryoelig.render.html import to_html

    report = review(read_case(str(ROOT / "examples" / "bone-repeat.yaml"), pack), pack, use_engine=False).report
    evil = report.findings[0].model_copy(update={"text": "<script>alert(1)</script> & \"x\""})
    page = to_html(report.model_copy(update={"findings": [evil, *report.findings[1:]]}))
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in page
    lowered = page.lower()
    for forbidden in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert forbidden not in lowered, forbidden
    assert "default-src 'none'" in page


def test_report_markdown_by_suffix_and_format_rules(tmp_path):
    md = tmp_path / "r.md"
    result = run("report", "examples/prostate-salvage.yaml", "-o", str(md), "--why-not", "--no-engine")
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Points to discuss with the multidisciplinary team")
    assert "## Case facts" in text and "## Rules that did not apply" in text and "Rule pack" in text
    clash = run("report", "examples/kidney-small.yaml", "-o", str(tmp_path / "x.md"), "--format", "html")
    assert clash.exit_code == 2 and clash.stderr.count("\n") == 1
    unknown = run("report", "examples/kidney-small.yaml", "-o", str(tmp_path / "x.txt"))
    assert unknown.exit_code == 2 and "--format html|markdown" in unknown.stderr
    nodir = run("report", "examples/kidney-small.yaml", "-o", str(tmp_path / "no" / "x.html"))
    assert nodir.exit_code == 2 and "does not exist" in nodir.stderr
    stdout = run("report", "examples/kidney-small.yaml", "--format", "markdown", "--no-engine")
    assert stdout.exit_code == 0 and "## Documented factors present (1)" in stdout.stdout


# ---------------------------------------------------------------- rules list / show / graph


def test_rules_list_site_filter():
    result = run("rules", "list", "--site", "bone", "--format", "json")
    assert result.exit_code == 0, result.output
    ids = [r["rule"] for r in json.loads(result.stdout)]
    assert "bone.pain" in ids and "bone.metastatic" in ids and "risks.near-nerves" in ids
    assert "kidney.size-under-4cm" not in ids and "general.site-not-documented" not in ids
    table = run("rules", "list")
    assert table.exit_code == 0 and "kidney.size-under-4cm" in table.stdout
    bad = run("rules", "list", "--site", "moon")
    assert bad.exit_code == 2 and "unknown site 'moon'" in bad.stderr and bad.stderr.count("\n") == 1


def test_rules_show():
    result = run("rules", "show", "kidney.size-under-4cm")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Condition as written:", "tumor.size_cm < 4", "factor  kidney.size_under_4cm",
                 "particularly small tumors that are less than 4cm in size",
                 "expects the factor   kidney-39mm.yaml", "expects it absent    kidney-40mm.yaml"):
        assert text in out, text
    derived = run("rules", "show", "bone.metastatic")
    assert "Rules reading derived bone_metastatic: " in derived.stdout and "rule met" in derived.stdout


def test_rules_show_unknown_id_lists_close_matches():
    result = run("rules", "show", "kidney.size-under4cm")
    assert result.exit_code == 2
    assert result.stderr == ("cryoelig: error: unknown rule 'kidney.size-under4cm' in pack cryoelig-default "
                             "0.3.0; close matches: kidney.size-under-4cm, kidney.size-4cm-or-more\n")


def test_rules_graph_formats(pack):
    mermaid = run("rules", "graph")
    assert mermaid.exit_code == 0
    out = mermaid.stdout
    assert out.startswith("flowchart LR")
    assert "f_tumor_size_cm --> r_kidney_size_under_4cm" in out
    assert "r_bone_metastatic --> d_bone_metastatic" in out and "d_bone_metastatic --> r_bone_pain" in out
    assert "r_kidney_size_under_4cm --> x_kidney_size_under_4cm" in out
    dot = run("rules", "graph", "--format", "dot", "--site", "kidney")
    assert dot.exit_code == 0 and dot.stdout.startswith("digraph cryoelig {")
    assert '"field:tumor.size_cm" -> "rule:kidney.size-under-4cm";' in dot.stdout
    assert "bone.pain" not in dot.stdout


def test_changed_pack_copy_changes_the_views(tmp_path):
    """An educator copies the pack, changes a threshold and sees the effect at once."""
    copy = tmp_path / "pack"
    shutil.copytree(ROOT / "rules", copy)
    kidney = copy / "kidney.yaml"
    kidney.write_text(kidney.read_text().replace("tumor.size_cm < 4", "tumor.size_cm < 2"))
    show = run("rules", "show", "kidney.size-under-4cm", "--pack", str(copy))
    assert "tumor.size_cm < 2" in show.stdout
    ex = run("explain", "examples/kidney-small.yaml", "--pack", str(copy), "--format", "markdown",
             "--no-engine")
    assert "- \u2717 `tumor.size_cm < 2` \u00b7 case: 2.8 \u00b7 not met" in ex.stdout
    listed = run("rules", "list", "--pack", str(copy), "--format", "markdown")
    assert listed.exit_code == 0
    missing = run("rules", "list", "--pack", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


# ---------------------------------------------------------------- wording


@pytest.mark.parametrize("example", [p.name for p in EXAMPLES])
def test_views_never_use_directive_wording(example):
    outputs = [
        run("explain", f"examples/{example}", "--no-engine").stdout,
        run("explain", f"examples/{example}", "--format", "markdown", "--no-engine").stdout,
        run("report", f"examples/{example}", "--no-engine", "--why-not").stdout,
        run("report", f"examples/{example}", "--format", "markdown", "--no-engine", "--why-not").stdout,
    ]
    for out in outputs:  # the tool's own words: a marked quotation (a paper's title, its wording) is the paper's
        assert out and directive_words(own_words(readable(out))) == []


def test_pack_views_never_use_directive_wording(pack):
    outputs = [run("rules", "list").stdout, run("rules", "graph").stdout, run("rules", "catalog").stdout]
    outputs += [run("rules", "show", r.id).stdout for r in pack.rules]
    for out in outputs:  # the tool's own words: a marked quotation (a paper's title, its wording) is the paper's
        assert out and directive_words(own_words(readable(out))) == []
