"""The analysis-ready table (``--report table``): one typed column per factor, missing field, scale total
and band, beside the row, case id, site and the pack's identity, as Parquet, CSV or xlsx.

Why these columns: a registry review reads ids, values and counts; the words of a finding are the
pack's (cited by rule id and pack sha256), the same for every case that meets the rule. A factor is
raised / not raised / undecided as true / false / null, so a query counts each without parsing text.
The pack's name, version and sha256 are columns (as the reports' ``pack`` gives them) so every row of
a CSV or a sheet says which rules made it; Parquet also carries them in its key-value metadata.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa

from .outfiles import open_partial
from .parquet_out import metadata

PACK_COLUMNS = ("pack.name", "pack.version", "pack.sha256")
FLAG_COLUMNS = ("factor.", "missing.")  # true / false / null: min and max say next to nothing


def table_of(results: pa.Table, columns: list[str], pack: Any) -> pa.Table:
    """The analysis table of a results table (``reasoning.columns.Compiled``), pack columns after the site."""
    n = results.num_rows
    out = {c: results.column(c) for c in columns[:3]}
    for name, value in zip(PACK_COLUMNS, (pack.name, pack.version, pack.sha256), strict=True):
        out[name] = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([value]))
    out.update({c: results.column(c) for c in columns[3:]})
    return pa.table(out)


class TableWriter:
    """Writes parts of the table to ``temp`` (Parquet and CSV streamed; xlsx through an Arrow IPC file,
    made into the workbook at ``close`` with the error records and the summary)."""

    def __init__(self, kind: str, temp: Path, pack: Any):
        self.kind, self.temp, self.pack = kind, temp, pack
        self.writer: Any = None
        self.sink: Any = None
        self.ipc = temp.with_name(temp.name + ".arrows") if kind == "xlsx" else None

    def _open(self, schema: pa.Schema) -> None:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        self.sink = os.fdopen(open_partial(self.ipc or self.temp, truncate=True), "wb")
        if self.kind == "parquet":  # statistics (min, max) where a query prunes by them: ids, totals, bands
            stats = [n for n in schema.names if not n.startswith(FLAG_COLUMNS)]
            self.writer = pq.ParquetWriter(self.sink, schema.with_metadata(metadata(self.pack)), compression="zstd",
                                           write_statistics=stats)
        elif self.kind == "csv":
            plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
                               for f in schema])
            self.writer = pacsv.CSVWriter(self.sink, plain, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            self.writer = pa.ipc.new_stream(self.sink, schema)

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self._open(table.schema)
        if self.kind == "csv":
            table = pa.table({n: (c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c)
                              for n, c in zip(table.column_names, table.columns, strict=True)})
        self.writer.write_table(table)

    def close(self, errors_partial: Path, summary: dict[str, Any]) -> None:
        self.writer.close()
        self.sink.flush()
        os.fsync(self.sink.fileno())
        self.sink.close()
        if self.ipc is not None:
            try:
                _workbook(self.ipc, self.temp, errors_partial, summary, self.pack)
            finally:
                self.ipc.unlink(missing_ok=True)

    def abort(self) -> None:
        if self.sink is not None and not self.sink.closed:
            self.sink.close()
        for path in (self.temp, self.ipc):
            if path is not None:
                path.unlink(missing_ok=True)


def _rows(ipc: Path) -> Any:
    with pa.OSFile(str(ipc), "rb") as f:
        reader = pa.ipc.open_stream(f)
        for batch in reader:
            yield from (list(r.values()) for r in batch.to_pylist())


def _workbook(ipc: Path, temp: Path, errors_partial: Path, summary: dict[str, Any], pack: Any) -> None:
    """The results sheet from the table's rows; errors and summary sheets as ``--report full`` writes them."""
    from .xlsx_out import save_workbook

    with pa.OSFile(str(ipc), "rb") as f:
        header = pa.ipc.open_stream(f).schema.names
    save_workbook([("results", header, _rows(ipc))], errors_partial, summary, pack, temp)
