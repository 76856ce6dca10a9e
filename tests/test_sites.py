"""Sites are data: a copied pack gains a site, a rule and a scenario with no Python edit, and every
command that takes --pack (check, checklist, rules list/test) uses it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.errors import InputError, PackError
from cryoelig.rulepack.load import load_pack

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "cryosurgery-metastatic-bone-tumors"
RULE = f"""\
area: pancreas
rules:
  - id: pancreas.not-listed
    factor: pancreas.not_listed
    kind: caution
    when: site == pancreas
    text: >-
      Site pancreas is not among the areas the source lists where cryosurgery is used. Point to discuss
      with the team.
    cites:
      - source: {SOURCE}
        quote: "Some of the most common areas where cryosurgery is used include"
"""
SCENARIO = """\
name: a pancreas case
case:
  case_id: scn-pancreas
  site: pancreas
expect:
  factors: [pancreas.not_listed]
  not_factors: [site.documented]
"""


@pytest.fixture()
def pancreas_pack(tmp_path: Path) -> Path:
    """The shipped pack copied, with a new site, one rule and one scenario: only YAML is edited."""
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "rules", pack)
    meta = (pack / "pack.yaml").read_text()
    meta = meta.replace("  - id: other\n    label: other\n",
                        "  - id: other\n    label: other\n  - id: pancreas\n    label: pancreas\n", 1)
    meta = meta.replace("factors:\n", "factors:\n  - id: pancreas.not_listed\n    kind: caution\n"
                        "    label: Pancreas is not among the areas the source lists\n", 1)
    (pack / "pack.yaml").write_text(meta)
    (pack / "pancreas.yaml").write_text(RULE)
    (pack / "scenarios" / "pancreas.yaml").write_text(SCENARIO)
    return pack


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def test_a_new_site_needs_no_python(pancreas_pack: Path, tmp_path: Path):
    pack = load_pack(pancreas_pack)
    assert pack.site_ids[-1] == "pancreas" and "pancreas.not-listed" in pack.rule_by_id
    from cryoelig.rulepack.validate import rule_files

    assert rule_files(pancreas_pack, pack.meta.areas)[-1].name == "pancreas.yaml", "a file not in areas comes last"

    case = tmp_path / "case.yaml"
    case.write_text("case_id: p-1\nsite: pancreas\ntumor: {size_cm: 2}\n")
    checked = run("check", str(case), "--pack", str(pancreas_pack), "--format", "json")
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert [f["factor"] for f in report["findings"]] == ["pancreas.not_listed"]
    assert report["site"] == "pancreas"

    answers = "p-2\npancreas\n" + "\n" * 40  # every later question: Enter (unknown)
    listed = run("checklist", "--pack", str(pancreas_pack), "--format", "json", input=answers)
    assert listed.exit_code == 0, listed.output
    assert "7 other, 8 pancreas" in listed.stderr, "the site question lists the pack's sites"
    assert [f["factor"] for f in json.loads(listed.stdout)["findings"]] == ["pancreas.not_listed"]
    given = run("checklist", "--pack", str(pancreas_pack), "--site", "pancreas", "-f", "json",
                input="p-3\n" + "\n" * 40)
    assert given.exit_code == 0 and json.loads(given.stdout)["site"] == "pancreas"

    tested = run("rules", "test", "--pack", str(pancreas_pack))
    assert tested.exit_code == 0 and "ok   pancreas.yaml: a pancreas case" in tested.stdout
    rules = run("rules", "list", "--pack", str(pancreas_pack), "--site", "pancreas", "--format", "json")
    assert "pancreas.not-listed" in [r["rule"] for r in json.loads(rules.stdout)]
    assert "kidney.size-under-4cm" not in rules.stdout


def test_the_default_pack_refuses_the_new_site(pancreas_pack: Path, tmp_path: Path):
    with pytest.raises(InputError, match="expected 'skin', 'liver', 'prostate', 'kidney', 'lung', 'bone' or 'other'"):
        parse_case({"case_id": "p", "site": "pancreas"}, load_pack())
    assert parse_case({"case_id": "p", "site": "pancreas"}, load_pack(pancreas_pack)).site == "pancreas"
    case = tmp_path / "case.yaml"
    case.write_text("case_id: p-1\nsite: pancreas\n")
    refused = run("check", str(case))
    assert refused.exit_code == 2 and "field 'site'" in refused.stderr
    unknown = run("rules", "list", "--site", "pancreas")
    assert unknown.exit_code == 2 and "unknown site 'pancreas' (one of: skin, liver" in unknown.stderr


def test_a_clause_naming_a_site_the_pack_does_not_list_is_refused(pancreas_pack: Path):
    meta = (pancreas_pack / "pack.yaml").read_text().replace("  - id: pancreas\n    label: pancreas\n", "")
    (pancreas_pack / "pack.yaml").write_text(meta)
    with pytest.raises(PackError, match="'pancreas' is not a value of 'site'"):
        load_pack(pancreas_pack)


def test_a_site_listed_twice_is_refused(pancreas_pack: Path):
    meta = (pancreas_pack / "pack.yaml").read_text().replace("  - id: pancreas\n", "  - id: kidney\n", 1)
    (pancreas_pack / "pack.yaml").write_text(meta)
    with pytest.raises(PackError, match="site 'kidney' listed twice"):
        load_pack(pancreas_pack)


def test_the_case_schema_lists_the_pack_sites(pancreas_pack: Path):
    from cryoelig.views.schemas import json_schema

    assert json_schema("case", load_pack())["properties"]["site"]["enum"] == list(load_pack().site_ids)
    assert json_schema("case", load_pack(pancreas_pack))["properties"]["site"]["enum"][-1] == "pancreas"
    with pytest.raises(ValueError, match="a rule pack's"):
        json_schema("case")
    shown = json.loads(run("schema", "case", "--pack", str(pancreas_pack)).stdout)
    assert shown["properties"]["site"]["enum"][-1] == "pancreas"
