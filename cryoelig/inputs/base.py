"""What every reader shares: positions, records, record errors, and the Source of many records.

Why these shapes: a batch reads the input in the parent process and decodes records in worker
processes, so a record is raw (bytes of one physical line, or a file path) with its position,
and decoding is a separate, picklable step (``Source.decoder()``). The position after each record
(byte offset, physical line, data rows) is what a checkpoint stores to resume.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, Problem

#: The UTF-8 byte order mark; accepted (and dropped) at the start of every file, stream and JSONL line.
BOM = b"\xef\xbb\xbf"


@dataclass
class Position:
    """How far the input was read: byte offset (or file index), physical line, data rows."""

    offset: int = 0
    line: int = 0
    row: int = 0


@dataclass
class Record:
    """One raw record: a data row's bytes (None when longer than the limit), or a case file's path."""

    row: int
    line: int | None
    payload: Any
    size: int = 0


class RecordError(Exception):
    """A record that cannot be decoded; its problems name the file, row and line."""

    def __init__(self, problems: list[Problem], data: Any = None):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.data = data


def unreadable(message: str, file: str | None, rec: Record) -> RecordError:
    return RecordError([Problem(message, file=file, row=rec.row, line=rec.line, reason="unreadable")])


def as_record_error(error: InputError, file: str | None, rec: Record) -> RecordError:
    """A document's InputError (from a JSONL line or a folder's case file) as the error of one record."""
    return RecordError([Problem(p.message, file=p.file or file, row=rec.row, line=p.line or rec.line,
                                field=p.field, reason="unreadable" if p.reason == "invalid" else p.reason)
                        for p in error.problems])


#: Record -> the nested case form (a dict for valid shapes); raises RecordError. Must pickle (workers).
Decoder = Callable[[Record], Any]


class Source:
    """An input of many cases. ``records(start)`` yields (record or None for a blank line, position after it)."""

    kind: str = ""
    label: str = ""
    total: int | None = None  # units (bytes or files) for progress; None when unknown
    start: Position = Position()
    seekable: bool = True
    #: How the input is read, for the notes of a run (e.g. "CSV, ';' between cells (from the header row)").
    description: str = ""
    #: Columns dropped before validation (``--ignore-column``; CSV, Parquet and xlsx), exact names.
    ignore: tuple[str, ...] = ()

    def fingerprint(self) -> dict[str, Any]:
        raise NotImplementedError

    def prefix_digest(self, position: Position) -> str | None:
        """The sha256 of the input read up to ``position``, read again now: what a checkpoint's digest
        of the input consumed is checked against (a position past the input's end gives "short").
        Call it before ``records(position)``, which then goes on with the same digest. None: this
        input keeps no digest."""
        return None

    def digest(self) -> str | None:
        """The sha256 of the input read up to the position of the last record ``records`` yielded."""
        return None

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        raise NotImplementedError

    def decoder(self) -> Decoder:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
