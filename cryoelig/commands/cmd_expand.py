"""CLI command `expand`: compact batch results (schema version 2) back into full reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ..errors import InputError, Problem
from ..safetext import shown_file
from .cmd_common import PackOption, app, emit, fail, load, print_or_write, user_errors

EXPAND_HELP = "\n\n".join((
    "Expand compact batch results (cryoelig batch --report compact) into full reports, from the rule pack that "
    "made them: the same bytes the run would have written with --report full, or one result in any report format.",
    "Without --row: every line as the full report's JSON line (to --out x.jsonl, or standard output). With --row N "
    "(the N-th result line, from 1): that case as --out's suffix says (.json as check --format json; .html, .md or "
    ".pdf as cryoelig report), or on the terminal as cryoelig check shows it. A line made with another pack is "
    "refused with its line number (exit code 2): give that pack with --pack.",
    "Example: cryoelig expand results.jsonl --row 3 --out case3.html",
))


@app.command(help=EXPAND_HELP)
def expand(
    results: Annotated[str, typer.Argument(help="A results file written by cryoelig batch --report compact.")],
    row: Annotated[int | None, typer.Option("--row", min=1, help="Only the N-th result line (from 1).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="File to write: .jsonl (every line, or --row's), or with --row .json, "
        ".html, .md or .pdf. Without it: standard output.")] = None,
    why_not: Annotated[bool, typer.Option("--why-not", help="With --row: add the rules that did not apply.")
                       ] = False,
    full: Annotated[bool, typer.Option("--full", help="With --row on the terminal: everything, as check --full.")
                    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already exists.")] = False,
    pack_dir: PackOption = None,
) -> None:
    """Expand compact batch results into full reports (the help text is EXPAND_HELP)."""
    from ..batch.expand import expand_file

    suffix = out.suffix.lower() if out is not None else ""
    if row is None and out is not None and suffix not in (".jsonl", ".ndjson"):
        fail([f"{shown_file(str(out))}: every line expands to JSON Lines (.jsonl); give --row N for one report as "
              ".json, .html, .md or .pdf"])
    if out is not None and out.exists() and not force:
        fail([f"{shown_file(str(out))}: already exists; give --force to replace it"])
    with user_errors():
        pack = load(pack_dir)
        chosen = expand_file(results, pack, (lambda n, i: i == row) if row is not None else (lambda n, i: True))
        if row is None or suffix in (".jsonl", ".ndjson"):
            text = "".join(r.model_dump_json() + "\n" for r in chosen)
            said = f"{text.count(chr(10))} full report(s)"
        else:
            report = next(iter(chosen), None)
            if report is None:
                raise InputError([Problem(f"has no result line {row}", file=results)])
            text = _one(report, pack, out, why_not, full)
            said = f"case {report.case_id}: {len(report.findings)} points, {len(report.missing)} missing"
    if not print_or_write(text, out):
        return
    typer.echo(f"wrote {shown_file(str(out))} ({said})", err=True)


def _one(report, pack, out: Path | None, why_not: bool, full: bool) -> str | bytes:  # noqa: ANN001
    """One report as ``check`` (terminal, .json) or ``report`` (.html, .md, .pdf) writes it."""
    if out is None:
        emit("report", "rich", report, why_not=why_not, full=full)
        return ""
    if out.suffix.lower() == ".json":
        return render.get("report", "json").render(report)
    chosen = render.choose("printable", None, out, default="html")
    return render.printable(report, pack, chosen.name, why_not=why_not)
