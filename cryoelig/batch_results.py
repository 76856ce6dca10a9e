"""What the summary page needs from a finished batch run, read back from its files, streamed.

Why a second reader next to ``batch.summarize_files``: the page also names the rule pack(s)
that produced the results (name, version, sha256, from each report's ``pack``), which the
summary does not keep. One pass over the results computes both; the counting itself is the
batch's own ``Aggregate``, so the summary here is the summary ``summarize`` and ``batch
--summary`` write, to the byte. Memory stays constant: one line at a time, and at most
``MAX_PACKS`` distinct packs are remembered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .batch import Aggregate
from .errors import InputError, Problem

MAX_PACKS = 10


@dataclass(frozen=True)
class PackRef:
    name: str
    version: str
    sha256: str


@dataclass
class RunData:
    """The batch summary (as summary.json has it) and the rule packs its results name."""

    summary: dict[str, Any]
    packs: dict[PackRef, int] = field(default_factory=dict)  # pack -> results it produced
    other_packs: int = 0  # results from packs beyond the first MAX_PACKS distinct ones
    errors_read: bool = True  # False: no error file was given, so errors are not counted


def _pack_ref(data: Any) -> PackRef | None:
    if not isinstance(data, dict):
        return None
    parts = [data.get(k) for k in ("name", "version", "sha256")]
    return PackRef(*parts) if all(isinstance(p, str) for p in parts) else None  # type: ignore[arg-type]


def _open(path: str) -> Any:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller's with
    except FileNotFoundError:
        raise InputError([Problem("file not found", file=path)]) from None
    except OSError as error:
        raise InputError([Problem(f"cannot read: {error.strerror}", file=path)]) from None


def _text(value: Any) -> str:
    """A name the summary counts by; anything but a string makes the line unreadable."""
    if not isinstance(value, str):
        raise TypeError("not a name")
    return value


def read_run(results: str, errors: str | None = None) -> RunData:
    """The summary and pack references of a run, from its results JSONL (and error file)."""
    agg = Aggregate()
    run = RunData({}, errors_read=errors is not None)
    for path, is_error in ((results, False), (errors, True)):
        if path is None:
            continue
        with _open(path) as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    d = json.loads(raw)
                    if is_error:
                        name = d.get("field")
                        agg.add_error(_text(d["reason"]), None if name is None else _text(name))
                        continue
                    agg.add_report(_text(d["site"]), [(_text(f["factor"]), _text(f["kind"])) for f in d["findings"]],
                                   [_text(m["field"]) for m in d["missing"]])
                except (ValueError, KeyError, TypeError):
                    what = "an error record" if is_error else "a report (cryoelig batch --out *.jsonl)"
                    raise InputError([Problem(f"not {what}", file=path, line=number)]) from None
                ref = _pack_ref(d.get("pack"))
                if ref is None:
                    continue
                if ref in run.packs or len(run.packs) < MAX_PACKS:
                    run.packs[ref] = run.packs.get(ref, 0) + 1
                else:
                    run.other_packs += 1
    run.summary = agg.to_dict()
    return run
