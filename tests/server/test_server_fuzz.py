"""schemathesis over the live service's OpenAPI document: no server error and no schema non-conformance.

Why the command line and not ``schemathesis.pytest``: its fixture integration does not run on the
installed pytest, and ``schemathesis run`` drives all of its checks (server errors, status codes,
content types, response schemas, schema-violating requests accepted, schema-valid ones refused:
see ``schemathesis.toml`` for the documented refusals) over every phase, with a fixed seed and no
example database, so a run is reproducible (``--seed``) and bounded (about a minute here).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("schemathesis")

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES_PER_OPERATION = 15
SEED = 20250


def schemathesis_command() -> list[str]:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "schemathesis.cli"]


def test_schemathesis_finds_no_server_error_and_no_non_conformance(live_server, tmp_path):
    run = subprocess.run([*schemathesis_command(), "--config-file", str(CONFIG), "--no-color", "run",
                          live_server.url + "/openapi.json", "--checks", "all", "--mode", "all",
                          "-n", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED), "--generation-database", "none",
                          "--workers", "1", "--request-timeout", "30", "--continue-on-failure"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", report)
    assert generated and generated.group(1) == generated.group(2) and int(generated.group(1)) >= 1000, report[-2000:]
    assert re.search(r"Operations:\s+8 selected / 8 total", report), report[:2000]
    log = live_server.log_text()
    assert "Traceback" not in log and "internal error" not in log
