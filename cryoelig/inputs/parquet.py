"""Parquet files and Parquet dataset folders (``batch cases.parquet``, ``batch export/``), by row group.

Why it reads this way:
- Streamed: row groups are read one record batch at a time (``iter_batches``), so memory holds a
  batch, never a table; the count of rows comes from the files' footers, read when the source opens.
- The same columns as the CSV: dotted names (``tumor.size_cm``) or nested structs of the same shape
  (a ``tumor`` struct with a ``size_cm`` field), list columns for lists; a dataset folder's files
  are read in path order, and ``key=value`` folder names (hive partitioning) are columns too.
  The columns of every file are checked before any row is read, as a CSV header is: an identifying
  column name refuses the whole input; an unknown one is described by its position.
- Cells are typed: text follows the CSV cell grammar, numbers and yes/no pass as they are, a date
  is refused as identifying (cryoelig.inputs.cells).
- Nothing lost: a row group that cannot be read (a damaged page) gives one ``unreadable`` error per
  row it holds (its footer says how many), and reading goes on with the next row group.
- Resumable: a position is the number of rows read; resuming re-reads the row group it falls in.
  The digest of the input consumed (a checkpoint's) is over the bytes of the row groups reached.
- Bounded before a row is read: from the footers, a column chunk over 1 MiB may unpack to at most
  100 times its packed size (a 7 KB file whose one cell unpacked to 200 MB took 1.3 GB and 20 s),
  and a row group to at most the record limit (``--max-bytes``, at least 1 MiB) per row.

pyarrow comes with the ``[parquet]`` extra and is imported only when a Parquet input is opened.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..safetext import shown_file
from .base import Position, Record, Source
from .lines import SHORT
from .sources import StreamFormat, register_stream_format

SUFFIXES = (".parquet", ".parq")
MAX_RATIO = 100  # unpacked / packed, for a column chunk over RATIO_FROM unpacked
RATIO_FROM = 1 << 20
BATCH_ROWS = 1024  # rows per record batch read from a row group
_PYARROW_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, KeyError, IndexError, RuntimeError)


def need_pyarrow(path: str, what: str = "reading Parquet") -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise InputError([Problem(f"{what} needs the optional extra [parquet]: pip install 'cryoelig[parquet]'",
                                  file=path)])


def flat_names(schema: Any, prefix: str = "") -> list[str]:
    """Column names with struct fields flattened to dotted names (``tumor.size_cm``)."""
    import pyarrow as pa

    names = []
    for f in schema:
        if pa.types.is_struct(f.type):
            names += flat_names(list(f.type), f"{prefix}{f.name}.")
        else:
            names.append(prefix + f.name)
    return names


def flat_columns(batch: Any) -> dict[str, Any]:
    """A record batch's columns by flattened name (structs opened into their fields)."""
    import pyarrow as pa

    out: dict[str, Any] = {}
    todo = list(zip(batch.schema.names, batch.columns, strict=True))
    while todo:
        name, column = todo.pop(0)
        if pa.types.is_struct(column.type):
            todo[:0] = [(f"{name}.{column.type.field(i).name}", column.field(i)) for i in range(column.type.num_fields)]
        else:
            out[name] = column
    return out


def dataset_files(path: str) -> list[str]:
    """The Parquet files of a dataset folder, in path order (hidden and ``_`` files are not data)."""
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found += [os.path.join(root, f) for f in files
                  if f.lower().endswith(SUFFIXES) and not f.startswith((".", "_"))]
    return sorted(found, key=lambda p: os.path.relpath(p, path).split(os.sep))


def is_dataset(path: str) -> bool:
    """A folder with Parquet files in it (and so not a folder of case files)."""
    return any(f.lower().endswith(SUFFIXES) for _root, _dirs, files in os.walk(path) for f in files)


def partition_keys(path: str, file: str) -> dict[str, str]:
    """``key=value`` folder names between the dataset folder and a file (hive partitioning)."""
    keys = {}
    for part in Path(os.path.relpath(file, path)).parts[:-1]:
        key, sep, value = part.partition("=")
        if sep:
            keys[key] = value
    return keys


