"""Bounds on a spreadsheet's zip before openpyxl opens it: sizes, ratios, cells, shared strings.

Why: an xlsx is a zip of XML, and openpyxl holds what it parses. A 1.5 MB file whose one cell
unpacks to 1.5 GB took 5.8 GB of memory; a 790 KB file of 2 million shared strings (openpyxl loads
the whole table before the first row) took 533 MiB and 42 s. So, before openpyxl sees the file:

- the zip's directory: at most 10,000 members and 4 GiB unpacked in all; a member over 1 MiB may
  unpack to at most 100 times its packed size (the spreadsheets a registry writes: 5-20 times).
  ``zipfile`` never unpacks more than a member's declared size, so the declared sizes bound the
  work (a member that lies fails its CRC and the file is refused);
- the XML of the sheets and of the shared strings, streamed once (one block in memory at a time):
  no text or tag longer than the record limit (``--max-bytes``, at least 1 MiB), and no more shared
  strings than the cells that could use them.

Each refusal is one line naming the file; no row was read.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from ..case.limits import mib
from ..errors import InputError, Problem

MAX_MEMBERS = 10_000
MAX_UNPACKED = 4 << 30
MAX_RATIO = 100
RATIO_FROM = 1 << 20  # members smaller than this unpacked are not held to the ratio
#: Shared strings beyond the sheets' cells (a table may keep a few strings no cell uses).
SPARE_STRINGS = 1_000
BLOCK = 1 << 20


def check_xlsx(stream: BinaryIO, path: str, limit: int) -> None:
    """InputError unless the workbook (``stream``, the file named ``path``) keeps within the bounds above."""
    try:
        with zipfile.ZipFile(stream) as archive:
            _check_directory(path, archive.infolist())
            names = archive.namelist()
            cells = sum(_scan(path, archive, n, limit, b"<c") for n in names
                        if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            strings = sum(_scan(path, archive, n, limit, b"<si") for n in names if n == "xl/sharedStrings.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as error:
        raise InputError([Problem(f"cannot be read as an xlsx workbook ({type(error).__name__})",
                                  file=path)]) from None
    if strings > cells + SPARE_STRINGS:
        _refuse(path, f"its shared-strings table holds {strings} strings for {cells} cells")


def _refuse(path: str, why: str) -> None:
    raise InputError([Problem(f"{why}: refused as a spreadsheet that unpacks beyond cryoelig's bounds; no row "
                              "was read (export it as CSV or Parquet)", file=path)])


def _check_directory(path: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        _refuse(path, f"it holds more than {MAX_MEMBERS} zip members")
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        _refuse(path, f"it unpacks to more than {mib(MAX_UNPACKED)}")
    for info in infos:
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            _refuse(path, f"a part unpacks to more than {MAX_RATIO} times its packed size")


def _scan(path: str, archive: zipfile.ZipFile, name: str, limit: int, tag: bytes) -> int:
    """Stream one XML member: refuse a text or tag longer than the window (the record limit, at least
    1 MiB: Excel's own cell limit is 32,767 characters); count the elements ``tag`` opens (``<c``
    cells, ``<si`` shared strings; also with a namespace prefix, ``x:c``)."""
    window = max(limit, 1 << 20)
    patterns = [p + end for p in (tag, b":" + tag[1:]) for end in (b" ", b">")]
    count, run, tail = 0, 0, b""  # run: bytes since the last '<'
    with archive.open(name) as member:
        while True:
            block = member.read(BLOCK)
            if not block:
                return count
            joined = tail + block  # an element's name split between two blocks
            count += sum(joined.count(p) for p in patterns)
            tail = block[-len(tag):]
            first = block.find(b"<")  # a text inside one block is shorter than the window (BLOCK <= window)
            run += len(block) if first == -1 else first
            if run > window:
                _refuse(path, f"a cell or tag is longer than {mib(window)}")
            if first != -1:
                run = len(block) - block.rfind(b"<") - 1
