"""Physical lines under attack (issue 26): linear at any cap, a line over the cap dropped at disk speed in
bounded memory, and the digest of the input consumed exact at every line end."""

from __future__ import annotations

import hashlib
import io
import random
import re
import time
import tracemalloc

from bombs import EndlessLine

from cryoelig.inputs.lines import physical_lines

_EOL = re.compile(rb"\r\n?|\n")


def _reference(data: bytes, limit: int) -> list[tuple[bytes | None, int, int, int]]:
    """The lines of ``data`` split all at once (the definition the streamed reader must meet)."""
    out, pos = [], 0
    for number, match in enumerate(_EOL.finditer(data), 1):
        size = match.start() - pos
        out.append((None if size > limit else data[pos:match.start()], number, match.end(), size))
        pos = match.end()
    if pos < len(data):
        size = len(data) - pos
        out.append((None if size > limit else data[pos:], len(out) + 1, len(data), size))
    return out


def test_lines_and_digests_match_the_whole_file_split_at_once() -> None:
    from cryoelig.inputs.lines import LineReader

    rng = random.Random(26)
    pieces = [b"\n", b"\r", b"\r\n", b"\n\r", b"xy", b"a" * 7, b""]
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        limit, block = rng.randint(0, 10), rng.randint(1, 9)
        reader = LineReader(io.BytesIO(data), 0, 0, limit, block, digest=hashlib.sha256())
        got = []
        for line in reader:
            got.append(tuple(line))
            assert reader.digest() == hashlib.sha256(data[:line.end]).hexdigest(), (data, block)
        assert got == _reference(data, limit), (data, limit, block)
        assert reader.digest() == hashlib.sha256(data).hexdigest()


def test_a_long_line_within_the_cap_is_read_in_linear_time() -> None:
    """Seen: with --max-bytes raised, 8 MB took 5.9 s, 16 MB 19.8 s, 32 MB 79 s, 64 MB past 300 s (the
    reader searched its whole growing buffer again for each 64 KiB block)."""
    start = time.monotonic()
    lines = list(physical_lines(EndlessLine(32 << 20, b"\nok\n"), 0, 0, 64 << 20))
    seconds = time.monotonic() - start
    assert [(line.size, line.data is not None) for line in lines] == [(32 << 20, True), (2, True)]
    assert seconds < 5, f"{seconds:.1f} s for a 32 MB line"


def test_a_line_over_the_cap_is_dropped_at_disk_speed_in_bounded_memory() -> None:
    """1 GiB without a line end at the default cap: counted, never held, at the speed of bytes.find."""
    start = time.monotonic()
    lines = list(physical_lines(EndlessLine(1 << 30, b"\nok"), 0, 0, 1 << 20))
    seconds = time.monotonic() - start
    assert [(line.data, line.size, line.number) for line in lines] == [(None, 1 << 30, 1), (b"ok", 2, 2)]
    assert seconds < 10, f"{seconds:.1f} s to skip 1 GiB"
    tracemalloc.start()
    try:
        for _ in physical_lines(EndlessLine(64 << 20), 0, 0, 1 << 20):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak} bytes held to skip a 64 MB line"
