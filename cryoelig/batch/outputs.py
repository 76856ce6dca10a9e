"""Result formats of a batch, chosen by the suffix of ``--out``: JSONL, CSV, Parquet, xlsx.

Why every format goes through the same partial file: the run appends each chunk's bytes to
``<out>.partial`` and checkpoints byte offsets, which is what makes ``--resume`` after a kill give
the same final file. JSONL and CSV partials are the final file (renamed at the end). A Parquet
file or a workbook only exists whole (its footer or zip directory is written last), so their
partial holds what becomes them, appended chunk by chunk (Parquet: Arrow IPC record batches; xlsx:
CSV result rows), and ``finish`` writes the final file from it in one streamed pass (constant
memory) under a temporary name, renamed when complete.

The formats that need a library (pyarrow, openpyxl) live in their own modules, imported only
when used; without the extra installed, ``--out x.parquet`` is one line naming the extra, exit 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..reasoning.coltypes import scale_columns
from .serialize import Summary, csv_line

#: The kinds of points as every page names them (documented factor, caution, background: render/kinds.py);
#: the JSON reports and summary.json keep the schema's values (supporting, caution, context).
KIND_COLUMNS = {"supporting": "documented_factor", "caution": "caution", "context": "background"}
CSV_RESULT_COLUMNS = ("case_id", "site", "documented_factor", "caution", "background", "missing", "factors",
                      "missing_fields")
_COUNTS = frozenset(CSV_RESULT_COLUMNS[2:6])
#: Then, per published scale of the pack (``reasoning.coltypes.scale_columns``, as the analysis table names
#: them): ``total.<scale>`` and, for a scale with bands, ``band.<scale>``; empty when the case does not give
#: the total or the paper does not describe the scale for the case (serialize.scale_cells).

#: One reviewed case for an encoder: its summary and its report's JSON (no line end).
Row = tuple[Summary, bytes]


def csv_result_columns(pack: Any = None) -> tuple[str, ...]:
    """The CSV result columns for a pack: the fixed ones, then a total and a band column per scale."""
    return CSV_RESULT_COLUMNS + tuple(name for name, _ in scale_columns(pack))


def result_cell(name: str, value: str) -> Any:
    """A CSV result cell as the xlsx and Parquet results hold it: counts and scale totals as numbers (a
    total the report's number, as its JSON wrote it), an empty total or band as empty (None)."""
    if name in _COUNTS:
        return int(value)
    if name.startswith("total."):
        return None if value == "" else json.loads(value)
    if name.startswith("band."):
        return value or None
    return value


def csv_result_header(pack: Any = None) -> bytes:
    return (",".join(csv_result_columns(pack)) + "\n").encode()


@dataclass(frozen=True)
class OutputFormat:
    """``encode`` runs in the workers (rows of a chunk and the pack -> bytes appended to the partial file);
    ``finish(partial, final, errors_partial, summary, pack)`` writes the final file (None: rename)."""

    name: str
    suffixes: tuple[str, ...]
    describe: str
    has_header: bool = False  # the CSV header line (its scale columns are the pack's)
    needs_json: bool = True  # whether encode reads the report's JSON
    module: str | None = None  # holds encode / finish for formats that need a library
    extra: str | None = None
    library: str | None = None  # the import that the extra brings
    compact: bool = False  # a line is the compact report (schema v2), not the full one

    def header(self, pack: Any) -> bytes:
        return csv_result_header(pack) if self.has_header else b""

    def encoder(self) -> Callable[[list[Row], Any], bytes]:
        if self.module is None:
            return _LOCAL[self.name]
        return importlib.import_module(self.module).encode

    def finisher(self) -> Callable[..., None] | None:
        return None if self.module is None else importlib.import_module(self.module).finish

    def check_available(self, path: Path) -> None:
        if self.library and importlib.util.find_spec(self.library) is None:
            raise InputError([Problem(f"writing {self.describe} needs the optional extra [{self.extra}]: "
                                      f"pip install 'cryoelig[{self.extra}]'", file=str(path))])


def _encode_jsonl(rows: list[Row], pack: Any = None) -> bytes:
    return b"\n".join([line for _, line in rows] + [b""])


def _encode_csv(rows: list[Row], pack: Any = None) -> bytes:
    return b"".join([csv_line(s) for s, _ in rows])


_LOCAL: dict[str, Callable[[list[Row], Any], bytes]] = {"jsonl": _encode_jsonl, "compact": _encode_jsonl,
                                                         "csv": _encode_csv}

FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("jsonl", (".jsonl", ".ndjson"), "JSONL (one report per line)"),
    # chosen by --report compact, never by a suffix: a .jsonl whose lines are compact reports
    OutputFormat("compact", (), "compact JSONL (one compact report per line)", compact=True),
    OutputFormat("csv", (".csv",), "CSV (one row per case)", has_header=True, needs_json=False),
    OutputFormat("parquet", (".parquet",), "Parquet (one row per case with its report)",
                 module="cryoelig.batch.parquet_out", extra="parquet", library="pyarrow"),
    OutputFormat("xlsx", (".xlsx",), "an xlsx workbook (results, errors and summary sheets)", needs_json=False,
                 module="cryoelig.batch.xlsx_out", extra="xlsx", library="openpyxl"),
)}


def output_kind(path: Path) -> str:
    """The format name for --out, from its suffix; refused with the list of suffixes, or with the extra
    to install when the format needs one."""
    suffix = path.suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.suffixes:
            fmt.check_available(path)
            return fmt.name
    raise InputError([Problem("--out takes a .jsonl (one report per line), .csv (one row per case), .parquet or "
                              ".xlsx file", file=str(path))])


def output_format(kind: str) -> OutputFormat:
    return FORMATS[kind]


def finish_output(kind: str, partial: Path, final: Path, errors_partial: Path, summary: dict[str, Any],
                  pack: Any) -> Path | None:
    """Write the final results file of a format that is not its partial; returns the temporary file to
    rename over ``final`` (None: the partial itself is renamed)."""
    finisher = FORMATS[kind].finisher()
    if finisher is None:
        return None
    return finisher(partial, final, errors_partial, summary, pack)
