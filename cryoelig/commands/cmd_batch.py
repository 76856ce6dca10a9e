"""CLI commands: batch and summarize (registered on the app of cmd_common when imported).

Why here: progress display and rich tables are presentation; the streaming, parallel and
resumable run itself lives in cryoelig.batch, which imports neither typer nor rich.
"""

from __future__ import annotations

import functools
import gc
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ..case.limits import MAX_RECORD_BYTES
from ..safetext import clean_line, shown_file
from .cmd_common import PackOption, app, fail, load, user_errors


def _plain_progress(every: float = 5.0):  # noqa: ANN202 - a callback
    """Periodic plain lines when stderr is not a terminal."""
    start = time.monotonic()
    last = [start]

    def report(rows: int, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        rate = rows / max(now - start, 1e-9)
        share = f" ({100 * done / total:.0f}%)" if total else ""
        sys.stderr.write(f"cryoelig: {rows} rows done{share}, {rate:.0f} rows/s\n")
        sys.stderr.flush()

    return report


#: One line per paragraph: the help wraps each paragraph to the terminal, and keeps the line ends it finds.
BATCH_HELP = "\n\n".join((
    "Review many de-identified cases: results, errors and a summary; nothing lost.",
    "Inputs: a CSV file (.csv; dotted columns as in the case schema), a JSON Lines file (.jsonl or .ndjson; "
    "one case per line), a Parquet file or dataset folder (.parquet; the parquet extra), a spreadsheet (.xlsx; "
    "the xlsx extra), a folder of case files (.yaml, .yml, .json), or - (JSON Lines on standard input). "
    "Results, by the --out suffix: .jsonl (one compact report per line, see --report), .csv (one row per case), "
    ".parquet or .xlsx. "
    "With --cluster local:N or --scheduler tcp://HOST:PORT (the cluster extra), --out is a folder of parts.",
    "Exit code 0: every row gave a result; 1: some rows are in the error file; 2: the input cannot be read at "
    "all, or the output exists (see --force) or is in use by another run; 130: interrupted (run again with "
    "--resume).",
    "Example: cryoelig batch examples/cases.csv --out results.jsonl --summary summary.json",
))


@app.command(help=BATCH_HELP)
def batch(
    input_path: Annotated[str, typer.Argument(
        metavar="INPUT", help="A .csv, .jsonl, .parquet or .xlsx file, a Parquet dataset folder, a folder of "
                              ".yaml/.json cases, or - (JSONL on stdin).")],
    out: Annotated[Path, typer.Option("--out", "-o", help=(
        "Results: .jsonl (one report per line: compact or full, see --report), .csv, .parquet (one row per case "
        "with its report) or .xlsx (results, errors and summary sheets); with --cluster or --scheduler, a folder "
        "for the part files."))],
    errors: Annotated[Path | None, typer.Option(
        "--errors", help="Error file (JSONL); default: <out name>.errors.jsonl next to --out.")] = None,
    summary: Annotated[Path | None, typer.Option("--summary", help="Also write the summary as JSON.")] = None,
    summary_html: Annotated[Path | None, typer.Option(
        "--summary-html", dir_okay=False, help="Also write the summary as an HTML page of figures, each with its "
        "numbers (.html; needs the figures extra).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1,
                                             help="Worker processes (default and most: the number of CPUs).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run of the same command.")
                      ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace existing results, errors and summary files.")
                     ] = False,
    max_bytes: Annotated[int, typer.Option(
        "--max-bytes", min=1, max=1 << 30,
        help=f"Largest record read: a CSV row, a JSONL line or a case file (default {MAX_RECORD_BYTES}, 1 MiB); "
             "a longer one is an error row.")] = MAX_RECORD_BYTES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors: no progress, notes or counts "
                                                              "(the exit code and the files say how it went).")
                     ] = False,
    report: Annotated[str, typer.Option(
        "--report", metavar="auto|table|compact|full",
        help="table: the analysis table (one column per factor, missing field, scale total and band; .parquet, "
             ".csv or .xlsx; needs the parquet extra), decided by the rule pack compiled to columns; compact: per "
             "case its ids and values only (.jsonl; the words once per run in <out>.words.json; cryoelig expand "
             "gives the full reports back); full: a full report per case (the JSONL line before compact, CSV "
             "counts). auto (the default): table for .parquet, .csv and .xlsx when pyarrow is installed, compact "
             "for .jsonl, else full.")] = "auto",
    cross_check: Annotated[str, typer.Option(
        "--cross-check", metavar="all|sample:N",
        help="Which rows the rule engine and the Python evaluator also decide, checked against the result: all, "
             "or sample:N (the default, sample:100: with --report table the first 1,000 rows and every N-th; "
             "with --report full every N-th). With --report table a disagreement stops the run with one line "
             "naming the row and the rule, exit code 2.")] = "sample:100",
    cluster: Annotated[str | None, typer.Option(
        "--cluster", metavar="local:N", help="Run on a local Dask cluster of N worker processes (the "
                                              "cluster extra); "
                                              "--out is then a folder.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="tcp://HOST:PORT", help="Run on the Dask cluster of this scheduler (the cluster "
                                                       "extra); "
                                                       "input and --out folder on storage its workers share.")] = None,
    partition_rows: Annotated[int | None, typer.Option(
        "--partition-rows", min=1, max=10_000_000, help="Rows per partition (one task, one part file) on a "
                                                        "cluster; default: sized to the input, at least two "
                                                        "partitions per worker and at most 50,000 rows each.")
    ] = None,
    ignore_column: Annotated[list[str] | None, typer.Option(
        "--ignore-column", metavar="NAME",
        help="Drop this input column before validation (CSV, Parquet, xlsx): its exact name, never a pattern; "
             "repeat for more. A name that is not in the header stops the run (exit code 2). A column whose name "
             "looks identifying refuses the input even when named here.")] = None,
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", min=1, max=100_000, hidden=True)] = 500,
    checkpoint_seconds: Annotated[float, typer.Option("--checkpoint-seconds", min=0, max=3600, hidden=True)] = 1.0,
    pack_dir: PackOption = None,
) -> None:
    """Review many de-identified cases (the help text is BATCH_HELP)."""
    from ..batch import BatchOptions, default_jobs
    from ..batch.options import resolve_report

    with user_errors():
        chosen = resolve_report(report, out, on_cluster=cluster is not None or scheduler is not None)
    opts = BatchOptions(input=input_path, out=out, errors=errors, summary=summary, summary_html=summary_html,
                        jobs=jobs or default_jobs(), resume=resume, force=force, pack_dir=pack_dir,
                        chunk_rows=chunk_rows, checkpoint_seconds=checkpoint_seconds, max_bytes=max_bytes,
                        cross_check=cross_check, report=chosen, ignore_columns=tuple(ignore_column or ()))
    draw_page = _page_drawer(summary_html)
    if cluster is not None or scheduler is not None:
        _run_on_cluster(opts, cluster, scheduler, partition_rows, quiet, None if quiet else _note)
    result = _run_here(opts, quiet, draw_page)
    # The process ends after the summary: a last full collection over the evaluation memo's objects
    # at exit would only cost time (0.3 s of CPU on 10,000 rows).
    gc.freeze()
    _finish(result.summary, quiet, f"results: {result.out}; errors: {result.errors}")
    raise typer.Exit(result.exit_code)


