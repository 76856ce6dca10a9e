"""A compact results file (``batch --report compact``) read back as full reports (``cryoelig expand``).

Why here: a compact line is a batch result; reading a results file is the batch's business (the size cap
of a record, a line named by its number, nothing of the file echoed). Each line is expanded from the pack
that made it (``report.compact.expand``: the pack's sha256 must be the line's), so the full report is the
one the run would have written with ``--report full``, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from ..case.limits import MAX_RECORD_BYTES
from ..errors import InputError, Problem
from ..inputs import open_regular
from ..inputs.lines import physical_lines
from ..report.compact import CompactReport
from ..report.projection import Report
from ..report.replay import expand

NOT_COMPACT = "not a compact report (cryoelig batch --report compact)"


def compact_lines(path: str) -> Iterator[tuple[int, bytes]]:
    """Each non-blank line of a results file with its line number (a line over the record cap is refused)."""
    with open_regular(path, "a results file") as stream:
        for line in physical_lines(stream, 0, 0, MAX_RECORD_BYTES):
            if line.data is None:
                raise InputError([Problem(f"{NOT_COMPACT}: the line is too long", file=path, line=line.number)])
            if line.data.strip():
                yield line.number, line.data


def is_compact(data: bytes | dict[str, Any]) -> bool:
    """Whether a results line (its bytes, or its JSON read) is a compact report (schema version 2)."""
    if isinstance(data, dict):
        return data.get("schema_version") == 2
    return data.lstrip().startswith(b'{"schema_version":2,')


def expanded(data: bytes | dict[str, Any], pack: Any, path: str, number: int) -> Report:
    """The full report of one compact line; refused in one line naming the file and line (nothing of the
    line shown: the expansion's own messages name fields and the tool's words only)."""
    try:
        if isinstance(data, dict):
            compact = CompactReport.model_validate_json(_json(data))
        else:
            compact = CompactReport.model_validate_json(data)
    except ValidationError:
        raise InputError([Problem(NOT_COMPACT, file=path, line=number)]) from None
    try:
        return expand(compact, pack)
    except InputError as error:
        raise InputError([replace(p, file=path, line=number) for p in error.problems]) from None


def _json(data: dict[str, Any]) -> bytes:
    from pydantic_core import to_json

    return to_json(data)


def expand_file(path: str, pack: Any, keep: Callable[[int, int], bool] = lambda n, i: True) -> Iterator[Report]:
    """The full reports of a compact results file, in order (``keep(line number, result number)``: which)."""
    for index, (number, data) in enumerate(compact_lines(path), 1):
        if keep(number, index):
            yield expanded(data, pack, path, number)
