"""Run the real command line on hostile input and check the promises every run must keep.

Every run: ``python -m cryoelig ...`` in a subprocess, with a wall-clock bound and an address-space
cap (so a regression that grows memory fails the test instead of the machine). The promises:
exit code 0, 1 or 2; no signal; no ``Traceback``; finished within the bound; no planted identifier
in standard output, standard error or any file the run wrote; no control character printed.

``CRYOELIG_HOSTILE_PYTHONPATH=<src>`` runs the same checks against another source tree (used to
show that each test fails on the code before the fix).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Wall-clock bound for one run (a loaded 2-core machine; a run typically takes well under 2 s).
BOUND_SECONDS = 30.0
#: Address-space cap per run: far above what any run needs (~300 MB), far below the machine.
MAX_ADDRESS_SPACE = 3 << 30
#: Distinctive identifiers planted in hostile inputs; none may ever be printed or written back.
PLANTED = ("123-45-6789", "Jane_Doe", "jane@example.org", "555-0199", "14-Mar-2025", "02139",
           "2025_03_14", "C_2025-03-14", "Jane Doe", "2024-03-12")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
CLOSED = object()


@dataclass
class Outcome:
    args: list[str]
    code: int
    out: str
    err: str
    seconds: float
    timed_out: bool = False
    files: dict[str, bytes] = field(default_factory=dict)

    def describe(self) -> str:
        return (f"cryoelig {' '.join(a[:60] for a in self.args)} -> exit {self.code} in {self.seconds:.1f} s\n"
                f"stderr: {self.err[-1500:]}\nstdout: {self.out[-500:]}")


def _limits() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MAX_ADDRESS_SPACE, MAX_ADDRESS_SPACE))
    os.setsid()


def environment() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    other = os.environ.get("CRYOELIG_HOSTILE_PYTHONPATH")
    if other:
        env["PYTHONPATH"] = other + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(args: list[str], stdin: bytes | object | None = None, stdout: str = "pipe", cwd: Path | None = None,
            timeout: float = BOUND_SECONDS, stderr: str = "pipe") -> Outcome:
    """One run. ``stdin``: bytes, None (empty) or CLOSED; ``stdout``/``stderr``: 'pipe', 'full' or 'closed'."""
    cmd = [sys.executable, "-m", "cryoelig", *args]
    opened = []

    def target(kind: str) -> object:
        if kind == "pipe":
            return subprocess.PIPE
        if kind == "full":
            handle = open("/dev/full", "wb")  # noqa: SIM115 - closed below
            opened.append(handle)
            return handle
        return None

    pass_fds: list[int] = []
    close = []
    if stdin is CLOSED:
        close.append(0)
    if stdout == "closed":
        close.append(1)
    if stderr == "closed":
        close.append(2)
    if close:  # a shell closes the descriptors, as `cmd <&- >&- 2>&-` does
        redirs = " ".join(f"{fd}>&-" if fd else "<&-" for fd in close)
        cmd = ["/bin/sh", "-c", 'exec "$@" ' + redirs, "sh", *cmd]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if isinstance(stdin, bytes) else subprocess.DEVNULL,
                            stdout=target(stdout) if stdout != "closed" else subprocess.DEVNULL,
                            stderr=target(stderr) if stderr != "closed" else subprocess.DEVNULL,
                            cwd=cwd, env=environment(), preexec_fn=_limits, pass_fds=pass_fds)
    timed_out = False
    try:
        out, err = proc.communicate(stdin if isinstance(stdin, bytes) else None, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
    finally:
        for handle in opened:
            handle.close()
    seconds = time.monotonic() - start
    return Outcome(list(args), proc.returncode, (out or b"").decode("utf-8", "replace"),
                   (err or b"").decode("utf-8", "replace"), seconds, timed_out)


def written_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` that a run may have written (inputs included; callers
    plant identifiers in inputs, so they check outputs by name)."""
    files = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def check_promises(outcome: Outcome, planted: tuple[str, ...] = PLANTED, outputs: dict[str, bytes] | None = None,
                   codes: tuple[int, ...] = (0, 1, 2)) -> None:
    """The promises of every run (see the module docstring)."""
    assert not outcome.timed_out, f"no answer within {BOUND_SECONDS} s (a hang)\n{outcome.describe()}"
    assert outcome.code >= 0, f"killed by signal {-outcome.code}\n{outcome.describe()}"
    assert outcome.code in codes, f"exit code {outcome.code} not in {codes}\n{outcome.describe()}"
    for text in (outcome.out, outcome.err):
        assert "Traceback" not in text, outcome.describe()
        assert not _CONTROL.search(text), f"control character printed: {_CONTROL.search(text)!r}\n{outcome.describe()}"
        for secret in planted:
            assert secret not in text, f"planted identifier {secret!r} printed\n{outcome.describe()}"
    for name, data in (outputs or {}).items():
        for secret in planted:
            assert secret.encode() not in data, f"planted identifier {secret!r} written to {name}"
    for line in outcome.err.splitlines():
        assert line.startswith(("cryoelig", "  ", ">", "")) or not line.strip(), line
