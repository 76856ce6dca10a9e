"""Physical lines of a byte stream, with a length cap: the records of CSV and JSONL.

Why physical lines: a record that cannot be read (a stray quote, a NUL, bytes that are not
UTF-8) must cost that one line and nothing more, so the count of rows read is the count of data
lines in the file, always. A line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac exports);
a line longer than the cap is not kept in memory: it is counted and returned without its bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

_EOL = re.compile(rb"\r\n?|\n")
BLOCK = 1 << 16


class Line(NamedTuple):
    """One physical line: its bytes without the line end (None when longer than the cap), its
    number (1-based), the byte offset just after its end, and its length."""

    data: bytes | None
    number: int
    end: int
    size: int


def physical_lines(stream: BinaryIO, offset: int, line: int, limit: int, block: int = BLOCK) -> Iterator[Line]:
    """Lines from the stream's current position (which is ``offset``, after ``line`` lines)."""
    read = getattr(stream, "read1", stream.read)
    buf = b""
    base = offset  # the offset of buf[0] in the stream
    dropped = 0  # bytes of the current line already dropped because it is too long
    while True:
        chunk = read(block)
        eof = not chunk
        buf += chunk
        # a '\r' at the very end may be the first half of '\r\n': wait for the next chunk
        end = len(buf) - 1 if not eof and buf.endswith(b"\r") else len(buf)
        pos = 0
        for match in _EOL.finditer(buf, 0, end):
            line += 1
            size = dropped + match.start() - pos
            yield Line(None if dropped or size > limit else buf[pos:match.start()], line, base + match.end(), size)
            dropped = 0
            pos = match.end()
        if eof:
            if pos < len(buf) or dropped:  # a last line without a line end
                line += 1
                size = dropped + len(buf) - pos
                yield Line(None if dropped or size > limit else buf[pos:], line, base + len(buf), size)
            return
        if dropped or end - pos > limit:  # too long already: count the bytes, keep none of them
            dropped += end - pos
            pos = end
        base += pos
        buf = buf[pos:]
