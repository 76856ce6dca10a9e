"""Installing on the Python users have: the engine guard, `--version`, the set-up helper, the README.

The engine guard is tested by making `import durable_rules_engine` fail in a subprocess (as it
does on Python 3.13 with a plain build, on a later Python, or without the package): every command
that needs the engine prints one line and exits 2, never falling back to the Python evaluator.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cryoelig import __version__
from cryoelig.errors import CryoeligError
from cryoelig.reasoning.engine import ENGINE_PIN, EngineUnavailableError, unavailable_message
from cryoelig.wording import directive_words

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/bone-repeat.yaml"
NO_ENGINE = "import sys; sys.modules['durable_rules_engine'] = None; from cryoelig.cli import main; main()"
UNDEFINED = ("raise ImportError('/v/lib/python3.13/site-packages/durable_rules_engine.cpython-313-x86_64-linux-gnu.so:"
             " undefined symbol: PyEval_CallObject')\n")


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install = _script("install")


def run_cli(args: list[str], code: str = NO_ENGINE, cwd: Path = ROOT, **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=120, **kw)


# ---------------------------------------------------------------- the engine guard

ENGINE_COMMANDS = {
    "check": ["check", EXAMPLE, "--format", "json"],
    "explain": ["explain", EXAMPLE],
    "report": ["report", EXAMPLE, "--out", "{tmp}/report.html"],
    "rules test": ["rules", "test"],
    "checklist": ["checklist", "--site", "kidney"],
    "batch --jobs 1": ["batch", "examples/cases.csv", "--out", "{tmp}/r.jsonl", "--jobs", "1"],
    "batch --jobs 2": ["batch", "examples/cases.csv", "--out", "{tmp}/r.jsonl", "--jobs", "2", "--chunk-rows", "2"],
}


@pytest.mark.parametrize("command", list(ENGINE_COMMANDS))
def test_engine_that_cannot_load_is_one_line_and_exit_2(command: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in ENGINE_COMMANDS[command]]
    proc = run_cli(args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    python = platform.python_version()
    assert len(lines) == 1, proc.stderr  # one line: no traceback, no worker noise, no question asked
    assert lines[0].startswith(f"cryoelig: error: the rule engine (durable-rules {ENGINE_PIN}) is not installed "
                               f"for Python {python}: set it up again with `python3 scripts/install.py --fresh`")
    assert f"-m pip install --no-cache-dir --force-reinstall durable-rules=={ENGINE_PIN}`" in lines[0]
    assert proc.stdout == ""  # no report from the Python evaluator in its place
    assert list(tmp_path.iterdir()) == []  # batch: nothing written, not even a partial file


def test_undefined_symbol_is_named_in_the_one_line(tmp_path: Path) -> None:
    """What Python 3.13 reports for a plain build of durable-rules 2.0.28."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "durable_rules_engine.py").write_text(UNDEFINED)
    proc = run_cli(["check", EXAMPLE], code="from cryoelig.cli import main; main()",
                   env={**__import__("os").environ, "PYTHONPATH": str(fake)})
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert f"cannot be loaded on Python {platform.python_version()} (undefined symbol: PyEval_CallObject):" in line
    assert "site-packages" not in line


def test_no_engine_is_the_explicit_way_without_it() -> None:
    proc = run_cli(["check", EXAMPLE, "--format", "json", "--no-engine"])
    assert proc.returncode == 0, proc.stderr
    assert '"case_id":"example-bone-repeat"' in proc.stdout.replace(" ", "")


@pytest.mark.parametrize(("version", "has_define", "says_untested"),
                         [((3, 11, 7), False, False), ((3, 12, 1), False, False), ((3, 13, 0), True, False),
                          ((3, 14, 0), True, True)])
def test_message_gives_the_fix_for_that_python(version: tuple[int, ...], has_define: bool,
                                               says_untested: bool) -> None:
    error = ImportError("/x/durable_rules_engine.so: undefined symbol: PyEval_CallObject")
    text = unavailable_message(error, version, "/home/u/my env/bin/python")
    assert "\n" not in text and directive_words(text) == []
    assert f"on Python {'.'.join(map(str, version))} (undefined symbol: PyEval_CallObject)" in text
    assert ('CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject"' in text) is has_define
    assert ("tested on Python 3.11 to 3.13" in text) is says_untested
    assert "'/home/u/my env/bin/python' -m pip install" in text  # that very Python, quoted for a shell


