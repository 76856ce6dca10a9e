"""Set up cryoelig in a virtual environment with the Python that runs this script.

    python3 scripts/install.py [--extras test,...] [--venv .venv] [--fresh]

Why a script and not a bare `pip install -e .`: durable-rules 2.0.28, the rule engine, is
built from source, and its C code calls PyEval_CallObject, which Python 3.13 removed. The build
succeeds there but the module fails at import ("undefined symbol: PyEval_CallObject"). The two
calls take the same arguments, so on Python 3.13 and later this script builds durable-rules
with CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" (its setup.py overwrites CFLAGS, not
CPPFLAGS) and without pip's cache (pip keys a built wheel by the source archive, not by the
flags, so a broken wheel from an earlier plain attempt would otherwise be reused). Nothing of
durable-rules is copied into this project. On 3.11 and 3.12 it is a plain editable install.

At the end it checks that the engine loads and that the rule pack's scenarios pass through it.
Any failure is one line saying what to do, and exit code 2. Standard library only, so that it
runs before anything is installed.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_PYTHON = (3, 11)
TESTED = ((3, 11), (3, 12), (3, 13))
ENGINE = "durable-rules"
ENGINE_MODULE = "durable_rules_engine"
# The define that lets durable-rules 2.0.28 load on Python 3.13+ (see the docstring).
PY313_DEFINE = "-DPyEval_CallObject=PyObject_CallObject"
LOG_NAME = "cryoelig-install.log"


class SetupFailed(Exception):
    """One line for the user: what went wrong and what to do."""


def say(text, quiet=False):
    if not quiet:
        print(f"cryoelig set-up: {text}", flush=True)


def dotted(version):
    return ".".join(str(part) for part in version)


def project_metadata(root=ROOT):
    """The [project] table of pyproject.toml (read with tomllib, Python 3.11+)."""
    import tomllib

    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def engine_requirement(project):
    """The pinned engine requirement, e.g. 'durable-rules==2.0.28', from the project's dependencies."""
    for requirement in project["dependencies"]:
        if re.match(r"^durable[-_]rules\b", requirement, re.IGNORECASE):
            return requirement.replace(" ", "")
    raise SetupFailed("pyproject.toml names no durable-rules dependency")


def parse_extras(text, project):
    known = sorted(project.get("optional-dependencies", {}))
    extras = [e.strip() for e in (text or "").split(",") if e.strip()]
    unknown = [e for e in extras if e not in known]
    if unknown:
        raise SetupFailed(f"unknown extra {', '.join(unknown)}; the extras are: {', '.join(known) or 'none'}")
    return extras


def needs_define(version):
    """Python 3.13 and later build durable-rules 2.0.28 with the PyEval_CallObject define."""
    return tuple(version[:2]) >= (3, 13)


def engine_build_env(environ, version):
    """The environment for building durable-rules: the user's CPPFLAGS kept, the define added on 3.13+."""
    env = dict(environ)
    if needs_define(version):
        env["CPPFLAGS"] = f"{env.get('CPPFLAGS', '')} {PY313_DEFINE}".strip()
    return env


def engine_pip_args(requirement):
    """pip arguments that build the engine from source here, never from a cached or published wheel."""
    name = requirement.split("=")[0].split("<")[0].split(">")[0]
    return ["install", "--no-cache-dir", "--no-binary", name, "--force-reinstall", "--no-deps", requirement]


def project_pip_args(root, extras):
    target = str(root) + (f"[{','.join(extras)}]" if extras else "")
    return ["install", "-e", target]


def venv_python(venv):
    return venv / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def venv_version(venv):
    """(major, minor) of an existing virtual environment, or None when it is missing or unusable."""
    python = venv_python(venv)
    if not python.exists():
        return None
    try:
        out = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def make_venv(venv, fresh, quiet):
    """Create (or reuse, when it has this Python's version) the virtual environment."""
    import venv as venv_module

    here = sys.version_info[:2]
    if venv.exists() and not (venv / "pyvenv.cfg").exists():
        raise SetupFailed(f"{venv} exists and is not a virtual environment; move it away or pass --venv elsewhere")
    existing = venv_version(venv) if venv.exists() else None
    if existing == here and not fresh:
        say(f"using {venv} (Python {dotted(here)})", quiet)
        return
    if venv.exists():
        was = f"Python {dotted(existing)}" if existing else "unusable"
        say(f"replacing {venv} ({was}) with a new one for Python {dotted(here)}", quiet)
    else:
        say(f"creating {venv} with Python {dotted(sys.version_info[:3])} ({sys.executable})", quiet)
    try:
        venv_module.EnvBuilder(with_pip=True, clear=True).create(str(venv))
    except Exception:  # every cause becomes the one line below
        shutil.rmtree(venv, ignore_errors=True)
        import importlib.util

        if importlib.util.find_spec("ensurepip") is None:
            raise SetupFailed(f"this Python cannot create virtual environments (no ensurepip): install "
                              f"python{dotted(here)}-venv (Debian/Ubuntu) and run this again") from None
        raise SetupFailed(f"cannot create the virtual environment {venv} with {sys.executable}") from None