def _note(text: str) -> None:
    sys.stderr.write(f"cryoelig: {clean_line(text)}\n")


def _page_drawer(summary_html: Path | None):  # noqa: ANN202 - the summary page's drawer, or None
    """The drawer of --summary-html, its target checked before the run: a wrong name or no matplotlib
    must not cost a whole batch."""
    if summary_html is None:
        return None
    with user_errors():
        from ..render.summary_html import batch_page, check_page_target

        check_page_target(summary_html, "--summary-html")
    return batch_page


def _run_here(opts, quiet: bool, draw_page):  # noqa: ANN001, ANN202
    """The run in this process: progress as a bar on a terminal, as plain lines otherwise, none with
    --quiet; interrupted, exit code 130 (run again with --resume)."""
    from ..batch import BatchInterrupted, run_batch

    try:
        with user_errors():
            if quiet:
                return run_batch(opts, draw_page=draw_page)
            if sys.stderr.isatty():
                return _run_with_bar(opts, _note, draw_page)
            return run_batch(opts, progress=_plain_progress(), notes=_note, draw_page=draw_page)
    except BatchInterrupted as stop:
        sys.stderr.write(f"cryoelig: {stop}\n")
        raise typer.Exit(130) from None


def _run_on_cluster(opts, cluster, scheduler, partition_rows, quiet, note):  # noqa: ANN001, ANN202
    """The same review on a Dask cluster: part files, a manifest and the summary in the --out folder."""
    from ..batch.cluster import ClusterOptions, run_cluster

    with user_errors():
        if cluster is not None and scheduler is not None:
            fail(["give --cluster or --scheduler, not both"])
        result = run_cluster(ClusterOptions(opts, cluster=cluster, scheduler=scheduler, partition_rows=partition_rows),
                             notes=note)
    timing = result.timing or {}
    rate = (f"; {timing['rows_per_second']:.0f} rows/s on {timing['workers']} worker(s), the cluster's start "
            f"({timing['start_seconds']:.1f} s) apart" if timing else "")
    _finish(result.summary, quiet, f"parts, manifest and summary in {result.out}{rate}")
    raise typer.Exit(result.exit_code)


