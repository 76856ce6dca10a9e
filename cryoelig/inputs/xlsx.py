"""Spreadsheets (``batch cases.xlsx``): the first sheet, a header row of dotted columns, one case per row.

Why it reads this way: the same grammar as a CSV file exported from the same sheet. The header row
(the first non-empty row) is checked before any row is read (identifying columns refuse the file,
unknown ones are described by position); empty rows are not rows; a text cell follows the CSV cell
rules, a number or a yes/no cell passes as it is, a date cell is refused as identifying
(cryoelig.inputs.cells). openpyxl reads in read-only mode (the sheet is streamed, never held
whole), with cached formula results. If the sheet's data breaks off (a damaged file), the rest is
one ``unreadable`` error record after the last row read: what was read is counted, nothing is
silently dropped. Before openpyxl sees the file, its zip is held to bounds (zipbounds.py: sizes,
ratios, cells, shared strings), on the same open file that openpyxl then reads.

openpyxl comes with the ``[xlsx]`` extra and is imported only when a spreadsheet is opened.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from typing import Any

from ..case.limits import MAX_KEY_CHARS
from ..errors import InputError, Problem
from .base import Position, Record, Source
from .opening import file_fingerprint, open_regular
from .sources import StreamFormat, register_stream_format
from .zipbounds import check_xlsx

SUFFIXES = (".xlsx", ".xlsm")
_BROKEN = (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, EOFError)


def _need_openpyxl(path: str) -> None:
    if importlib.util.find_spec("openpyxl") is None:
        raise InputError([Problem("reading xlsx needs the optional extra [xlsx]: pip install 'cryoelig[xlsx]'",
                                  file=path)])


def _blank(values: tuple[Any, ...]) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in values)


class XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, path: str, limit: int, ignore: tuple[str, ...] = ()):
        _need_openpyxl(path)
        self.ignore = ignore
        self.path = self.label = path
        self.limit = limit
        self.stream = open_regular(path, "an xlsx file")  # regular files only: never a FIFO or a device
        try:
            check_xlsx(self.stream, path, limit)
            self.stream.seek(0)
        except BaseException:
            self.stream.close()
            raise
        self._open()
        try:
            self._read_header()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        from openpyxl import load_workbook

        try:
            self.book = load_workbook(self.stream, read_only=True, data_only=True)
            self.sheet = self.book.worksheets[0]
        except Exception as error:  # noqa: BLE001 - zipfile, lxml and openpyxl raise many kinds
            self.stream.close()
            raise InputError([Problem(f"cannot be read as an xlsx workbook ({type(error).__name__})",
                                      file=self.path)]) from None

    def _read_header(self) -> None:
        number = 0
        try:
            for values in self.sheet.iter_rows(values_only=True):
                number += 1
                if not _blank(values):
                    break
            else:
                raise InputError([Problem("the first sheet is empty: it needs a header row", file=self.path)])
        except _BROKEN as error:
            raise InputError([Problem(f"the header row cannot be read ({type(error).__name__})",
                                      file=self.path)]) from None
        header = ["" if v is None else str(v).strip()[:MAX_KEY_CHARS + 1] for v in values]
        while header and not header[-1]:
            header.pop()
        from .csvrows import header_problems, kept_columns

        problems = header_problems(header, self.path, self.ignore)
        if problems:
            raise InputError(problems)
        self.width = len(header)  # cells are read by place: the dropped columns' cells are cut from each row
        self.keep = tuple(i for i, c in enumerate(header) if c not in self.ignore) if self.ignore else None
        self.columns = tuple(kept_columns(header, self.ignore))
        self.start = Position(number, number, 0)
        self.total = None
        self.description = f"xlsx, the first sheet, header in row {number}"

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, **file_fingerprint(self.path)}

    def prefix_digest(self, position: Position) -> str | None:
        """The whole file's sha256: a zip has no prefix that holds the rows read so far."""
        digest, offset, fd = hashlib.sha256(), 0, self.stream.fileno()
        while block := os.pread(fd, 1 << 20, offset):  # pread: openpyxl's own reads keep their place
            digest.update(block)
            offset += len(block)
        self._digest = digest.hexdigest()
        return self._digest

    def digest(self) -> str | None:
        return getattr(self, "_digest", None)

    def decoder(self) -> Any:
        from .cells import CellsDecoder

        return CellsDecoder(self.label, self.columns)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        width, keep = self.width, self.keep
        number, row = start.offset, start.row
        rows = self.sheet.iter_rows(min_row=number + 1, max_col=width, values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except _BROKEN + (_xml_error(),):
                row += 1
                rec = Record(row, number + 1, ("unreadable", f"the sheet cannot be read after row {number}; "
                                               "the rest of it is not read"))
                yield rec, Position(number + 1, number + 1, row)
                return
            number += 1
            if _blank(values):
                yield None, Position(number, number, row)
                continue
            row += 1
            cells = tuple(values) + (None,) * (width - len(values))
            if keep is not None:
                cells = tuple(cells[i] for i in keep)
            yield Record(row, number, ("row", cells)), Position(number, number, row)

    def close(self) -> None:
        book = getattr(self, "book", None)
        if book is not None:
            book.close()
        self.stream.close()


def _xml_error() -> type[BaseException]:
    try:
        from lxml.etree import XMLSyntaxError

        return XMLSyntaxError
    except ImportError:
        from xml.etree.ElementTree import ParseError

        return ParseError


def _open(path: str, limit: int, ignore: tuple[str, ...] = ()) -> Source:
    return XlsxSource(path, limit, ignore)


register_stream_format(StreamFormat("xlsx", SUFFIXES, _open, columns=True))