def test_guard_error_is_a_user_error() -> None:
    assert issubclass(EngineUnavailableError, CryoeligError)


def test_engine_layer_never_loads_durables_python_package() -> None:
    """durable's Python layer (durable.engine) is what calls datetime.utcfromtimestamp, deprecated
    since 3.12; cryoelig drives the C layer only, so that warning can never reach a user or a test."""
    code = ("import sys, warnings; warnings.simplefilter('error');"
            "from cryoelig.rulepack.load import load_pack; from cryoelig.facade import review;"
            "from cryoelig.inputs import read_case; pack = load_pack(None);"
            f"review(read_case('{EXAMPLE}', pack), pack);"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('durable', 'durable_rules_engine')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['durable_rules_engine']"


@pytest.mark.parametrize("args", [["check", EXAMPLE], ["check", EXAMPLE, "--format", "json"], ["rules", "test"],
                                  ["--version"]])
def test_cli_prints_no_warning(args: list[str]) -> None:
    proc = run_cli(args, code="from cryoelig.cli import main; main()")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


# ---------------------------------------------------------------- --version

def test_version_names_package_pack_engine_and_python(pack: Any) -> None:
    proc = run_cli(["--version"], code="from cryoelig.cli import main; main()")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"cryoelig {__version__}",
        f"rule pack {pack.name} {pack.version} sha256 {pack.sha256}",  # the set's: what reports and the service name
        *(f"  part {p.name} {p.version} sha256 {p.sha256}" for p in pack.members),
        f"engine durable-rules {importlib.metadata.version('durable-rules')}",
        f"python {platform.python_implementation()} {platform.python_version()}",
    ]
    assert importlib.metadata.version("cryoelig") == __version__  # the installed metadata is not stale


def test_version_says_when_the_engine_is_not_importable() -> None:
    proc = run_cli(["--version"])
    assert proc.returncode == 0, proc.stderr
    [engine] = [line for line in proc.stdout.splitlines() if line.startswith("engine ")]  # after a line per pack
    assert engine.startswith("engine not importable: the rule engine (durable-rules") and "install.py" in engine


# ---------------------------------------------------------------- the set-up helper (scripts/install.py)

def test_helper_pins_the_same_engine_as_the_project() -> None:
    project = install.project_metadata()
    assert install.engine_requirement(project) == f"durable-rules=={ENGINE_PIN}"
    assert project["requires-python"] == ">=3.11"
    tested = [c.rsplit(" ", 1)[-1] for c in project["classifiers"]
              if c.startswith("Programming Language :: Python :: 3.")]
    assert tested == [f"{major}.{minor}" for major, minor in install.TESTED]


@pytest.mark.parametrize(("version", "define"), [((3, 11, 7), False), ((3, 12, 1), False), ((3, 13, 0), True),
                                                 ((3, 14, 0), True)])
def test_helper_builds_the_engine_with_the_define_from_3_13(version: tuple[int, ...], define: bool) -> None:
    env = install.engine_build_env({"CPPFLAGS": "-I/opt/include", "PATH": "/bin"}, version)
    assert install.needs_define(version) is define
    expected = "-I/opt/include -DPyEval_CallObject=PyObject_CallObject" if define else "-I/opt/include"
    assert env["CPPFLAGS"] == expected and env["PATH"] == "/bin"
    assert install.engine_build_env({}, version).get("CPPFLAGS") == ("-DPyEval_CallObject=PyObject_CallObject"
                                                                     if define else None)


def test_helper_never_reuses_a_cached_or_published_engine_wheel() -> None:
    args = install.engine_pip_args(f"durable-rules=={ENGINE_PIN}")
    assert args[0] == "install" and args[-1] == f"durable-rules=={ENGINE_PIN}"
    assert "--no-cache-dir" in args and args[args.index("--no-binary") + 1] == "durable-rules"
    assert install.project_pip_args(Path("/src/cryoelig"), ["test", "x"]) == ["install", "-e", "/src/cryoelig[test,x]"]
    assert install.project_pip_args(Path("/src/cryoelig"), []) == ["install", "-e", "/src/cryoelig"]


def test_helper_refuses_an_unknown_extra_in_one_line() -> None:
    project = install.project_metadata()
    assert install.parse_extras(" test, ", project) == ["test"]
    with pytest.raises(install.SetupFailed, match=r"^unknown extra nope; the extras are: .*test"):
        install.parse_extras("test,nope", project)


