"""CSV files of many cases: one physical line per row, dotted column names, the delimiter detected.

Why it reads this way:
- A row is one physical line. A quote that is misplaced or not closed, a NUL, bytes that are not
  UTF-8, a cell over the length limit, a line over the size limit: each is one error for that
  line, and reading goes on at the next line (a stray ``"`` used to swallow every following row).
  So a cell cannot contain a line break; quoted cells may contain the delimiter and ``""``.
- The delimiter is ``,``, ``;`` or a tab, whichever splits the header row into the most columns
  (Excel writes ``;`` in many locales); the run's notes say which.
- Blank lines (empty, spaces, or only delimiters, as spreadsheets write trailing rows) are not rows.
- The header is checked before any row is read: an identifying column refuses the whole file; an
  unknown column is described by its position, with "did you mean" when its name is not itself
  identifying-looking; a column name is never echoed unless it is a schema field name.
"""

from __future__ import annotations

import csv
import difflib
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..case.contract import case_fields
from ..case.identifiers import find_label_identifier, is_identifying_field, shown_identifying_name
from ..case.limits import MAX_KEY_CHARS, MAX_STRING_CHARS, mib
from ..errors import InputError, Problem
from .base import BOM, Position, Record, Source, unreadable
from .lines import LineDigests, physical_lines
from .opening import file_fingerprint, open_regular

#: Dotted CSV columns that are not rule fields but still part of the case contract.
EXTRA_COLUMNS = ("case_id", "tumor.size_mm", "labs.platelets_per_ul", "ecog", "notes")
DELIMITERS = {",": "',' (comma)", ";": "';' (semicolon)", "\t": "tab"}
#: Where a list cell is split into items.
_ITEM_SPLIT = re.compile(r"[;,]")
#: A list cell that means "known to be none".
NONE_CELLS = frozenset({"none", "-"})


def known_columns() -> set[str]:
    return set(case_fields()) | set(EXTRA_COLUMNS)


@functools.cache
def _cell_pattern(delimiter: str) -> str:
    d = re.escape(delimiter)
    return rf'"((?:[^"]|"")*+)"|[^"{d}]*+'


@functools.cache
def _line_pattern(delimiter: str) -> re.Pattern[str]:
    """A whole CSV line: cells separated by the delimiter, each quoted ("" inside) or free of quotes."""
    cell = _cell_pattern(delimiter)
    return re.compile(rf"(?:{cell})(?:{re.escape(delimiter)}(?:{cell}))*+")


def split_line(text: str, delimiter: str) -> list[str] | None:
    """The cells of one line, or None when its quotes are misplaced or not closed.

    A line without a quote (most rows) is split as the csv module splits it, without its reader and
    the quote check: nothing else in such a line is special to the csv module (it holds no line break;
    a NUL goes the long way). A line the csv module refuses for a field over its size limit (131,072
    characters, under the 1 MiB row limit) is split by the same pattern that checked its quotes, so that
    the row gets its error record ("a cell is longer than ...") instead of stopping the run."""
    if text and '"' not in text and "\0" not in text and "\r" not in text and "\n" not in text:
        return text.split(delimiter)
    if not _line_pattern(delimiter).fullmatch(text):
        return None
    try:
        return next(csv.reader((text,), delimiter=delimiter, strict=True), [])
    except csv.Error:
        return _split_by_pattern(text, delimiter)


def _split_by_pattern(text: str, delimiter: str) -> list[str]:
    """The cells of a line whose quotes are known to be right, by the cell pattern: quoted cells unquoted."""
    cell = re.compile(_cell_pattern(delimiter))
    cells, pos = [], 0
    while True:
        match = cell.match(text, pos)
        assert match is not None  # the pattern matches the empty cell
        cells.append(match[0] if match[1] is None else match[1].replace('""', '"'))
        pos = match.end() + 1  # past the delimiter
        if pos > len(text):
            return cells


def detect_delimiter(header: str) -> str:
    best, most = ",", 0
    for delimiter in DELIMITERS:
        cells = split_line(header, delimiter)
        if cells is not None and len(cells) > most:
            best, most = delimiter, len(cells)
    return best


