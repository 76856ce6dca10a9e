"""What a batch run is asked to do: its options, output names and the number of workers.

Why ``--jobs`` is capped: each worker is a process with its own compiled engine (durable_rules
is not thread-safe); more workers than CPUs only add memory (``--jobs 1000`` on a 3-row file
started 1,001 processes, +7 GB), so the run uses at most one per CPU and says so in a note.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..case.limits import MAX_RECORD_BYTES
from ..errors import InputError, Problem

DEFAULT_CHUNK_ROWS = 500


class BatchInterrupted(Exception):
    """The run stopped before the end (signal or lost worker); the checkpoint says how far it got."""

    def __init__(self, rows: int, resumable: bool, why: str = "interrupted"):
        self.rows = rows
        self.resumable = resumable
        self.why = why
        how = ("run the same command with --resume to finish" if resumable
               else "standard input cannot be read again: run the batch again")
        super().__init__(f"{why} after {rows} rows; {how}")


def default_errors_path(out: Path) -> Path:
    """results.jsonl -> results.errors.jsonl (errors are always JSONL); any other format keeps its suffix in
    the name, results.csv -> results.csv.errors.jsonl, so outputs of two formats never share an error file."""
    if out.suffix.lower() == ".jsonl":
        return out.with_name(f"{out.stem}.errors.jsonl")
    return out.with_name(f"{out.name}.errors.jsonl")


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def capped_jobs(jobs: int) -> tuple[int, str | None]:
    """``jobs`` limited to the CPU count, and a note when it was lowered."""
    if jobs < 1:
        raise InputError([Problem("--jobs takes 1 or more")])
    cpus = default_jobs()
    if jobs > cpus:
        asked = f" {jobs}" if jobs.bit_length() < 64 else ""
        return cpus, f"--jobs{asked} is more than the {cpus} CPU(s) here: using {cpus} worker(s)"
    return jobs, None


@dataclass
class BatchOptions:
    input: str
    out: Path
    errors: Path | None = None
    summary: Path | None = None
    summary_html: Path | None = None  # the summary page (drawn by the caller's draw_page, see run_batch)
    jobs: int = 1
    resume: bool = False
    force: bool = False
    pack_dir: Path | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    checkpoint_seconds: float = 1.0  # at most this long between checkpoints (0: after every chunk)
    max_bytes: int = MAX_RECORD_BYTES  # the largest record read (CSV row, JSONL line, case file)
    cross_check: str = "all"  # 'all' or 'sample:N': which cases the engine decides and is checked on
    #: 'full' (a report per case, decided by the engine and explained), 'compact' (the same decisions as ids
    #: and values, schema v2: a .jsonl, the words once per run in ``words_path(out)``) or 'table' (the
    #: analysis table, decided by the pack compiled to columns: .parquet, .csv or .xlsx; needs pyarrow), see
    #: resolve_report
    report: str = "full"
    #: ``--ignore-column``: exact names of input columns dropped before validation (CSV, Parquet, xlsx)
    ignore_columns: tuple[str, ...] = ()

    @property
    def errors_path(self) -> Path:
        return self.errors if self.errors is not None else default_errors_path(self.out)


TABLE_SUFFIXES = (".parquet", ".csv", ".xlsx")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def words_path(out: Path) -> Path:
    """Where a compact run writes the words its lines' ids stand for: ``results.jsonl.words.json`` (a
    cluster's folder: ``words.json`` in it)."""
    return out / "words.json" if out.suffix.lower() not in JSONL_SUFFIXES else out.with_name(out.name + ".words.json")


def resolve_report(report: str, out: Path, on_cluster: bool = False) -> str:
    """``--report``: ``auto`` is ``table`` for a .parquet, .csv or .xlsx output when pyarrow is installed (and
    not on a cluster), ``compact`` for a .jsonl output, else ``full``; ``table`` with another output or without
    pyarrow, and ``compact`` with another output than JSON Lines, are refused."""
    import importlib.util

    if report not in ("auto", "table", "compact", "full"):
        raise InputError([Problem("--report takes auto, table, compact or full")])
    tabular = out.suffix.lower() in TABLE_SUFFIXES
    jsonl = out.suffix.lower() in JSONL_SUFFIXES
    arrow = importlib.util.find_spec("pyarrow") is not None
    if report == "auto":
        return "table" if tabular and arrow and not on_cluster else "compact" if jsonl and not on_cluster else "full"
    if report == "compact" and not (jsonl or on_cluster):
        raise InputError([Problem("--report compact writes JSON Lines (.jsonl); a .csv, .parquet or .xlsx file gets "
                                  "--report table or full", file=str(out))])
    if report == "table" and not tabular:
        raise InputError([Problem("--report table writes a .parquet, .csv or .xlsx file; .jsonl gets --report "
                                  "compact or full", file=str(out))])
    if report == "table" and not arrow:
        raise InputError([Problem("--report table needs the optional extra [parquet]: pip install "
                                  "'cryoelig[parquet]'", file=str(out))])
    if report == "table" and on_cluster:
        raise InputError([Problem("--report table runs in one process; on a cluster, give --report full")])
    return report


def compact_by_columns(opts: BatchOptions, source_kind: str, pack: Any) -> bool:
    """Compact lines are built column-wise (``colcompact``) from a Parquet or CSV input when pyarrow is installed,
    as the table is; a resumed run (the column-wise run keeps no checkpoint), and a pack whose rules cannot be
    keyed (``coldeciders``), go per row."""
    import importlib.util

    if opts.report != "compact" or opts.resume or source_kind not in ("parquet", "csv") \
            or importlib.util.find_spec("pyarrow") is None:
        return False
    from ..reasoning.coldeciders import rule_keys

    return rule_keys(pack).keyable()


def partial_paths(out: Path, errors: Path) -> tuple[Path, Path, Path]:
    """Where an unfinished run writes: results, errors and the checkpoint."""
    part_out = out.with_name(out.name + ".partial")
    return part_out, errors.with_name(errors.name + ".partial"), out.with_name(out.name + ".partial.state")
