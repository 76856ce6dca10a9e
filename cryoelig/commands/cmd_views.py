"""CLI commands `explain` (the reasoning as a tree) and `report` (a printable page)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ..safetext import shown_file
from .cmd_common import (
    CASE_PATH_HELP,
    DecidedByOption,
    EngineAliasOption,
    PackOption,
    app,
    emit,
    fail,
    format_option,
    load,
    load_case,
    print_or_write,
    use_engine,
    user_errors,
)


@app.command()
def explain(
    path: Annotated[str, typer.Argument(help=CASE_PATH_HELP)],
    fmt: Annotated[str, format_option("explanation", "rich (a terminal tree), markdown (slides, handouts) or json.")
                   ] = "rich",
    rule: Annotated[list[str] | None, typer.Option(
        "--rule", "-r", help="Show only this rule (repeat the option for several).")] = None,
    decided_by: DecidedByOption = "engine",
    engine: EngineAliasOption = None,
    pack_dir: PackOption = None,
) -> None:
    """Show the reasoning for one case as a tree: facts -> rules -> points to discuss, and why not.

    Every rule of the pack is listed with each clause of its condition, the case value the
    clause reads and its result (met, not met, unknown), the point it raised and the source
    quote; rules that could not be checked name the fields the case does not give.

    Example: cryoelig explain examples/bone-repeat.yaml --format markdown > bone-repeat.md
    """
    from ..views.catalog import find_rule
    from ..views.explanation import explain_case

    with user_errors():
        pack = load(pack_dir)
        case = load_case(path, pack)
        for rule_id in rule or []:
            find_rule(pack, rule_id)
        ex = explain_case(case, pack, use_engine=use_engine(decided_by, engine))
    emit("explanation", fmt, ex, rules=rule or None)


@app.command()
def report(
    path: Annotated[str, typer.Argument(help=CASE_PATH_HELP)],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False,
        help="File to write; the format follows the suffix (.html, .md or .pdf). Without it, the page goes to "
             "standard output.")] = None,
    fmt: Annotated[str | None, format_option(
        "printable", "html, markdown or pdf (default: from the --out suffix, else html).")] = None,
    why_not: Annotated[bool, typer.Option("--why-not", help="Add the rules that did not apply, and why.")
                       ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already exists.")] = False,
    decided_by: DecidedByOption = "engine",
    engine: EngineAliasOption = None,
    pack_dir: PackOption = None,
) -> None:
    """Write a printable one-page report: case facts, points by kind with basis and sources,
    missing information, the pack version and hash, and the non-diagnostic notice.

    The HTML page is self-contained (inline CSS, no scripts, no network). A .pdf is that page on
    A4 with the source line and the notice on every page (needs the pdf extra). An existing --out
    file is left alone unless --force is given.

    Example: cryoelig report examples/bone-repeat.yaml --out report.html
    """
    from ..facade import review

    with user_errors():
        chosen = render.choose("printable", fmt, out, default="html")
    if out is not None and out.exists() and not force:
        fail([f"{shown_file(str(out))}: already exists; give --force to replace it"])
    with user_errors():
        pack = load(pack_dir)
        rep = review(load_case(path, pack), pack, use_engine=use_engine(decided_by, engine)).report
    with user_errors():
        text = render.printable(rep, pack, chosen.name, why_not=why_not)  # bytes for a PDF
    if not print_or_write(text, out):
        return
    typer.echo(f"wrote {out} ({chosen.name}, case {rep.case_id}: {len(rep.findings)} points, "
               f"{len(rep.missing)} missing)", err=True)
