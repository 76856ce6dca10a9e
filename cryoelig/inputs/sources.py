"""Inputs of many cases (``batch``): which reader opens what, by suffix.

The extension point for formats with many cases per file: register a :class:`StreamFormat`
with its suffixes and an ``open(path, limit) -> Source`` (see ``base.Source``: records with
their positions, a picklable decoder per record, a fingerprint for resuming). CSV and JSONL are
built in; a Parquet or xlsx reader is one more module that registers itself here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from ..case.limits import MAX_RECORD_BYTES
from ..errors import InputError, Problem
from .base import Source


class StreamFormat(NamedTuple):
    name: str
    suffixes: tuple[str, ...]
    open: Callable[[str, int], Source]
    #: for formats whose inputs may be folders (a Parquet dataset): whether a folder is one of them
    folder: Callable[[str], bool] | None = None
    #: a format of named columns: ``open`` takes a third argument, the columns to drop (``--ignore-column``)
    columns: bool = False


_STREAMS: dict[str, StreamFormat] = {}


def register_stream_format(fmt: StreamFormat) -> None:
    _STREAMS[fmt.name] = fmt


def stream_suffixes() -> tuple[str, ...]:
    return tuple(s for fmt in _STREAMS.values() for s in fmt.suffixes)


def open_source(path: str, limit: int = MAX_RECORD_BYTES, ignore: tuple[str, ...] = ()) -> Source:
    """The input as a stream of records: a CSV or JSONL file (or another registered format), a folder
    of case files, or '-' (JSONL on standard input). ``ignore``: exact names of columns to drop before
    validation (``--ignore-column``), for inputs of named columns only (CSV, Parquet, xlsx). Raises
    InputError (the input cannot be used at all) before any output exists."""
    from .folder import FolderSource
    from .jsonlines import JsonlSource

    fmt = _format_of(path)
    if fmt is None or not fmt.columns:
        if ignore:
            raise InputError([Problem("--ignore-column applies to inputs of named columns (CSV, Parquet, xlsx), "
                                      "not to this input", file=path)])
        if fmt is not None:
            return fmt.open(path, limit)
    else:
        return fmt.open(path, limit, ignore)  # type: ignore[call-arg]
    if path == "-":
        return JsonlSource(path, limit)
    if os.path.isdir(path):
        return FolderSource(path, limit)
    if not os.path.lexists(path):
        raise InputError([Problem("file not found", file=path)])
    kinds = ", ".join(stream_suffixes())
    raise InputError([Problem(f"a batch input is a file ending {kinds}, a folder of case files, "
                              "or - (JSONL on standard input)", file=path)])


def _format_of(path: str) -> StreamFormat | None:
    """The registered format that reads ``path`` (None: standard input, a folder of case files or no format)."""
    if path == "-":
        return None
    if os.path.isdir(path):
        return next((f for f in _STREAMS.values() if f.folder is not None and f.folder(path)), None)
    lower = path.lower()
    return next((f for f in _STREAMS.values() if lower.endswith(f.suffixes)), None)


def _open_csv(path: str, limit: int, ignore: tuple[str, ...] = ()) -> Source:
    from .csvrows import CsvSource

    return CsvSource(path, limit, ignore)


def _open_jsonl(path: str, limit: int) -> Source:
    from .jsonlines import JsonlSource

    return JsonlSource(path, limit)


register_stream_format(StreamFormat("csv", (".csv",), _open_csv, columns=True))
register_stream_format(StreamFormat("jsonl", (".jsonl", ".ndjson"), _open_jsonl))