def _run_with_bar(opts, note, draw_page):  # noqa: ANN001, ANN202
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from ..batch import run_batch

    console = Console(stderr=True)
    start = time.monotonic()
    with Progress(TextColumn("[bold]batch"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TextColumn("{task.fields[rows]} rows"), TextColumn("{task.fields[rate]} rows/s"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task("batch", total=None, rows=0, rate=0)

        def update(rows: int, done: int, total: int | None) -> None:
            rate = rows / max(time.monotonic() - start, 1e-9)
            bar.update(task, completed=done, total=total, rows=rows, rate=f"{rate:.0f}")

        return run_batch(opts, progress=update, draw_page=draw_page,
                         notes=lambda text: console.print(f"cryoelig: {clean_line(text)}", markup=False))


def _finish(summary: dict, quiet: bool, where: str) -> None:
    """The summary tables on standard output (a closed pipe there does not change the exit code:
    the files of the run are complete); nothing with --quiet (only errors are printed)."""
    if quiet:
        return
    from ..render.summary import counts_line, print_summary

    try:
        print_summary(summary)
        typer.echo(clean_line(counts_line(summary) + (f"; {where}" if where else "")))
        sys.stdout.flush()
    except (BrokenPipeError, SystemExit):  # rich exits on a broken pipe; the run's own exit code stands
        from .cmd_common import discard_stdout

        discard_stdout()


SUMMARIZE_HELP = (
    "Recompute a batch summary from its results (and error) files.\n\n"
    "With --out, also a self-contained HTML page: cases per site, the share of cases raising each factor per "
    "site, the missing fields that block the most points, errors by reason and field, and the rule pack with its "
    "sources (from --pack when it is the pack the results name). An existing --summary or --out file is kept "
    "unless --force.\n\n"
    "Example: cryoelig summarize results.jsonl --errors results.errors.jsonl --out summary.html"
)


@app.command(help=SUMMARIZE_HELP)
def summarize(
    results: Annotated[str, typer.Argument(help="A results file written by cryoelig batch --out *.jsonl.")],
    errors: Annotated[str | None, typer.Option("--errors", help="The run's error file (JSONL).")] = None,
    summary: Annotated[Path | None, typer.Option("--summary", help="Also write the summary as JSON.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary JSON instead of tables.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Also write the summary as an HTML page of figures, each with its "
        "numbers (.html; needs the figures extra); an existing page is kept unless --force.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out page or --summary file.")] = False,
    pack_dir: PackOption = None,
) -> None:
    """Recompute a batch summary from its results (and error) files (help: SUMMARIZE_HELP)."""
    from ..batch import summary_json, write_atomic
    from ..batch.summarize import read_run

    with user_errors():
        if results.lower().endswith(".csv"):
            fail([f"{shown_file(results)}: summarize reads JSONL results (cryoelig batch --out results.jsonl)"])
        _summary_target(summary, force)
        pack = _page_target(out, force, [Path(results), summary] + ([Path(errors)] if errors else []), pack_dir)
        run = read_run(results, errors, pack=functools.cache(lambda: pack or load(pack_dir)))
        data = run.summary
        try:
            if summary is not None:
                write_atomic(summary, summary_json(data).encode())
            if out is not None:
                from ..render.summary_html import summary_page

                write_atomic(out, summary_page(run, pack).encode("utf-8"))
        except OSError as error:
            fail([f"{shown_file(str(error.filename or out))}: cannot write: {error.strerror or error}"])
    if as_json:
        sys.stdout.write(summary_json(data))
    else:
        _finish(data, False, "")
    if out is not None:
        sys.stderr.write(f"cryoelig: wrote {shown_file(str(out), 'the --out file')}\n")


def _summary_target(summary: Path | None, force: bool) -> None:
    """summarize --summary follows the rule of every output: a regular file only, kept unless --force."""
    if summary is None:
        return
    from ..batch import check_replaceable
    from ..errors import InputError, Problem

    check_replaceable(summary)
    if summary.exists() and not force:
        raise InputError([Problem("already exists and is kept; give --force to replace it", file=str(summary))])


def _page_target(out: Path | None, force: bool, others: list[Path | None], pack_dir: Path | None):  # noqa: ANN202
    """summarize --out, before the results are read: an HTML name, matplotlib installed, not one of
    the other files, its folder there, absent or a regular file, kept unless --force; the pack."""
    if out is None:
        return None
    from ..batch import check_replaceable
    from ..errors import InputError, Problem
    from ..render.summary_html import check_page_target
    from .cmd_common import load

    check_page_target(out, "--out")
    if out.resolve() in [p.resolve() for p in others if p is not None]:
        raise InputError([Problem("--out names the same file as another file of this command; give another name",
                                  file=str(out))])
    if not out.resolve().parent.is_dir():
        raise InputError([Problem("the folder for this output does not exist", file=str(out))])
    check_replaceable(out, "--out file")
    if out.exists() and not force:
        raise InputError([Problem("already exists and is kept; give --force to replace it", file=str(out))])
    return load(pack_dir)
