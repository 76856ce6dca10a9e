"""What every batch output says about itself: the non-diagnostic notice and the pack identity.

Why: a results file travels without the command that made it; it must say, as a report does, that it is
not a diagnosis and which rule pack made it (name, version and the sha256 ``--version`` gives). Each format
carries the same mapping: Parquet key-value metadata, an xlsx sheet "about", the summary JSON's "about" key
and page, and for CSV (which has no place for it that every reader skips) a sidecar ``<out>.about.json``; a
compact JSONL's words file (``<out>.words.json``) names the pack as its lines do, by its sha256.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..report.projection import DISCLAIMER
from ..report.words import words_json
from .outfiles import write_atomic

#: the report's own notice, word for word: a results file is many reports
NOTICE = DISCLAIMER


def about(pack: Any) -> dict[str, Any]:
    """The notice and the pack identity (a set: its sha256, the one --version gives)."""
    return {"notice": NOTICE, "pack": {"name": pack.name, "version": pack.version, "sha256": pack.sha256}}


def sidecar_path(out: Path) -> Path:
    """Where a CSV's notice and identity go: beside it, ``results.csv.about.json``."""
    return out.with_name(out.name + ".about.json")


def about_json(pack: Any) -> bytes:
    return (json.dumps(about(pack), indent=2, sort_keys=True) + "\n").encode()


def write_sidecars(out_kind: str, files: Any, pack: Any) -> None:
    """The files a run writes beside its results: a CSV's notice and identity (a CSV has no place for them
    every reader skips), a compact run's words (``files.words``: what its lines' ids stand for, once)."""
    if out_kind == "csv":
        write_atomic(sidecar_path(files.out), about_json(pack))
    if files.words is not None:
        write_atomic(files.words, words_json(pack))
