"""`cryoelig check` and `schema` as a user runs them: formats, stdin, launcher, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.cli import app
from cryoelig.wording import directive_words

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_check_json_is_a_report(root):
    result = run("check", str(root / "examples" / "kidney-small.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["case_id"] == "example-kidney-small"
    assert "kidney.size_under_4cm" in [f["factor"] for f in report["findings"]]
    assert report["pack"]["sha256"] and report["disclaimer"]


def test_check_from_stdin_markdown(root):
    text = (root / "examples" / "kidney-small.yaml").read_text()
    data = json.dumps({"case_id": "stdin-1", "site": "lung", "tumor": {"location": "central"}})
    result = run("check", "-", "--format", "markdown", "--sources", "--why-not", input=data)
    assert result.exit_code == 0, result.output
    assert "# Points to discuss" in result.stdout and "Points of caution" in result.stdout
    assert "Rules that did not apply" in result.stdout and "Source `" in result.stdout
    assert run("check", "-", "--format", "json", input=text).exit_code == 0


def test_check_rich_groups(root):
    result = run("check", str(root / "examples" / "bone-repeat.yaml"), "--sources", "--why-not")
    assert result.exit_code == 0, result.output
    for title in ("Documented factors present", "Points of caution", "Background from the source",
                  "Information not given", "Rules that did not apply"):
        assert title in result.stdout


def test_engine_and_no_engine_print_the_same(root):
    path = str(root / "examples" / "bone-repeat.yaml")
    assert run("check", path, "-f", "json").stdout == run("check", path, "-f", "json", "--no-engine").stdout


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("site: [unclosed", "bad.yaml", "invalid YAML"),
        ('{"case_id": "x", ', "bad.json", "invalid JSON"),
        ("case_id: x\nsite: kidny\n", "c.yaml", "field 'site'"),
        ("case_id: x\nsite: kidney\ntumor: {size_cm: -1}\n", "c.yaml", "field 'tumor.size_cm'"),
        ("case_id: x\nsite: kidney\npatient_name: someone\n", "c.yaml", "identifying field 'patient_name'"),
        ("case_id: x\nsite: kidney\nnotes: call 555-123-4567\n", "c.yaml", "phone"),
        ("", "empty.yaml", "empty"),
        ("- a\n- b\n", "list.yaml", "mapping"),
    ],
)
def test_bad_input_is_one_line_per_problem_and_exit_2(tmp_path, content, name, expected):
    path = tmp_path / name
    path.write_text(content)
    result = run("check", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("cryoelig: error: ") for line in lines)
    assert expected in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "555-123-4567" not in result.stderr and "someone" not in result.stderr
    assert directive_words(result.stderr) == []


def test_several_problems_each_on_its_own_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("case_id: x\nsite: bone\ntumor: {count: 0}\nsymptoms: {pain_score: 12}\n")
    result = run("check", str(path))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 2


def test_missing_file():
    result = run("check", "no/such/case.yaml")
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_bad_pack_is_exit_2(tmp_path, root):
    result = run("check", str(root / "examples" / "kidney-small.yaml"), "--pack", str(tmp_path))
    assert result.exit_code == 2 and "not a rule pack folder" in result.stderr


@pytest.mark.parametrize("which", ["case", "report", "pack", "rule"])
def test_schemas_are_published(which):
    result = run("schema", which)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_rules_check_and_test_pass_on_the_shipped_pack():
    assert run("rules", "check").exit_code == 0
    result = run("rules", "test")
    assert result.exit_code == 0 and " 0 failed" in result.stdout


def test_root_launcher_and_console_script_agree(root):
    case = str(root / "examples" / "bone-repeat.yaml")
    via_launcher = subprocess.run([sys.executable, str(root / "cli.py"), "check", case, "--format", "json"],
                                  capture_output=True, text=True, cwd=root)
    assert via_launcher.returncode == 0, via_launcher.stderr
    assert via_launcher.stdout == run("check", case, "--format", "json").stdout


def test_error_from_real_process_has_no_traceback(tmp_path, root):
    bad = tmp_path / "c.yaml"
    bad.write_text("case_id: x\nsite: bone\nmrn: 1\n")
    proc = subprocess.run([sys.executable, str(root / "cli.py"), "check", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "mrn" in proc.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "x.yaml", "--format", "bogus"], "'bogus' is not one of"),
        (["chek"], "No such command 'chek'"),
        (["check"], "Missing argument 'PATH'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, expected, root):
    proc = subprocess.run([sys.executable, str(root / "cli.py"), *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("cryoelig: error: ") and expected in proc.stderr
    assert "Traceback" not in proc.stderr and "╭" not in proc.stderr
