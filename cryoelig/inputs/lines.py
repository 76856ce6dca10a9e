"""Physical lines of a byte stream, with a length cap: the records of CSV and JSONL.

Why physical lines: a record that cannot be read (a stray quote, a NUL, bytes that are not
UTF-8) must cost that one line and nothing more, so the count of rows read is the count of data
lines in the file, always. A line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac exports);
a line longer than the cap is not kept in memory: it is counted and returned without its bytes.

Why it reads this way: every byte is looked at once, whatever the cap. Line breaks are found with
``bytes.find`` (the regular expression it replaces crawled at ~20 MB/s over a long line), a line
longer than one block is kept as a list of pieces joined once at its end (growing one buffer and
searching it again for each block took 79 s for a 32 MB line), and the bytes of a line over the cap
are dropped block by block as they are read. The reader can also keep the sha256 of everything up to
the end of the last line it returned (a checkpoint's digest of the input consumed): each byte is
hashed once, when its block is done or when the digest is asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple

BLOCK = 1 << 16


class Line(NamedTuple):
    """One physical line: its bytes without the line end (None when longer than the cap), its
    number (1-based), the byte offset just after its end, and its length."""

    data: bytes | None
    number: int
    end: int
    size: int


def _breaks(data: bytes, end: int) -> Iterator[tuple[int, int]]:
    """(where the line's bytes end, where its line break ends) for each line break in ``data[:end]``;
    a '\\r' at ``end - 1`` is a lone '\\r' (the caller holds a block's last '\\r' back until it knows)."""
    nl = data.find(b"\n", 0, end)
    cr = data.find(b"\r", 0, end)
    while nl != -1 or cr != -1:
        if cr == -1 or (nl != -1 and nl < cr):
            yield nl, nl + 1
            nl = data.find(b"\n", nl + 1, end)
            continue
        after = cr + 2 if cr + 1 == nl else cr + 1
        yield cr, after
        if after > cr + 1:
            nl = data.find(b"\n", after, end)
        cr = data.find(b"\r", after, end)


class LineReader:
    """Lines from the stream's current position (which is ``offset``, after ``line`` lines).

    ``digest``: a sha256 object holding the stream's bytes before ``offset`` (None: keep no digest);
    :meth:`digest` then gives the sha256 of the bytes up to the end of the last line returned."""

    def __init__(self, stream: BinaryIO, offset: int, line: int, limit: int, block: int = BLOCK,
                 digest: Any = None):
        self.stream, self.offset, self.line, self.limit, self.block = stream, offset, line, limit, block
        self.hash = digest
        self._data = b""  # the block being split, from the stream offset _base
        self._base = self._hashed = self._at = offset

    def digest(self) -> str | None:
        """The sha256 (hex) of the stream up to the end of the last line returned."""
        if self.hash is None:
            return None
        self._hash_to(self._at)
        return self.hash.copy().hexdigest()

    def _hash_to(self, end: int) -> None:
        if end > self._hashed:
            self.hash.update(memoryview(self._data)[self._hashed - self._base:end - self._base])
            self._hashed = end

    def __iter__(self) -> Iterator[Line]:
        read = getattr(self.stream, "read1", self.stream.read)
        limit, number, base = self.limit, self.line, self.offset
        parts: list[bytes] = []  # the current line's bytes from earlier blocks, while it is within the cap
        size = 0  # the current line's length so far
        carry = b""  # a block's last '\r': the first half of '\r\n', or a lone '\r'
        while True:
            chunk = read(self.block)
            eof = not chunk
            data = carry + chunk if carry else chunk
            end = len(data) - 1 if not eof and data.endswith(b"\r") else len(data)
            carry = data[end:]
            self._data, self._base = data, base
            pos = 0
            for stop, after in _breaks(data, end):
                size += stop - pos
                number += 1
                if size > limit:
                    kept = None
                elif parts:
                    parts.append(data[pos:stop])
                    kept = b"".join(parts)
                else:
                    kept = data[pos:stop]
                self._at = base + after
                yield Line(kept, number, base + after, size)
                parts, size, pos = [], 0, after
            if pos < end:  # the start of a line that goes on in the next block
                size += end - pos
                if size <= limit:
                    parts.append(data[pos:end])
                else:
                    parts = []
            if self.hash is not None:
                self._hash_to(base + end)
            base += end
            if eof:
                if size:  # a last line without a line end
                    number += 1
                    self._at = base
                    yield Line(None if size > limit else b"".join(parts), number, base, size)
                return


def physical_lines(stream: BinaryIO, offset: int, line: int, limit: int, block: int = BLOCK) -> Iterator[Line]:
    """Lines from the stream's current position (which is ``offset``, after ``line`` lines)."""
    return iter(LineReader(stream, offset, line, limit, block))


def hash_prefix(stream: BinaryIO, end: int) -> Any:
    """A sha256 object over the stream's first ``end`` bytes (read from its start), or None when the
    stream is shorter: what a checkpoint's digest of the input consumed is checked against."""
    stream.seek(0)
    digest = hashlib.sha256()
    left = end
    while left > 0:
        block = stream.read(min(left, 1 << 20))
        if not block:
            return None
        digest.update(block)
        left -= len(block)
    return digest


#: The prefix digest of an input shorter than the position asked for (never equal to a digest).
SHORT = "short"


class LineDigests:
    """For a Source of physical lines (CSV, JSONL): the digest of the input consumed
    (``Source.prefix_digest`` and ``digest``), kept only when the run asks for it: a Dask partition
    reads from the middle of a file and hashes nothing."""

    stream: BinaryIO
    limit: int
    _prefix: tuple[int, Any] | None = None
    _reader: LineReader | None = None

    def prefix_digest(self, position: Any) -> str | None:
        digest = hash_prefix(self.stream, position.offset)
        self._prefix = (position.offset, digest)
        return SHORT if digest is None else digest.copy().hexdigest()

    def digest(self) -> str | None:
        return self._reader.digest() if self._reader is not None else None

    def _lines(self, start: Any, seek: bool = True) -> LineReader:
        prefix, self._prefix = self._prefix, None
        digest = prefix[1] if prefix is not None and prefix[0] == start.offset else None
        if seek:
            self.stream.seek(start.offset)
        self._reader = LineReader(self.stream, start.offset, start.line, self.limit, digest=digest)
        return self._reader
