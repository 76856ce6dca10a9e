"""Streaming, parallel, resumable review of many cases: nothing lost, nothing identifying kept.

One module per job: ``options`` (what a run is asked to do), ``run`` (the loop), ``workers``
(one chunk: decode, validate, review, serialize), ``checkpoint`` (resume), ``files`` (locked,
atomic, regular-file-only outputs), ``aggregate`` (the summary counts), ``summarize``
(the summary from a run's files). Inputs come from ``cryoelig.inputs``.
"""

from __future__ import annotations

from ..inputs import Position, Record, Source, open_source
from .aggregate import Aggregate, safe_key, summary_json
from .checkpoint import STATE_VERSION, State
from .options import (
    DEFAULT_CHUNK_ROWS,
    BatchInterrupted,
    BatchOptions,
    capped_jobs,
    default_errors_path,
    default_jobs,
    partial_paths,
)
from .outfiles import OutputLock, check_replaceable, write_atomic, write_text_atomic
from .outputs import CSV_RESULT_COLUMNS, FORMATS, OutputFormat, csv_result_header, output_kind
from .run import BatchResult, chunks, run_batch
from .summarize import summarize_files
from .workers import ChunkResult, CrossCheck, process_chunk, review

__all__ = [
    "CSV_RESULT_COLUMNS", "DEFAULT_CHUNK_ROWS", "FORMATS", "STATE_VERSION", "Aggregate", "BatchInterrupted",
    "BatchOptions", "CrossCheck", "OutputFormat",
    "BatchResult", "ChunkResult", "OutputLock", "Position", "Record", "Source", "State", "capped_jobs",
    "check_replaceable", "chunks", "csv_result_header", "default_errors_path", "default_jobs", "open_source",
    "output_kind", "partial_paths", "process_chunk", "review", "run_batch", "safe_key", "summarize_files",
    "summary_json", "write_atomic", "write_text_atomic",
]
