"""House rules that keep the layers apart, checked on the code itself."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRESENTATION = {"cli.py", "__main__.py", "commands", "render"}


def library_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "cryoelig").rglob("*.py")):
        rel = path.relative_to(ROOT / "cryoelig")
        if rel.parts[0] in PRESENTATION:
            continue
        names.append("cryoelig." + ".".join(rel.with_suffix("").parts).removesuffix(".__init__"))
    return names


def test_library_imports_neither_typer_nor_rich():
    modules = library_modules()
    code = (f"import sys; import {', '.join(modules)}; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_only_engine_imports_durable_rules():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "cryoelig").rglob("*.py")
                 if p.name != "engine.py" and re.search(r"^\s*(import|from)\s+durable", p.read_text(), re.M)]
    assert offenders == []


def test_yaml_is_only_loaded_safely():
    for path in (ROOT / "cryoelig").rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text or "SafeLoader" in text, path
        assert "yaml.unsafe_load" not in text and "FullLoader" not in text, path


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_ships_the_rule_pack(tmp_path):
    """A plain (non-editable) install carries the pack, so `cryoelig check` works from any folder."""
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {build.stderr[-300:]}")
    [wheel] = tmp_path.glob("cryoelig-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*") if p.is_file()}
    assert {f"cryoelig/pack/{r}" for r in rules} <= names
