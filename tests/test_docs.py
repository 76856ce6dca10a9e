"""The docs stay true: the generated rule catalog is current, and every command shows an example."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from cryoelig.cli import app
from cryoelig.render.catalog_markdown import CATALOG_COMMAND, catalog_markdown

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_rule_catalog_is_current(pack):
    committed = (DOCS / "rule-catalog.md").read_text(encoding="utf-8")
    assert committed == catalog_markdown(pack), f"docs/rule-catalog.md is stale: run `{CATALOG_COMMAND}`"


def test_catalog_lists_every_rule_and_factor(pack):
    text = catalog_markdown(pack)
    for rule in pack.rules:
        assert f"#### {rule.id}\n" in text
    for factor in pack.meta.factors:
        assert f"| `{factor.id}` | {factor.kind} |" in text


def command_paths(group=None, prefix=()):  # noqa: ANN001, ANN201
    group = group or typer.main.get_command(app)
    paths = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(command, "commands"):
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


COMMANDS = command_paths()


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_help_has_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout, f"`cryoelig {' '.join(path)} --help` shows no example"


@pytest.mark.parametrize("doc", ["user-guide.md", "case-schema.md", "rule-authoring.md", "rule-catalog.md",
                                 "factors.md", "architecture.md", "api.md", "deploy.md"])
def test_docs_exist(doc):
    assert (DOCS / doc).read_text(encoding="utf-8").strip()


def test_user_guide_covers_every_command():
    guide = (DOCS / "user-guide.md").read_text(encoding="utf-8")
    for path in COMMANDS:
        assert f"cryoelig {' '.join(path)}" in guide, f"docs/user-guide.md does not show `cryoelig {' '.join(path)}`"


def _documented_commands():
    """Console blocks of the user guide with one read-only `cryoelig` command and its shown output."""
    import re

    text = (ROOT / "docs" / "user-guide.md").read_text()
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        if not lines[0].startswith("$ cryoelig ") or sum(line.startswith("$ ") for line in lines) != 1:
            continue
        command = lines[0][2:]
        if any(word in command for word in ("--out", " batch", " checklist", " summarize", "|")):
            continue
        yield command, [line.rstrip() for line in lines[1:] if line.strip() not in ("", "...", "\u2026")]


@pytest.mark.parametrize(("command", "shown"), list(_documented_commands()), ids=lambda v: str(v)[:50])
def test_user_guide_outputs_are_current(command, shown):
    """Every output line the guide shows (elisions aside) is what the command prints now, in order."""
    import os
    import shlex
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    args = [sys.executable, str(ROOT / "cli.py"), *shlex.split(command)[1:]]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    printed = [line.rstrip() for line in (proc.stdout + proc.stderr).splitlines()]
    position = 0
    for line in shown:
        assert line in printed[position:], f"docs/user-guide.md is stale for `{command}`: {line!r}"
        position = printed.index(line, position) + 1


def _documented_writing_commands():
    """Console blocks of the guide whose one `cryoelig` command writes files (`--out`, batch, summarize):
    run in order in one scratch folder, as a reader would from the repository folder."""
    import re

    text = (ROOT / "docs" / "user-guide.md").read_text()
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        if not lines[0].startswith("$ cryoelig ") or sum(line.startswith("$ ") for line in lines) != 1:
            continue
        command = lines[0][2:]
        if "|" in command or " checklist" in command or " - " in command:
            continue
        shown = "\n".join(lines[1:])
        if "is not installed" in shown or "is not found" in shown:  # a machine without an optional extra or program
            continue
        if any(word in command for word in ("--out", " batch", " summarize")):
            yield command, [line.rstrip() for line in lines[1:] if line.strip() not in ("", "...", "\u2026")]


def test_user_guide_outputs_of_commands_that_write_files_are_current(tmp_path):
    """Issue 9: the guide showed an output path that the command does not print."""
    import os
    import shlex
    import subprocess
    import sys

    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "docs").mkdir()
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    commands = list(_documented_writing_commands())
    assert {c.split()[1] for c, _ in commands} >= {"report", "rules", "batch", "summarize"}
    for command, shown in commands:
        args = [sys.executable, str(ROOT / "cli.py"), *shlex.split(command)[1:]]
        proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
        printed = [line.rstrip() for line in (proc.stdout + proc.stderr).splitlines()]
        position = 0
        for line in shown:
            assert line in printed[position:], f"docs/user-guide.md is stale for `{command}`: {line!r}"
            position = printed.index(line, position) + 1


def test_api_examples_run_and_use_only_the_public_names(capsys):
    """docs/api.md: every Python block runs as written, and names only what cryoelig exports."""
    import re

    import cryoelig

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102 - the project's own doc
        used = set(re.findall(r"\bcryoelig\.(\w+)", block))
        assert used <= set(cryoelig.__all__), used - set(cryoelig.__all__)
    assert "points" in capsys.readouterr().out
    documented = set(re.findall(r"^\| `(\w+)", text, re.M))
    assert documented <= set(cryoelig.__all__), documented - set(cryoelig.__all__)


def test_readme_example_output_is_what_check_prints():
    """README.md shows the start of a real `check --format markdown`: every line of it, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    result = CliRunner().invoke(app, ["check", str(ROOT / "examples" / "kidney-small.yaml"), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    printed = result.stdout.splitlines()
    position = 0
    for line in shown:
        assert line in printed[position:], f"not printed (in this order): {line!r}"
        position = printed.index(line, position) + 1
    assert len(readme.splitlines()) <= 150


def _documented_checklist_sessions():
    """The guide's checklist transcripts: the command, the answers typed (``> x`` before the summary) and the
    lines shown (elisions aside)."""
    import re

    text = (ROOT / "docs" / "user-guide.md").read_text()
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        if not lines[0].startswith("$ cryoelig checklist"):
            continue
        answers, shown, summary = [], [], False
        for line in lines[1:]:
            summary = summary or line.startswith("# ")
            if not summary and re.fullmatch(r">( .*)?", line):
                answers.append(line[2:])
            elif line.strip() not in ("", "...", "\u2026"):
                shown.append(line.rstrip())
        yield lines[0][2:], answers, shown


@pytest.mark.parametrize(("command", "answers", "shown"), list(_documented_checklist_sessions()),
                         ids=lambda v: str(v)[:50])
def test_user_guide_checklist_sessions_run_as_shown(command, answers, shown):
    """Issue 22: a script written from the guide's checklist session gets the questions the guide shows, in
    order, and the summary; questions the guide does not show are answered with Enter (unknown)."""
    import os
    import shlex
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    args = [sys.executable, str(ROOT / "cli.py"), *shlex.split(command)[1:]]
    typed = "\n".join(answers) + "\n" * 80
    proc = subprocess.run(args, input=typed, capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-500:]
    printed = [line.rstrip() for line in (proc.stderr + proc.stdout).splitlines()]
    position = 0
    for line in shown:
        assert line in printed[position:], f"docs/user-guide.md is stale for `{command}`: {line!r}"
        position = printed.index(line, position) + 1


def test_nothing_points_outside_the_repository():
    """Code, tests, scripts and docs name only files in the repository: no design note beside the checkout."""
    import re

    outside = re.compile(r"\.\./shared|shared/design|engine-notes\.md|perf-notes\.md")
    folders = ("cryoelig", "tests", "bench", "scripts", "docs", "rules", ".ci")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for folder in folders for path in sorted((ROOT / folder).rglob("*"))
             if path.is_file() and path.suffix in {".py", ".md", ".yaml", ".toml", ""} and path != Path(__file__)
             for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if outside.search(line)]
    found += [f"{name}:{number}" for name in ("README.md", "pyproject.toml", "cli.py")
              for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1)
              if outside.search(line)]
    assert not found, found
