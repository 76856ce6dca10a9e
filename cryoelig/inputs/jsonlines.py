"""JSONL (one nested case per line), from a file or standard input.

Why line by line: as for CSV, a line that cannot be read is one error and the next line is read;
a line longer than the size limit is counted but never held in memory. A byte order mark is
accepted at the start of any line (files concatenated from several exports carry several).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..case.limits import mib
from ..errors import InputError
from .base import BOM, Position, Record, Source, as_record_error, unreadable
from .documents import interpret
from .jsondoc import loads
from .lines import LineDigests
from .opening import file_fingerprint, open_regular
from .stdin import STDIN_NAME, stdin_stream


@dataclass
class JsonlDecoder:
    label: str
    limit: int

    def __call__(self, rec: Record) -> Any:
        raw = rec.payload
        if raw is None:
            raise unreadable(f"the line is longer than {mib(self.limit)} (see --max-bytes); not read", self.label, rec)
        try:
            text = raw.removeprefix(BOM).decode("utf-8")
        except UnicodeDecodeError:
            raise unreadable("not UTF-8 text", self.label, rec) from None
        try:
            return interpret(loads(text, self.label, rec.line), self.label)
        except InputError as error:
            raise as_record_error(error, self.label, rec) from None


class JsonlSource(LineDigests, Source):
    kind = "jsonl"

    def __init__(self, path: str, limit: int):
        self.path = path
        self.limit = limit
        if path == "-":
            self.label = STDIN_NAME
            self.stream = stdin_stream()
            self.seekable = False
            self.description = "JSONL from standard input"
        else:
            self.label = path
            self.stream = open_regular(path, "a JSONL file")
            self.total = os.fstat(self.stream.fileno()).st_size
            self.description = "JSONL"

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, **file_fingerprint(self.path)}

    def prefix_digest(self, position: Position) -> str | None:
        return super().prefix_digest(position) if self.seekable else None

    def decoder(self) -> JsonlDecoder:
        return JsonlDecoder(self.label, self.limit)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        row = start.row
        for line in self._lines(start, seek=self.seekable):
            if line.data is not None and not line.data.removeprefix(BOM).strip():
                yield None, Position(line.end, line.number, row)
                continue
            row += 1
            yield Record(row, line.number, line.data, line.size), Position(line.end, line.number, row)

    def close(self) -> None:
        if self.seekable:
            self.stream.close()
