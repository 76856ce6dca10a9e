"""A batch summary recomputed from the files of a run (``cryoelig summarize``).

Why it reads defensively: the files may have been edited or may not be cryoelig's at all, so
each line is read with the same size cap as a batch record, and every name that goes into the
summary passes ``aggregate.safe_key`` (nothing identifying reaches ``summary.json``).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError, Problem
from ..inputs import open_regular
from ..inputs.lines import physical_lines
from ..limits import MAX_RECORD_BYTES
from .aggregate import NOT_SHOWN, Aggregate, safe_key

_REASONS = frozenset({"invalid", "identifier", "unreadable", "internal"})
_KINDS = frozenset({"supporting", "caution", "context"})


def _kind(value: Any) -> str:
    return value if value in _KINDS else NOT_SHOWN


def summarize_files(results: str, errors: str | None = None) -> dict[str, Any]:
    """The batch summary recomputed from a results JSONL (and its error file), streamed."""
    agg = Aggregate()
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
                    else:
                        agg.add_report(safe_key(d["site"]),
                                       [(safe_key(f["factor"]), _kind(f["kind"])) for f in d["findings"]],
                                       [safe_key(m["field"]) for m in d["missing"]])
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                    what = "an error record" if is_error else "a report (cryoelig batch --out *.jsonl)"
                    raise InputError([Problem(f"not {what}", file=path, line=line.number)]) from None
    return agg.to_dict()