class ParquetSource(Source):
    kind = "parquet"

    def __init__(self, path: str, limit: int, ignore: tuple[str, ...] = ()):
        need_pyarrow(path)
        self.ignore = ignore
        import pyarrow.parquet as pq

        self.path = self.label = path
        self.limit = limit
        self.is_folder = os.path.isdir(path)
        if not self.is_folder and not os.path.lexists(path):
            raise InputError([Problem("file not found", file=path)])
        self.files = dataset_files(path) if self.is_folder else [path]
        self.groups: list[tuple[int, int, int, int]] = []  # (file index, row group, rows, first row)
        columns: dict[str, None] = {}
        self.keys: list[dict[str, str]] = []
        self.spans: list[list[list[tuple[int, int]]]] = []  # per file, per row group: its byte ranges
        first = 0
        for index, name in enumerate(self.files):
            try:
                meta = pq.ParquetFile(name)
                schema = meta.schema_arrow
                counts = [meta.metadata.row_group(g).num_rows for g in range(meta.metadata.num_row_groups)]
                spans = _check_bounds(meta.metadata, name, limit)
            except _PYARROW_ERRORS + (_arrow_error(),) as error:
                raise InputError([Problem(f"cannot be read as Parquet ({type(error).__name__}); no row was processed",
                                          file=name)]) from None
            self.spans.append(spans)
            keys = partition_keys(path, name) if self.is_folder else {}
            self.keys.append(keys)
            columns.update(dict.fromkeys(flat_names(schema)))
            columns.update(dict.fromkeys(keys))
            for group, rows in enumerate(counts):
                self.groups.append((index, group, rows, first))
                first += rows
        from .csvrows import header_problems, kept_columns

        problems = header_problems(list(columns), path, ignore)
        if problems:
            raise InputError(problems)
        self.columns = tuple(kept_columns(list(columns), ignore))  # read by name: the dropped are never read
        self.total = first
        self._reader: tuple[int, Any] | None = None  # the file being read
        self._hash: Any = None  # the digest of the row groups reached (when the run asked for it)
        self._hashed = 0  # how many of self.groups it holds
        self.description = (f"a Parquet dataset of {len(self.files)} file(s)" if self.is_folder else "Parquet") + \
            f", {first} rows in {len(self.groups)} row group(s)"

    def fingerprint(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for name in self.files:
            st = os.stat(name)
            digest.update(f"{os.path.relpath(name, self.path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return {"kind": self.kind, "path": str(Path(self.path).resolve()), "files": digest.hexdigest()}

    def prefix_digest(self, position: Position) -> str | None:
        if not 0 <= position.offset <= self.total:
            self._hash = None
            return SHORT
        self._hash, self._hashed = hashlib.sha256(), 0
        for file_index, group, _rows, first in self.groups:
            if first >= position.offset:
                break
            self._hash_group(file_index, group)
        return self._hash.hexdigest()

    def digest(self) -> str | None:
        return None if self._hash is None else self._hash.hexdigest()

    def _hash_group(self, file_index: int, group: int) -> None:
        """Add a row group's bytes (its column chunks' ranges, as the footer gives them) to the digest."""
        self._hashed += 1
        with open(self.files[file_index], "rb") as f:
            for offset, length in self.spans[file_index][group]:
                f.seek(offset)
                while length > 0 and (block := f.read(min(length, 1 << 20))):
                    self._hash.update(block)
                    length -= len(block)

    def decoder(self) -> Any:
        from .cells import CellsDecoder

        return CellsDecoder(self.label, self.columns)

    def records(self, start: Position) -> Iterator[tuple[Record | None, Position]]:
        for index, (file_index, group, rows, first) in enumerate(self.groups):
            if first + rows <= start.offset:
                continue
            if self._hash is not None and index >= self._hashed:
                self._hash_group(file_index, group)
            yield from self._group(file_index, group, rows, first, start.offset)

    def _group(self, file_index: int, group: int, rows: int, first: int,
               skip_to: int) -> Iterator[tuple[Record | None, Position]]:
        """The rows of one row group from row ``skip_to`` on; an unreadable rest is one error per row."""
        import pyarrow.parquet as pq

        done = first
        try:
            if self._reader is None or self._reader[0] != file_index:
                self._reader = (file_index, pq.ParquetFile(self.files[file_index]))
            reader = self._reader[1]
            for batch in reader.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], use_threads=False):
                cells = self._cells(batch, file_index)
                for values in zip(*cells, strict=True):
                    if done >= first + rows:
                        break
                    done += 1
                    if done > skip_to:
                        yield Record(done, None, ("row", values)), Position(done, 0, done)
        except _PYARROW_ERRORS + (_arrow_error(),):
            pass
        name = os.path.relpath(self.files[file_index], self.path) if self.is_folder else \
            os.path.basename(self.files[file_index])
        while done < first + rows:  # a damaged or short row group: each row it holds by its footer is an error
            done += 1
            if done > skip_to:
                named = shown_file(name, "a file of the dataset" if self.is_folder else "the input file")
                message = f"row group {group + 1} of {named} cannot be read (damaged data); its rows are not read"
                yield Record(done, None, ("unreadable", message)), Position(done, 0, done)

    def _cells(self, batch: Any, file_index: int) -> list[list[Any]]:
        columns = flat_columns(batch)
        keys = self.keys[file_index]
        n = batch.num_rows
        out = []
        for name in self.columns:
            if name in columns:
                out.append(columns[name].to_pylist())
            else:
                out.append([keys.get(name)] * n)
        return out


def _check_bounds(meta: Any, name: str, limit: int) -> list[list[tuple[int, int]]]:
    """InputError when a row group or column chunk unpacks beyond the bounds (module docstring); the byte
    ranges of each row group's column chunks (for the digest)."""
    spans = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.total_byte_size > max(group.num_rows, 1) * max(limit, 1 << 20):
            _refuse(name, f"row group {g + 1} unpacks to more than the record limit per row (see --max-bytes)")
        ranges = []
        for c in range(group.num_columns):
            chunk = group.column(c)
            packed, unpacked = chunk.total_compressed_size, chunk.total_uncompressed_size
            if unpacked > RATIO_FROM and unpacked > MAX_RATIO * max(packed, 1):
                _refuse(name, f"a column chunk of row group {g + 1} unpacks to more than {MAX_RATIO} times its "
                              "packed size")
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
            ranges.append((max(start or 0, 0), max(packed, 0)))
        spans.append(ranges)
    return spans


def _refuse(name: str, why: str) -> None:
    raise InputError([Problem(f"{why}: refused as Parquet that unpacks beyond cryoelig's bounds; no row was read",
                              file=name)])


def _arrow_error() -> type[BaseException]:
    import pyarrow as pa

    return pa.ArrowException


def _open(path: str, limit: int, ignore: tuple[str, ...] = ()) -> Source:
    return ParquetSource(path, limit, ignore)


register_stream_format(StreamFormat("parquet", SUFFIXES, _open, is_dataset, columns=True))
