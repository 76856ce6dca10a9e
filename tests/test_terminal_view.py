"""Issue 9, the terminal view: every string printed as written (no rich markup), nothing cut at 80
columns, the source named once, the missing information ranked and grouped."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.facade import review
from cryoelig.inputs import read_case
from cryoelig.render.common import clause_text
from cryoelig.render.summary import print_summary
from cryoelig.render.terminal import render_report
from cryoelig.rulepack.load import load_pack
from cryoelig.views.scenarios import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


def squash(text: str) -> str:
    """The printed text without panel borders and line ends, for searching wrapped lines."""
    lines = [line.strip().strip("\u2502\u2503").strip() for line in text.splitlines()]
    # a long cell (a link's note) wraps inside the why-not table: the inner column rules go too
    return " ".join(" ".join(lines).replace("\u2502", " ").split())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_why_not_keeps_every_bracketed_list_and_case_value(pack, example):
    """Issue 9: `check --why-not` dropped bracketed lists (`goals has any of  : not met`): the cells were
    read as rich markup."""
    report = review(read_case(str(example), pack), pack, use_engine=False).report
    shown = squash(render_report(report, sources=True, why_not=True, width=250))
    for na in report.not_applicable:
        for clause in na.clauses:
            assert clause_text(clause) in shown, clause_text(clause)
    for finding in report.findings:
        assert " ".join(finding.text.split()) in shown
        for clause in finding.basis:
            assert clause_text(clause) in shown


def test_text_that_looks_like_markup_is_printed_as_written(pack):
    case = parse_case({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 2}}, pack)
    report = review(case, pack, use_engine=False).report
    finding = report.findings[0].model_copy(update={"text": "A [bold]point[/bold] with [red]brackets[/red]."})
    shown = render_report(report.model_copy(update={"findings": [finding]}), width=120)
    assert "A [bold]point[/bold] with [red]brackets[/red]." in shown


def test_the_batch_summary_tables_print_names_as_written():
    from rich.console import Console

    console = Console(width=120, record=True)
    print_summary({"counts": {"rows_read": 1, "results": 1, "errors": 0}, "sites": {"[bold]x": 1},
                   "findings": {"by_kind": {}, "by_factor": {}}, "missing": {}, "errors": {"by_reason": {}}},
                  console)
    assert "[bold]x" in console.export_text()


def _all_cases():
    yield from ((p.stem, read_case(str(p), load_pack())) for p in EXAMPLES)
    for path in scenario_files_default():
        scenario = load_scenario(path)
        yield path.stem, parse_case(scenario.case, load_pack())


def scenario_files_default():
    return scenario_files(load_pack())


@pytest.mark.parametrize(("name", "case"), list(_all_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_nothing_is_cut_at_80_columns(pack, name, case):
    """Issue 9: at 80 columns the table cut `concerns.near_critica...` and `repeat.regrowth-or-sy...`."""
    shown = render_report(review(case, pack, use_engine=False).report, sources=True, why_not=True, width=80)
    assert "\u2026" not in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
    for field in ("concerns.near_critical_structures", "history.prior_cryoablation", "symptoms.bone_weakness"):
        if field in [m.field for m in review(case, pack, use_engine=False).report.missing]:
            assert field in shown


def test_check_at_columns_80_from_the_command_line(pack):
    result = runner.invoke(app, ["check", "-", "--why-not"], input='{"case_id": "k", "site": "bone"}',
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "\u2026" not in result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_source_is_named_once_near_the_top(pack, example):
    """Issue 9: the one source was invisible in the output ("the source" everywhere, the title nowhere)."""
    shown = render_report(review(read_case(str(example), pack), pack, use_engine=False).report, sources=True, width=120)
    lines = shown.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Source: ")]
    assert len(starts) == 1 and starts[0] < 12
    named = squash("\n".join(lines[starts[0]:starts[0] + 4]))
    assert named.startswith("Source: \u201cCryosurgery in Metastatic Bone Tumors\u201d (a treatment clinic's website, "
                            "date not given): a clinic's web article, not a clinical guideline; its title is about "
                            "metastatic bone tumors; it also mentions skin, liver, prostate, kidney and lung.")


def test_missing_information_of_the_site_comes_first_and_the_general_fields_are_one_item(pack):
    report = review(parse_case({"case_id": "k", "site": "kidney"}, pack), pack, use_engine=False).report
    shown = render_report(report, width=120)
    section = shown[shown.index("Information not given"):]
    bullets = [line.strip("\u2502 ").split(" \u00b7 ")[0] for line in section.splitlines()
               if line.strip("\u2502 ").startswith("\u2022")]
    assert bullets == ["\u2022 Tumor size (largest diameter, cm)", "\u2022 For any site:"]
    assert section.count("Not given in the case") == 1 and "Not given in the case." not in section.split("\u2022")[1]
