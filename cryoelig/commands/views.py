"""CLI commands `explain` (the reasoning as a tree) and `report` (a printable page).

Registered on cryoelig.cli.app when imported. Heavy imports (rich, the engine, the
renderers) stay inside the command functions so `cryoelig --help` starts fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..cli import Format, PackOption, app, fail, load, user_errors


@app.command()
def explain(
    path: Annotated[str, typer.Argument(help="Case file (YAML or JSON), or - for standard input.")],
    fmt: Annotated[Format, typer.Option("--format", "-f",
                                        help="rich (a terminal tree), markdown (slides, handouts) or json.")
                   ] = Format.rich,
    rule: Annotated[list[str] | None, typer.Option(
        "--rule", "-r", help="Show only this rule (repeat the option for several).")] = None,
    engine: Annotated[bool, typer.Option("--engine/--no-engine",
                                         help="Cross-check with durable_rules (default) or use Python only.")
                      ] = True,
    pack_dir: PackOption = None,
) -> None:
    """Show the reasoning for one case as a tree: facts -> rules -> points to discuss, and why not.

    Every rule of the pack is listed with each clause of its condition, the case value the
    clause reads and its result (met, not met, unknown), the point it raised and the source
    quote; rules that could not be checked name the fields the case does not give.

    Example: cryoelig explain examples/bone-repeat.yaml --format markdown > bone-repeat.md
    """
    with user_errors():
        from ..explain import explain_case
        from ..readers import read_case

        case = read_case(path)
        pack = load(pack_dir)
        unknown = [r for r in rule or [] if r not in pack.rule_by_id]
        if unknown:
            from .rules_views import unknown_rule_message

            fail([unknown_rule_message(unknown[0], pack)])
        ex = explain_case(case, pack, use_engine=engine)
    if fmt is Format.rich:
        from ..render.explain import print_explanation

        print_explanation(ex, rule or None)
    elif fmt is Format.markdown:
        from ..render.explain import to_markdown

        sys.stdout.write(to_markdown(ex, rule or None))
    else:
        data = ex.model_dump(mode="json")
        if rule:
            data["rules"] = [r for r in data["rules"] if r["rule"] in rule]
        import json

        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


class ReportFormat(StrEnum):
    html = "html"
    markdown = "markdown"


SUFFIXES = {".html": ReportFormat.html, ".htm": ReportFormat.html, ".md": ReportFormat.markdown,
            ".markdown": ReportFormat.markdown}


def report_format(out: Path | None, fmt: ReportFormat | None) -> ReportFormat:
    """The format named by --format, else by the suffix of --out, else HTML; a clash is an error."""
    by_suffix = SUFFIXES.get(out.suffix.lower()) if out is not None else None
    if out is not None and fmt is None and by_suffix is None:
        fail([f"{out}: cannot tell the format from the suffix '{out.suffix}'; use .html or .md, "
              "or give --format html|markdown"])
    if fmt is not None and by_suffix is not None and fmt is not by_suffix:
        fail([f"{out}: the suffix says {by_suffix.value} but --format says {fmt.value}; make them agree"])
    return fmt or by_suffix or ReportFormat.html


@app.command()
def report(
    path: Annotated[str, typer.Argument(help="Case file (YAML or JSON), or - for standard input.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False,
        help="File to write; the format follows the suffix (.html or .md). Without it, the page goes to "
             "standard output.")] = None,
    fmt: Annotated[ReportFormat | None, typer.Option(
        "--format", "-f", help="html or markdown (default: from the --out suffix, else html).")] = None,
    why_not: Annotated[bool, typer.Option("--why-not", help="Add the rules that did not apply, and why.")
                       ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already exists.")] = False,
    engine: Annotated[bool, typer.Option("--engine/--no-engine",
                                         help="Decide with durable_rules (default) or the Python evaluator.")
                      ] = True,
    pack_dir: PackOption = None,
) -> None:
    """Write a printable one-page report: case facts, points by kind with basis and sources,
    missing information, the pack version and hash, and the non-diagnostic notice.

    The HTML page is self-contained (inline CSS, no scripts, no network). An existing --out
    file is left alone unless --force is given.

    Example: cryoelig report examples/bone-repeat.yaml --out report.html
    """
    chosen = report_format(out, fmt)
    if out is not None and out.exists() and not force:
        fail([f"{out}: already exists; give --force to replace it"])
    with user_errors():
        from ..readers import read_case
        from ..report import build_reports

        case = read_case(path)
        pack = load(pack_dir)
        rep = build_reports([case], pack, use_engine=engine)[0]
    from ..render.html import to_html, to_printable_markdown

    labels = {name: spec.label for name, spec in pack.fields.items()}
    render = to_html if chosen is ReportFormat.html else to_printable_markdown
    text = render(rep, labels=labels, why_not=why_not)
    if out is None:
        sys.stdout.write(text)
        return
    write_text(out, text)
    typer.echo(f"wrote {out} ({chosen.value}, case {rep.case_id}: {len(rep.findings)} points, "
               f"{len(rep.missing)} missing)", err=True)


def write_text(out: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a failed write leaves no half page."""
    import os
    import tempfile

    if not out.parent.is_dir():
        fail([f"{out}: folder {out.parent} does not exist"])
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as error:
        fail([f"{out}: cannot write: {error.strerror or error}"])
