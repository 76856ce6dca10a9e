"""xlsx results (``--out results.xlsx``): a workbook with a results, an errors and a summary sheet.

Why from CSV rows: a workbook exists only whole (a zip whose directory is written last), so the
run appends the CSV result rows to the partial file as for ``--out *.csv`` (resumable by byte
offset), and ``finish`` streams them, the error records and the summary into a workbook written by
openpyxl in write-only mode (rows go to disk as they come, strings inline: constant memory).
The full report is not in the workbook: a cell holds at most 32,767 characters; ``.jsonl`` or
``.parquet`` keep it.

Byte-identical for the same rows: openpyxl stamps the workbook's created/modified properties and
every zip entry with the current time; the saved file is rewritten entry by entry with fixed
times (``FIXED_TIME``), in the same order, with the same compression.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .about import about
from .outfiles import open_partial
from .outputs import KIND_COLUMNS, Row, csv_result_columns, result_cell
from .serialize import csv_line

#: The time written into the workbook's properties and zip entries (the zip format starts in 1980).
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_ISO = b"1980-01-01T00:00:00Z"
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")
ERROR_COLUMNS = ("row", "line", "file", "case_id", "reason", "field", "message")
#: Excel's limit for the text of one cell.
MAX_CELL = 32_767


def encode(rows: list[Row], pack: Any = None) -> bytes:
    """A chunk's rows as CSV result lines (the same as ``--out *.csv`` without its header)."""
    return b"".join([csv_line(s) for s, _ in rows])


def _results(partial: Path, columns: tuple[str, ...]) -> Iterator[list[Any]]:
    with open(partial, encoding="utf-8", newline="") as f:
        for cells in csv.reader(f):
            yield [result_cell(name, c) for name, c in zip(columns, cells, strict=True)]


def error_rows(errors_partial: Path) -> Iterator[list[Any]]:
    with open(errors_partial, "rb") as f:
        for line in f:
            record = json.loads(line)
            yield [str(record.get(name))[:MAX_CELL] if isinstance(record.get(name), str) else record.get(name)
                   for name in ERROR_COLUMNS]


def summary_rows(summary: dict[str, Any]) -> Iterator[list[Any]]:
    """The summary as (section, name, kind, count) rows, in the order of ``summary.json``."""
    for name, n in summary["counts"].items():
        yield ["counts", name, None, n]
    for name, n in summary["sites"].items():
        yield ["sites", name, None, n]
    for kind, n in summary["findings"]["by_kind"].items():
        yield ["findings by kind", KIND_COLUMNS.get(kind, kind), None, n]
    for factor, kinds in summary["findings"]["by_factor"].items():
        for kind, n in kinds.items():
            yield ["findings by factor", factor, KIND_COLUMNS.get(kind, kind), n]
    for name, n in summary["missing"].items():
        yield ["missing information", name, None, n]
    for site, factors in summary.get("cases_by_site_factor", {}).items():
        for factor, n in factors.items():
            yield ["cases by site and factor", site, factor, n]
    yield from _scale_rows(summary)
    for reason, n in summary["errors"]["by_reason"].items():
        yield ["errors by reason", reason, None, n]
    for name, n in summary["errors"]["by_field"].items():
        yield ["errors by field", name, None, n]


def _scale_rows(summary: dict[str, Any]) -> Iterator[list[Any]]:
    """Per published scale: the cases with a total computed / given / none, and the cases in each band."""
    for scale, parts in summary.get("scales", {}).items():
        for state, n in parts["total"].items():
            yield ["published scales", scale, f"total {state}", n]
        for band, n in parts["bands"].items():
            yield ["published scales", scale, f"band {band}", n]


def write_workbook(sheets: list[tuple[str, Any, Iterator[list[Any]]]], pack: Any, raw: Any) -> None:
    """The sheets (title, header, rows), streamed (openpyxl write-only), saved to ``raw`` (a binary file)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    info = about(pack)
    identity = [["notice", info["notice"]], *(["pack " + k, v] for k, v in info["pack"].items())]
    for title, header, rows in [*sheets, ("about", ("name", "value"), iter(identity))]:
        sheet = wb.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
    wb.properties.title = "cryoelig batch results"
    wb.properties.subject = f"rule pack {pack.name} {pack.version} sha256 {pack.sha256}"
    wb.properties.creator = "cryoelig"
    wb.save(raw)


def normalize(raw: Any, sink: Any) -> None:
    """The zip in ``raw`` copied into ``sink`` with fixed times in every entry and in the core properties."""
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>" + FIXED_ISO + rb"\g<2>", zin.read(info))
                zout.writestr(entry, data)
                continue
            with zin.open(info) as src, zout.open(entry, "w", force_zip64=info.file_size >= 1 << 31) as dst:
                for block in iter(lambda: src.read(1 << 20), b""):  # noqa: B023 - consumed at once
                    dst.write(block)


def finish(partial: Path, final: Path, errors_partial: Path, summary: dict[str, Any], pack: Any) -> Path:
    """The workbook made from the partial, the error records and the summary, under a temporary name."""
    temp = final.with_name(final.name + ".partial.xlsx")
    columns = csv_result_columns(pack)
    save_workbook([("results", columns, _results(partial, columns))], errors_partial, summary, pack, temp)
    return temp


def save_workbook(results: list[tuple[str, Any, Iterator[list[Any]]]], errors_partial: Path,
                  summary: dict[str, Any], pack: Any, temp: Path) -> None:
    """The result sheets, then the errors and summary sheets (and the about sheet), written to ``temp`` with
    fixed times (``normalize``) and synced; openpyxl's own file goes to a raw name beside it, removed after."""
    raw = temp.with_name(temp.name + ".raw")
    try:
        with os.fdopen(open_partial(raw, truncate=True), "w+b") as saved:
            write_workbook([*results, ("errors", ERROR_COLUMNS, error_rows(errors_partial)),
                            ("summary", ("section", "name", "kind", "count"), summary_rows(summary))], pack, saved)
            saved.flush()
            saved.seek(0)
            with os.fdopen(open_partial(temp, truncate=True), "wb") as sink:
                normalize(saved, sink)
                sink.flush()
                os.fsync(sink.fileno())
    finally:
        raw.unlink(missing_ok=True)
