"""A folder of case files (YAML/JSON, one case each): each file is one record, in name order.

Why each file is opened by the worker: the parent only lists names, so a folder of a million
files costs a list of names, not their contents. A file that is not regular (a FIFO, a device),
too big, or unreadable is one error record naming the file; it never stalls the run. An entry
that cannot even be looked at (a symbolic-link loop) is listed all the same, and its read gives
that error record: one bad entry among fifty good files used to stop the whole folder.
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
from .lines import SHORT
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
                names = sorted(e.path for e in entries if e.name.lower().endswith(suffixes) and not _is_dir(e))
        except OSError as error:
            raise InputError([Problem(f"cannot list the folder: {error.strerror}", file=path)]) from None
        self.files = names
        self.total = len(self.files)
        self._entries: list[bytes] | None = None
        self._hash: Any = None  # the digest of the entries yielded so far (when the run asked for it)

    def entries(self) -> list[bytes]:
        """What identifies each file: its name, size and modification time (its content is read by a worker)."""
        if self._entries is None:
            self._entries = []
            for name in self.files:
                try:
                    st = os.stat(name)
                    self._entries.append(f"{Path(name).name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
                except OSError:
                    self._entries.append(f"{Path(name).name}\0-\n".encode())
        return self._entries

    def fingerprint(self) -> dict[str, Any]:
        digest = hashlib.sha256(b"".join(self.entries()))
        return {"kind": self.kind, "path": str(Path(self.path).resolve()), "files": digest.hexdigest()}

    def prefix_digest(self, position: Position) -> str | None:
        if not 0 <= position.offset <= len(self.files):
            self._hash = None
            return SHORT
        self._hash = hashlib.sha256(b"".join(self.entries()[:position.offset]))
        return self._hash.hexdigest()

    def digest(self) -> str | None:
        return None if self._hash is None else self._hash.hexdigest()

    def decoder(self) -> FolderDecoder:
        return FolderDecoder(self.limit)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        entries = self.entries() if self._hash is not None else None
        for index in range(start.offset, len(self.files)):
            if entries is not None:
                self._hash.update(entries[index])
            yield Record(index + 1, None, self.files[index]), Position(index + 1, 0, index + 1)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder; one that cannot be looked at (a link loop) is not, and is read as a file."""
    try:
        return entry.is_dir()
    except OSError:
        return False
