"""A folder of case files (YAML/JSON, one case each): each file is one record, in name order.

Why each file is opened by the worker: the parent only lists names, so a folder of a million
files costs a list of names, not their contents. A file that is not regular (a FIFO, a device),
too big, or unreadable is one error record naming the file; it never stalls the run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from .base import Position, Record, Source, as_record_error
from .documents import decode_document, document_suffixes
from .opening import read_file_bytes


@dataclass
class FolderDecoder:
    limit: int

    def __call__(self, rec: Record) -> Any:
        path = rec.payload
        try:
            return decode_document(read_file_bytes(path, self.limit), path)
        except InputError as error:
            raise as_record_error(error, path, rec) from None


class FolderSource(Source):
    kind = "folder"
    description = "a folder of case files"

    def __init__(self, path: str, limit: int):
        self.path = self.label = path
        self.limit = limit
        suffixes = document_suffixes()
        try:
            with os.scandir(path) as entries:
                names = sorted(e.path for e in entries
                               if e.name.lower().endswith(suffixes) and not e.is_dir())
        except OSError as error:
            raise InputError([Problem(f"cannot list the folder: {error.strerror}", file=path)]) from None
        self.files = names
        self.total = len(self.files)

    def fingerprint(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for name in self.files:
            try:
                st = os.stat(name)
                digest.update(f"{Path(name).name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            except OSError:
                digest.update(f"{Path(name).name}\0-\n".encode())
        return {"kind": self.kind, "path": str(Path(self.path).resolve()), "files": digest.hexdigest()}

    def decoder(self) -> FolderDecoder:
        return FolderDecoder(self.limit)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        for index in range(start.offset, len(self.files)):
            yield Record(index + 1, None, self.files[index]), Position(index + 1, 0, index + 1)