def run_pip(python, args, env, log):
    """Run pip in the venv, its output appended to the log; returns its exit code."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {python} -m pip {' '.join(args)}\n")
        out.flush()
        return subprocess.run([str(python), "-m", "pip", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode


def compiler_found():
    """Whether the C compiler Python builds extensions with (CC, else sysconfig's) is on PATH."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return shutil.which(cc.split()[0]) is not None


def headers_found():
    include = sysconfig.get_paths().get("include")
    return bool(include) and (Path(include) / "Python.h").exists()


def diagnose_pip_failure(log_text, what, log, version=None):
    """One line from pip's output and the machine: the cause pip buried, and what to do."""
    version = tuple(version or sys.version_info[:2])
    python = f"python{dotted(version[:2])}"
    tail = f" (pip's output: {log})"
    building = "error: command" in log_text or "Building wheel" in log_text or "setup.py" in log_text
    if re.search(r"command '[^']*' failed: No such file|unable to execute|gcc: not found|cc: not found",
                 log_text) or (building and not compiler_found()):
        return (f"{ENGINE} is built from C source and no C compiler was found: install one (Debian/Ubuntu: "
                f"apt install gcc; Fedora: dnf install gcc; macOS: xcode-select --install) and run this again{tail}")
    if "Python.h: No such file" in log_text or (building and not headers_found()):
        return (f"Python's C headers are missing, so {ENGINE} cannot be built: install them (Debian/Ubuntu: "
                f"apt install {python}-dev; Fedora: dnf install {python}-devel) and run this again{tail}")
    refused = re.search(r"requires a different Python: (.*)", log_text)
    if refused:
        return (f"pip refuses Python {dotted(version)} ({refused.group(1).strip()}); cryoelig is tested on Python "
                f"{dotted(TESTED[0])} to {dotted(TESTED[-1])}: run this script with one of those{tail}")
    if "No matching distribution found" in log_text or "Could not find a version" in log_text:
        missing = re.search(r"No matching distribution found for (\S+)", log_text)
        name = missing.group(1) if missing else "a package"
        return f"pip cannot find {name} (no network, or no access to the package index?){tail}"
    last = [line.strip() for line in log_text.splitlines() if line.strip().lower().startswith("error")]
    detail = f": {last[-1][:160]}" if last else ""
    return f"pip could not install {what}{detail}{tail}"


def engine_import_error(python):
    """None when the engine loads in the venv, else the last line of the import error."""
    out = subprocess.run([str(python), "-c", f"import {ENGINE_MODULE}"], capture_output=True, text=True)
    if out.returncode == 0:
        return None
    lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
    return lines[-1].rsplit(".so: ", 1)[-1] if lines else f"exit code {out.returncode}"


def check_engine(python, version):
    """The engine loads, and the pack's scenarios pass through it (`cryoelig rules test`)."""
    error = engine_import_error(python)
    if error is not None:
        later = (f"; cryoelig is tested on Python {dotted(TESTED[0])} to {dotted(TESTED[-1])}: run this "
                 f"script with one of those" if tuple(version[:2]) > TESTED[-1] else
                 "; run this script again with --fresh")
        raise SetupFailed(f"{ENGINE} was installed but does not load on Python {dotted(version)} ({error}){later}")
    out = subprocess.run([str(python), "-m", "cryoelig", "rules", "test"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    last = (out.stdout.strip().splitlines() or ["no output"])[-1]
    if out.returncode != 0:
        problem = (out.stderr.strip().splitlines() or [last])[-1]
        raise SetupFailed(f"the rule engine loads but the pack's scenarios do not pass through it: {problem}")
    return last


def install(venv, extras, fresh=False, quiet=False, root=ROOT):
    version = tuple(sys.version_info[:3])
    project = project_metadata(root)
    extras = parse_extras(extras, project)
    requirement = engine_requirement(project)
    if version[:2] > TESTED[-1]:
        say(f"Python {dotted(version)} is newer than the versions cryoelig is tested on "
            f"({dotted(TESTED[0])} to {dotted(TESTED[-1])}); set-up goes on and checks the engine at the end", quiet)
    make_venv(venv, fresh, quiet)
    python = venv_python(venv)
    log = venv / LOG_NAME
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    if needs_define(version):
        if engine_import_error(python) is None:
            say(f"{ENGINE} already loads in {venv}: not rebuilt", quiet)
        else:
            say(f"building {requirement} for Python {dotted(version[:2])} with CPPFLAGS={PY313_DEFINE}", quiet)
            if run_pip(python, engine_pip_args(requirement), engine_build_env(env, version), log) != 0:
                raise SetupFailed(diagnose_pip_failure(log.read_text(encoding="utf-8"), requirement, log, version))
    what = "cryoelig" + (f" with extras {','.join(extras)}" if extras else "")
    say(f"installing {what} (editable) into {venv}", quiet)
    if run_pip(python, project_pip_args(root, extras), env, log) != 0:
        raise SetupFailed(diagnose_pip_failure(log.read_text(encoding="utf-8"), what, log, version))
    scenarios = check_engine(python, version)
    say(f"ready: {venv_python(venv).parent / 'cryoelig'} (Python {dotted(version)}; the pack's scenarios "
        f"through the engine: {scenarios})", quiet)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 scripts/install.py",
        description="Set up cryoelig in a virtual environment with the Python that runs this script.")
    parser.add_argument("--extras", default="", help="comma-separated extras, e.g. test (see pyproject.toml)")
    parser.add_argument("--venv", type=Path, default=None, help="where (default: .venv in the cryoelig folder)")
    parser.add_argument("--fresh", action="store_true", help="replace an existing virtual environment")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only failures")
    args = parser.parse_args(argv)
    if sys.version_info[:2] < MIN_PYTHON:
        print(f"cryoelig set-up: error: cryoelig needs Python {dotted(MIN_PYTHON)} or later and this is "
              f"{dotted(sys.version_info[:3])} ({sys.executable}); run this script with python3.11, python3.12 or "
              "python3.13", file=sys.stderr)
        return 2
    venv = (args.venv if args.venv is not None else ROOT / ".venv").absolute()
    try:
        install(venv, args.extras, fresh=args.fresh, quiet=args.quiet)
    except SetupFailed as failure:
        print(f"cryoelig set-up: error: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cryoelig set-up: interrupted; run the same command again to finish", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
