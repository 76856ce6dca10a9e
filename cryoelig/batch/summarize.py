"""A batch summary recomputed from the files of a run (``cryoelig summarize``).

Why it reads defensively: the files may have been edited or may not be cryoelig's at all, so
each line is read with the same size cap as a batch record, and every name that goes into the
summary passes ``aggregate.safe_key`` (nothing identifying reaches ``summary.json``).

The same pass also notes which rule packs the results name (name, version, sha256 of each
report's ``pack``), which the summary page shows and ``summary.json`` does not keep: one loop
for both, so the page's summary is ``summarize``'s to the byte. Memory stays constant: one line
at a time, and at most ``MAX_PACKS`` distinct packs are remembered.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..case.identifiers import find_label_identifier
from ..case.limits import MAX_RECORD_BYTES
from ..errors import InputError, Problem
from ..inputs import open_regular
from ..inputs.lines import physical_lines
from .about import about
from .aggregate import NOT_SHOWN, Aggregate, safe_key, scale_states
from .expand import expanded, is_compact

_REASONS = frozenset({"invalid", "identifier", "unreadable", "internal"})
_KINDS = frozenset({"supporting", "caution", "context"})
MAX_PACKS = 10
_PACK_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PackRef:
    """A rule pack as a result names it."""

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


def _kind(value: Any) -> str:
    return value if value in _KINDS else NOT_SHOWN


def _pack_word(value: Any) -> str:
    """A pack name or version as written, when it looks like one; else '(not shown)'."""
    if isinstance(value, str) and _PACK_WORD.fullmatch(value) and not find_label_identifier(value):
        return value
    return NOT_SHOWN


@functools.lru_cache(maxsize=64)
def _checked_ref(name: Any, version: Any, sha256: Any) -> PackRef:
    """Memoized: every line of a run names the same pack."""
    return PackRef(_pack_word(name), _pack_word(version),
                   sha256 if isinstance(sha256, str) and _SHA256.fullmatch(sha256) else NOT_SHOWN)


def pack_ref(data: Any) -> PackRef | None:
    """The pack a report names (its ``pack`` object), or None when it names none. A sha256 is 64
    hex digits or not shown (its digit runs are the hash's, not a record number)."""
    if not isinstance(data, dict):
        return None
    parts = [data.get(key) for key in ("name", "version", "sha256")]
    parts = [p if isinstance(p, str) and len(p) <= 128 else None for p in parts]  # hashable and short
    return _checked_ref(*parts)


def _note_pack(run: RunData, ref: PackRef | None) -> None:
    if ref is None:
        return
    if ref in run.packs or len(run.packs) < MAX_PACKS:
        run.packs[ref] = run.packs.get(ref, 0) + 1
    else:
        run.other_packs += 1


def read_run(results: str, errors: str | None = None, pack: Callable[[], Any] | None = None) -> RunData:
    """The batch summary recomputed from a results JSONL (and its error file), streamed, with
    the rule packs the results name. A compact line (``--report compact``) is expanded from the pack that
    made it (``pack``: loads it, by default the default pack set; its sha256 must be the line's), so its
    summary is the full run's."""
    agg = Aggregate()
    pack = pack or functools.cache(_default_pack)
    run = RunData({}, errors_read=errors is not None)
    for path, is_error in ((results, False), (errors, True)):
        if path is None:
            continue
        with open_regular(path, "a results file") as stream:
            for line in physical_lines(stream, 0, 0, MAX_RECORD_BYTES):
                if line.data is not None and not line.data.strip():
                    continue
                try:
                    if line.data is None:
                        raise ValueError("too long")
                    d = json.loads(line.data)
                    if is_error:
                        reason = d["reason"] if d["reason"] in _REASONS else NOT_SHOWN
                        agg.add_error(reason, safe_key(d["field"]) if d.get("field") else None)
                    elif is_compact(d):
                        _add_compact(agg, run, d, pack, path, line.number)
                    else:
                        agg.add_report(safe_key(d["site"]),
                                       [(safe_key(f["factor"]), _kind(f["kind"])) for f in d["findings"]],
                                       [safe_key(m["field"]) for m in d["missing"]],
                                       [s for s in d.get("sources", []) if isinstance(s, dict)],
                                       scale_states(d.get("published_scales")))
                        _note_pack(run, pack_ref(d.get("pack")))
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                    what = "an error record" if is_error else "a report (cryoelig batch --out *.jsonl)"
                    raise InputError([Problem(f"not {what}", file=path, line=line.number)]) from None
    run.summary = agg.to_dict()
    if len(run.packs) == 1 and not run.other_packs:  # the notice and the one pack, as the batch wrote them
        [ref] = run.packs
        run.summary["about"] = about(ref)
    return run


def _default_pack() -> Any:
    from ..rulepack.load import load_pack_set

    return load_pack_set(None)


def _add_compact(agg: Aggregate, run: RunData, data: dict[str, Any], pack: Callable[[], Any], path: str,
                 number: int) -> None:
    report = expanded(data, pack(), path, number)
    agg.add_report(safe_key(report.site), [(safe_key(f.factor), f.kind) for f in report.findings],
                   [safe_key(m.field) for m in report.missing], list(report.sources),
                   scale_states(report.published_scales))
    _note_pack(run, pack_ref(report.pack.model_dump()))


def summarize_files(results: str, errors: str | None = None, pack: Any = None) -> dict[str, Any]:
    """The batch summary recomputed from a results JSONL (and its error file), streamed (``pack``: the loaded
    pack that made a compact results file)."""
    return read_run(results, errors, (lambda: pack) if pack is not None else None).summary