PIP_LOGS = {
    "compiler": ("running build_ext\nbuilding 'durable_rules_engine_py' library\n"
                 "error: command 'gcc' failed: No such file or directory\n", "no C compiler was found"),
    "headers": ("src/rulespy/rules.c:1:10: fatal error: Python.h: No such file or directory\n"
                "error: command '/usr/bin/gcc' failed with exit code 1\n", "Python's C headers are missing"),
    "python": ("ERROR: Package 'cryoelig' requires a different Python: 3.10.1 not in '>=3.11'\n",
               "pip refuses Python 3.13 (3.10.1 not in '>=3.11')"),
    "index": ("ERROR: Could not find a version that satisfies the requirement durable-rules==2.0.28\n"
              "ERROR: No matching distribution found for durable-rules==2.0.28\n",
              "pip cannot find durable-rules==2.0.28"),
    "other": ("ERROR: something else broke\n", "pip could not install cryoelig: ERROR: something else broke"),
}


@pytest.mark.parametrize("cause", list(PIP_LOGS))
def test_helper_turns_pip_failures_into_one_line(cause: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "compiler_found", lambda: cause != "compiler")
    monkeypatch.setattr(install, "headers_found", lambda: cause != "headers")
    log_text, expected = PIP_LOGS[cause]
    line = install.diagnose_pip_failure(log_text, "cryoelig", Path("/v/cryoelig-install.log"), (3, 13))
    assert expected in line, line
    assert "\n" not in line and line.endswith("(pip's output: /v/cryoelig-install.log)")
    assert directive_words(line) == []


def test_helper_on_an_old_python_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    assert install.main(["--venv", "/nonexistent/never-made"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cryoelig needs Python 3.11 or later and this is 3.10.12" in err
    assert not Path("/nonexistent/never-made").exists()


def test_helper_refuses_to_replace_a_folder_that_is_not_a_venv(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(install.SetupFailed, match="is not a virtual environment"):
        install.make_venv(tmp_path, fresh=True, quiet=True)
    assert (tmp_path / "keep.txt").read_text() == "mine"


# ---------------------------------------------------------------- the README's commands

def ci_extras() -> list[str]:
    """The EXTRAS list at the top of .ci/run (one extra per line, comments after '#')."""
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = text[text.index("EXTRAS=(") + len("EXTRAS=("):]
    block = block[block.index("\n") + 1:block.index("\n)")]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def test_readme_set_up_commands_use_the_helper() -> None:
    """The README's test command installs the extras CI installs, so a local run skips no test for
    want of a Python package."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    extras = ci_extras()
    assert "test" in extras and "figures" in extras, "the list is read"
    run_line = f"python3 scripts/install.py && .venv/bin/cryoelig check {EXAMPLE}"
    test_line = f"python3 scripts/install.py --extras {','.join(extras)} && .venv/bin/python -m pytest"
    assert f"```bash\n{run_line}\n```" in readme and f"```bash\n{test_line}\n```" in readme
    assert (ROOT / EXAMPLE).is_file()
    assert install.parse_extras(",".join(extras), install.project_metadata()) == extras
    assert 'CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" pip install --no-cache-dir' in readme
    assert directive_words(readme[readme.index("## Quick start"):readme.index("## Use")]) == []


# ---------------------------------------------------------------- scripts/compare_pythons.py

def test_compare_flags_every_output_that_differs() -> None:
    compare = _script("compare_pythons").compare
    same = {"a": "1", "b": "2"}
    assert compare([("3.11.7", same), ("3.13.0", dict(same))]) == []
    assert compare([("3.11.7", same), ("3.13.0", {"a": "1", "b": "3"})]) == ["b"]
    assert compare([("3.11.7", same), ("3.13.0", {"a": "1"})]) == ["b"]


def test_compare_covers_every_example_and_both_batch_outputs(tmp_path: Path) -> None:
    module = _script("compare_pythons")
    names = [name for name, _, _ in module.commands({"generated": tmp_path / "g.csv",
                                                     "scenarios": tmp_path / "s.jsonl"}, tmp_path)]
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        assert f"check json {example.name}" in names
    assert {"batch generated -> jsonl", "batch generated -> csv", "batch scenarios -> jsonl",
            "rules test"} <= set(names)