def suggest_column(name: str) -> str | None:
    """The schema column a header cell was probably meant to be, unless the cell looks identifying."""
    if len(name) > MAX_KEY_CHARS or find_label_identifier(name):
        return None
    known = sorted(known_columns())
    lower = name.strip().lower()
    if lower in known:
        return lower
    by_last = [c for c in known if c.rsplit(".", 1)[-1] == lower]
    if len(by_last) == 1:
        return by_last[0]
    close = difflib.get_close_matches(lower, known, n=1, cutoff=0.75)
    return close[0] if close else None


#: What an identifying column's refusal adds when it was named by --ignore-column.
NOT_IGNORED = "--ignore-column never drops a column whose name looks identifying: remove it from the export"


def ignore_problems(columns: list[str], file: str, ignore: tuple[str, ...]) -> list[Problem]:
    """``--ignore-column`` names that are not in the header, by their place among the options (a name given
    on the command line is never echoed: it may be anything); exact names only, so a typo is not silent."""
    present = set(columns)
    return [Problem(f"--ignore-column #{number} names no column of the header (names are exact: case, dots and "
                    "spaces count); no row was processed", file=file)
            for number, name in enumerate(ignore, 1) if name not in present]


def kept_columns(columns: list[str], ignore: tuple[str, ...]) -> list[str]:
    """The header without the columns ``--ignore-column`` drops (after ``header_problems`` passed)."""
    return [c for c in columns if c not in ignore] if ignore else list(columns)


def header_problems(columns: list[str], file: str, ignore: tuple[str, ...] = ()) -> list[Problem]:
    """Identifying or unknown columns refuse the whole file before any row is read. ``ignore``
    (``--ignore-column``): exact names of columns dropped before validation; every one must be in the
    header, and a column whose name looks identifying refuses the file even when it is named there."""
    identifying = [shown_identifying_name(c) for c in columns if is_identifying_field(c)]
    if identifying:
        named = any(c in ignore for c in columns if is_identifying_field(c))
        return [Problem(f"identifying column(s) refused: {', '.join(identifying)}; no row was processed"
                        + (f"; {NOT_IGNORED}" if named else ""), file=file, reason="identifier")]
    problems = ignore_problems(columns, file, ignore)
    known = known_columns()
    for number, column in enumerate(columns, 1):
        if column in known:
            continue
        if not column:
            problems.append(Problem(f"column #{number} has no name in the header row", file=file))
            continue
        kind = find_label_identifier(column) if len(column) <= MAX_KEY_CHARS else "an over-long name"
        if kind:
            also = f"; {NOT_IGNORED}" if column in ignore else ""
            problems.append(Problem(f"column #{number}: a column name that looks like {kind} (not shown); "
                                    f"no row was processed{also}", file=file, reason="identifier"))
            continue
        if column in ignore:
            continue
        message = f"unknown column #{number} (not shown): not in the case schema"
        suggestion = suggest_column(column)
        if suggestion:
            message += f"; did you mean '{suggestion}'?"
        if not ignore:
            message += "; --ignore-column NAME drops a column before validation"
        problems.append(Problem(message, file=file))
    return problems + _required_problems(kept_columns(columns, ignore), file, known)


def _required_problems(columns: list[str], file: str, known: set[str]) -> list[Problem]:
    problems = []
    if "case_id" not in columns:
        problems.append(Problem("no case_id column", file=file))
    if "site" not in columns:
        problems.append(Problem("no site column", file=file))
    seen: set[str] = set()
    for column in columns:
        if column in seen and column in known:
            problems.append(Problem(f"column '{column}' appears twice", file=file, field=column))
        seen.add(column)
    return problems


