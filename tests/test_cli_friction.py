"""Issue 9, CLI friction: what a clinician meets first (a batch file given to check, the launcher outside
its environment, the evaluator option, the batch help, the README's commands)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.mark.parametrize("command", ["check", "explain", "report"])
@pytest.mark.parametrize("name", ["cases.csv", "cases.jsonl", "CASES.NDJSON"])
def test_a_file_of_many_cases_is_pointed_to_batch_in_one_line(tmp_path, command, name):
    """Issue 9: `check cases.csv` said "a case is a mapping" instead of pointing to batch."""
    path = tmp_path / name
    path.write_text((ROOT / "examples" / ("cases.csv" if name.endswith("csv") else "cases.jsonl")).read_text())
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines == [f"cryoelig: error: {path}: a file of many cases; use cryoelig batch {path} --out results.jsonl"]


def test_the_root_launcher_outside_its_environment_says_so_in_one_line():
    """Issue 9: `python cli.py` outside the virtual environment printed a traceback. With -S the
    installed packages are out of reach, as for a Python where cryoelig was never installed."""
    proc = subprocess.run([sys.executable, "-S", "cli.py", "--version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert re.match(r"cryoelig: error: cannot start: \S+ is not installed for .*; activate the project's "
                    r"environment first \(\. \.venv/bin/activate\) or run \.venv/bin/cryoelig$", proc.stderr.strip())


def test_the_root_launcher_inside_its_environment_runs_the_command():
    proc = subprocess.run([sys.executable, "cli.py", "--version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("cryoelig ")
    assert re.search(r"^rule pack cryoelig-default \S+ sha256 [0-9a-f]{64}$", proc.stdout, re.MULTILINE)


@pytest.mark.parametrize("command", [["check"], ["explain"], ["report"], ["rules", "test"]])
def test_the_evaluator_option_speaks_to_a_clinician(command):
    """Issue 9: `--engine/--no-engine` was jargon; `--decided-by engine|python` says what it is, and the old
    spelling stays hidden so that scripts keep working."""
    shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
    assert "--decided-by" in shown and "[engine|python]" in shown
    assert "both give the same points" in " ".join(shown.split())
    assert "--no-engine" not in shown


@pytest.mark.parametrize("option", [["--decided-by", "python"], ["--no-engine"], ["--engine"], []])
def test_every_spelling_gives_the_same_report(option):
    case = str(ROOT / "examples" / "bone-repeat.yaml")
    reference = runner.invoke(app, ["check", case, "-f", "json"]).stdout
    result = runner.invoke(app, ["check", case, "-f", "json", *option])
    assert result.exit_code == 0 and result.stdout == reference


def test_decided_by_refuses_other_words():
    result = runner.invoke(app, ["check", str(ROOT / "examples" / "bone-repeat.yaml"), "--decided-by", "durable"])
    assert result.exit_code == 2


def test_batch_help_lists_its_input_formats():
    """Issue 9: the batch help did not list its input formats."""
    shown = " ".join(runner.invoke(app, ["batch", "--help"], env={"COLUMNS": "200"}).stdout.split())
    for fmt in ("CSV file (.csv", "JSON Lines file (.jsonl or .ndjson", "folder of case files (.yaml, .yml, .json)",
                "- (JSON Lines on standard input)"):
        assert fmt in shown


def test_readme_use_starts_in_the_environment():
    """Issue 9: the README's "Use" commands needed an activated environment without saying so."""
    readme = (ROOT / "README.md").read_text()
    use = readme.split("## Use", 1)[1].split("\n## ", 1)[0]
    first_block = use.split("```bash", 1)[1].split("```", 1)[0]
    assert first_block.strip().splitlines()[0].startswith(". .venv/bin/activate")
