"""Hostile files made small, in the tests: spreadsheets and Parquet files that unpack far beyond their
size, and streams of one endless line. Each is written in blocks (the test's own memory stays small)."""

from __future__ import annotations

import base64
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
          'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
          '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
              f'package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
              'Target="xl/workbook.xml"/></Relationships>')
_BOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="cases" '
         'sheetId="1" r:id="rId1"/></sheets></workbook>')
_BOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
              f'2006/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
              f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
COLUMNS = ("case_id", "site", "notes")


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, cells: Iterable[str]) -> str:
    return f'<row r="{number}">' + "".join(_cell(f"{c}{number}", t) for c, t in zip("ABC", cells, strict=False)) + \
        "</row>"


def write_xlsx(path: Path, sheet: Iterable[bytes], shared: Iterable[bytes] = (b"",)) -> Path:
    """A workbook of one sheet: the sheet's rows (XML, streamed) and the shared strings' items."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _TYPES), ("_rels/.rels", _ROOT_RELS), ("xl/workbook.xml", _BOOK),
                           ("xl/_rels/workbook.xml.rels", _BOOK_RELS)):
            z.writestr(name, text)
        for name, head, body, tail in (
                ("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>',
                 sheet, "</sheetData></worksheet>"),
                ("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS}>', shared, "</sst>")):
            with z.open(name, "w", force_zip64=True) as member:
                member.write(head.encode())
                for block in body:
                    member.write(block)
                member.write(tail.encode())
    return path


def good_rows(rows: int = 3, start: int = 2) -> Iterator[bytes]:
    yield _row(1, COLUMNS).encode()
    for n in range(start, start + rows):
        yield _row(n, (f"x-{n}", "kidney", "fine")).encode()


def xlsx_big_cell(path: Path, size: int, compressible: bool = True) -> Path:
    """Good rows, then one whose notes cell holds ``size`` bytes: 'a's (a zip bomb: ~1,000 times) or
    random letters (hardly compressible: a long cell within any ratio)."""
    def sheet() -> Iterator[bytes]:
        yield from good_rows()
        yield b'<row r="9"><c r="A9" t="inlineStr"><is><t>big-1</t></is></c><c r="C9" t="inlineStr"><is><t>'
        left = size
        while left:
            n = min(left, 1 << 20)
            yield b"a" * n if compressible else base64.b64encode(os.urandom(n))[:n]
            left -= n
        yield b"</t></is></c></row>"

    return write_xlsx(path, sheet())


def xlsx_shared_strings(path: Path, count: int) -> Path:
    """Two good rows and a shared-strings table of ``count`` strings (openpyxl loads all of them first)."""
    def shared() -> Iterator[bytes]:
        for start in range(0, count, 10_000):
            yield "".join(f"<si><t>s{i}</t></si>" for i in range(start, min(count, start + 10_000))).encode()

    return write_xlsx(path, good_rows(2), shared())


def parquet_big_cells(path: Path, size: int, rows: int = 1) -> Path:
    """``rows`` rows whose notes unpack to ``size`` bytes each, from a few kilobytes in all (zstd over 'a's,
    no dictionary: one value repeated would be stored once)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    notes = pa.array(["a" * size] * rows) if rows > 1 else pa.array(["a" * size])
    table = pa.table({"case_id": [f"big-{i}" for i in range(rows)], "site": ["kidney"] * rows, "notes": notes})
    pq.write_table(table, path, compression="zstd", use_dictionary=False)
    return path


class EndlessLine:
    """A binary stream of ``size`` bytes without a line end, then ``tail``; nothing held but one block."""

    def __init__(self, size: int, tail: bytes = b"\n", block: int = 1 << 16):
        self.left, self.tail, self.block = size, tail, b"a" * block

    def read1(self, n: int = -1) -> bytes:
        if self.left <= 0:
            out, self.tail = self.tail, b""
            return out
        n = min(self.left, len(self.block) if n < 0 else n, len(self.block))
        self.left -= n
        return self.block[:n] if n < len(self.block) else self.block

    read = read1