@dataclass
class CsvDecoder:
    """A CSV row (one physical line) -> the nested case form; picklable for the workers."""

    label: str
    header: tuple[str, ...]
    delimiter: str
    limit: int
    #: the columns ``--ignore-column`` drops: their cells are cut from each row before it is decoded
    ignore: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = field(init=False)
    lists: tuple[bool, ...] = field(init=False)
    keep: tuple[int, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        fields = case_fields()
        kept = [c for c in self.header if c not in self.ignore]
        self.paths = tuple(tuple(c.split(".")) for c in kept)
        self.lists = tuple(fields.get(c, {}).get("type") == "list" for c in kept)
        self.keep = tuple(i for i, c in enumerate(self.header) if c not in self.ignore) if self.ignore else None

    def __call__(self, rec: Record) -> Any:
        raw = rec.payload
        if raw is None:
            raise unreadable(f"the row is longer than {mib(self.limit)} (see --max-bytes); not read", self.label, rec)
        if b"\0" in raw:
            raise unreadable("the row contains a NUL character", self.label, rec)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise unreadable("not UTF-8 text", self.label, rec) from None
        cells = split_line(text, self.delimiter)
        if cells is None:
            raise unreadable('cannot read the row: a quote (") is misplaced or not closed; a cell cannot '
                             "contain a line break", self.label, rec)
        width = len(self.header)
        if len(cells) < width or (len(cells) > width and any(c.strip() for c in cells[width:])):
            raise unreadable(f"the row has {len(cells)} cells; the header has {width} columns", self.label, rec)
        if self.keep is not None:
            cells = [cells[i] for i in self.keep]
        if max(map(len, cells), default=0) > MAX_STRING_CHARS:
            raise unreadable(f"a cell is longer than {MAX_STRING_CHARS} characters", self.label, rec)
        return self.to_data(cells)

    def to_data(self, cells: list[str]) -> dict[str, Any]:
        """Cells as the nested case form; an empty cell is unknown; list items split at ';' or ','.
        Written for speed (it runs for every cell of every row): the common column, a field or a field of
        a group (``tumor.size_cm``), is placed without walking its path."""
        data: dict[str, Any] = {}
        for path, is_list, cell in zip(self.paths, self.lists, cells, strict=False):
            if not cell:
                continue
            cell = cell.strip()
            if not cell:
                continue
            value: Any = cell
            if is_list:
                value = [] if cell.lower() in NONE_CELLS else [v.strip() for v in _ITEM_SPLIT.split(cell)
                                                               if v.strip()]
            depth = len(path)
            if depth == 1:
                data[path[0]] = value
                continue
            if depth == 2:
                target = data.get(path[0])
                if target is None:
                    target = data[path[0]] = {}
            else:
                target = data
                for part in path[:-1]:
                    target = target.setdefault(part, {})
            target[path[-1]] = value
        return data


class CsvSource(LineDigests, Source):
    kind = "csv"

    def __init__(self, path: str, limit: int, ignore: tuple[str, ...] = ()):
        self.path = self.label = path
        self.limit = limit
        self.ignore = ignore
        self.stream = open_regular(path, "a CSV file")
        try:
            self._read_header()
        except BaseException:
            self.stream.close()
            raise

    def _read_header(self) -> None:
        path = self.path
        self.total = os.fstat(self.stream.fileno()).st_size
        for line in physical_lines(self.stream, 0, 0, self.limit):
            if line.data is None:
                raise InputError([Problem(f"the header row is longer than {mib(self.limit)}", file=path)])
            raw = line.data.removeprefix(BOM) if line.number == 1 else line.data
            if raw.strip():
                break
        else:
            raise InputError([Problem("the file is empty: a CSV needs a header row", file=path)])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError([Problem("the header row is not UTF-8 text", file=path, line=line.number)]) from None
        self.delimiter = detect_delimiter(text)
        cells = split_line(text, self.delimiter) if "\0" not in text else None
        if cells is None:
            raise InputError([Problem("the header row cannot be read as CSV (a quote is misplaced or not closed)",
                                      file=path, line=line.number)])
        header = [c.strip() for c in cells]
        while header and not header[-1]:  # spreadsheets add empty columns at the end
            header.pop()
        problems = header_problems(header, path, self.ignore)
        if problems:
            raise InputError(problems)
        self.header = header
        self.start = Position(line.end, line.number, 0)
        self.description = f"CSV, {DELIMITERS[self.delimiter]} between cells (detected from the header row)"

    def fingerprint(self) -> dict[str, Any]:
        return {"kind": self.kind, **file_fingerprint(self.path)}

    def decoder(self) -> CsvDecoder:
        return CsvDecoder(self.label, tuple(self.header), self.delimiter, self.limit, self.ignore)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        row = start.row
        blank = (" \t" + self.delimiter).encode()
        for line in self._lines(start):
            if line.data is not None and not line.data.strip(blank):
                yield None, Position(line.end, line.number, row)
                continue
            row += 1
            yield Record(row, line.number, line.data, line.size), Position(line.end, line.number, row)

    def close(self) -> None:
        self.stream.close()
