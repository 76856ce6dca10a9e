"""A cache of validated rule packs, so a one-case `check` does not re-validate the pack.

Why: validating a pack (YAML parsing, schema, quotes against the source, wording lint,
condition parsing) is most of a single check's own start-up cost. The key is a sha256 over
every byte of the pack's files *and* of the library modules that validate it, so any change
to either misses the cache; a cache that cannot be read or written is simply not used.
Set CRYOELIG_NO_CACHE=1 to turn it off; CRYOELIG_CACHE_DIR to move it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..atomic import write_atomic

#: The packages whose code makes a validated pack. tests/test_architecture.py checks that every module the
#: loader reaches is in them or is a top-level module (hashed too); every module file is found by walking,
#: so a module added or moved is never left out.
_VALIDATING_PACKAGES = ("case", "rulepack", "scales")
FORMAT = 4


def library_files() -> list[Path]:
    """The library's files a validated pack depends on: the top-level modules and every module of the
    validating packages, in a fixed order."""
    package = Path(__file__).resolve().parents[1]
    files = [p for p in package.glob("*.py")]
    for name in _VALIDATING_PACKAGES:
        files.extend((package / name).rglob("*.py"))
    return sorted(files)


def cache_dir() -> Path | None:
    if os.environ.get("CRYOELIG_NO_CACHE"):
        return None
    if os.environ.get("CRYOELIG_CACHE_DIR"):
        return Path(os.environ["CRYOELIG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cryoelig"


def fingerprint(directory: Path) -> str | None:
    """sha256 over the pack folder's path, its files (scenarios excluded) and the validating code."""
    if cache_dir() is None:
        return None
    digest = hashlib.sha256(f"{FORMAT}\0{directory.resolve()}\0".encode())
    try:
        for path in library_files():
            digest.update(path.read_bytes())
        files = sorted(p for p in directory.rglob("*") if p.is_file() and "scenarios" not in p.parts)
        for path in files:
            digest.update(f"\0{path.relative_to(directory).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def read(key: str | None) -> dict[str, Any] | None:
    folder = cache_dir()
    if key is None or folder is None:
        return None
    try:
        return json.loads((folder / f"pack-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(key: str | None, data: dict[str, Any]) -> None:
    """Atomic write (cryoelig.atomic); failures are ignored: the cache is optional."""
    folder = cache_dir()
    if key is None or folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"pack-{key}.json", json.dumps(data, ensure_ascii=False))
    except OSError:
        return
