"""What decides a run: cryoelig, the default rule pack, the rule engine and the Python.

Why a module of its own: `cryoelig --version` prints these lines, and a reviewer who runs a
batch on two interpreters compares them. They stay out of the report itself, whose bytes are
the same on every supported Python (scripts/compare_pythons.py checks that).
"""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import dataclass

from . import __version__
from .errors import CryoeligError


@dataclass(frozen=True)
class Versions:
    package: str
    pack: str
    engine: str
    python: str

    def lines(self) -> list[str]:
        # the pack (a set: its sha256, the one reports and the service name), then a set's parts with their own
        return [f"cryoelig {self.package}", *(f"rule pack {p}" if i == 0 else f"  part {p}"
                                              for i, p in enumerate(self.pack.split("; "))),
                f"engine {self.engine}", f"python {self.python}"]


def pack_version(pack_dir: str | None = None) -> str:
    """'<name> <version> sha256 <hash>' of the default pack set (or of pack_dir), then of each of a set's
    packs with its own, joined by '; '."""
    from .rulepack.load import load_pack

    try:
        pack = load_pack(pack_dir)
    except CryoeligError as error:
        return "cannot be loaded: " + str(error).splitlines()[0]
    return "; ".join(f"{p.name} {p.version} sha256 {p.sha256}" for p in (pack, *pack.members))


def engine_version() -> str:
    """'durable-rules <version>' when the engine imports here, else 'not importable: <why, and the fix>'."""
    try:
        from .reasoning import engine
    except CryoeligError as error:
        return f"not importable: {error}"
    try:
        return f"{engine.ENGINE_DIST} {importlib.metadata.version(engine.ENGINE_DIST)}"
    except importlib.metadata.PackageNotFoundError:  # importable without installed metadata (a source build)
        return f"{engine.ENGINE_DIST} (version unknown)"


def python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def versions(pack_dir: str | None = None) -> Versions:
    return Versions(__version__, pack_version(pack_dir), engine_version(), python_version())


def version_lines(pack_dir: str | None = None) -> list[str]:
    return versions(pack_dir).lines()
