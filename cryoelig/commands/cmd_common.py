"""What every command shares: the app, the shared options, errors as one line, pack and case
loading, and writing a rendered view.

Why a module of its own: the command modules import this one and never ``cryoelig.cli``, which
only assembles the app from them, so the command line has no import cycle. Only typer is
imported here; everything heavier (pydantic models, rich, the engine) is imported by the
command that needs it, so `cryoelig --help` starts fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from .. import render
from ..atomic import write_atomic
from ..errors import CryoeligError

if TYPE_CHECKING:
    from ..case.contract import Case
    from ..rulepack.packmodel import Pack

app = typer.Typer(
    name="cryoelig",
    help=(
        "Explained, non-diagnostic summaries of documented cryoablation factors: points to discuss "
        "with the multidisciplinary team, each with its rule, case values and source quote.\n\n"
        "Example: cryoelig check examples/kidney-small.yaml"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Inspect, validate and test a rule pack. Example: cryoelig rules check",
                        no_args_is_help=True)
app.add_typer(rules_app, name="rules")

PackOption = Annotated[
    list[Path] | None,
    typer.Option("--pack", help="Folder of a rule pack; repeat it to load several packs together (default: the "
                 "pack shipped with cryoelig and the published-scales pack beside it).", file_okay=False),
]
#: The case argument of check, explain and report.
CASE_PATH_HELP = "Case file (YAML or JSON, or a FHIR R4 Bundle as JSON), or - for standard input."
SourcesOption = Annotated[bool, typer.Option("--sources", help="Show the source quote behind each point.")]
WhyNotOption = Annotated[bool, typer.Option("--why-not", help="Show the rules that did not apply, and why.")]
DecidedByOption = Annotated[str, typer.Option(
    "--decided-by", click_type=click.Choice(["engine", "python"]),
    help="Which evaluator decides the points: engine (the rule engine, the default) or python (the same "
         "rules in Python, for checking); both give the same points.")]
#: The former spelling of --decided-by, kept (hidden) so that scripts keep working.
EngineAliasOption = Annotated[bool | None, typer.Option("--engine/--no-engine", hidden=True)]


def use_engine(decided_by: str, engine: bool | None) -> bool:
    """--decided-by engine|python, or the hidden --engine/--no-engine when a script still gives it."""
    return engine if engine is not None else decided_by == "engine"


def format_option(view: str, help: str) -> Any:  # noqa: A002 - typer's own parameter name
    """``--format/-f`` with the formats the registry has for a view."""
    return typer.Option("--format", "-f", click_type=click.Choice(render.names(view)), help=help)


def fail(lines: list[str], code: int = 2) -> None:
    """One readable line per problem on stderr, then exit (2 = bad input, file or pack); control
    characters are dropped (cryoelig.safetext), so no line can be forged or rewritten."""
    from ..safetext import clean_line

    for line in lines:
        sys.stderr.write(f"cryoelig: error: {clean_line(line)}\n")
    raise typer.Exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Errors a user can cause become one line each and exit code 2; never a traceback."""
    try:
        yield
    except CryoeligError as error:
        problems = getattr(error, "problems", None)
        fail([str(p) for p in problems] if problems else [str(error)])


def load(pack_dirs: list[Path] | None) -> Pack:
    """The packs of the --pack folders loaded together, or the default set."""
    from ..rulepack.load import load_pack_set

    return load_pack_set(pack_dirs or None)


def load_case(path: str, pack: Pack) -> Case:
    """One case file (or - for standard input), its site checked against the pack's sites. A FHIR
    document is read too (cryoelig.inputs.fhirdoc); which resources were read and which ignored goes
    to stderr as notes, so the report itself is the one the same case written as YAML gives. A file
    of many cases (a batch input: .csv, .jsonl, ...) is pointed to `cryoelig batch` in one line."""
    from ..inputs import read_case
    from ..inputs.fhirdoc import collect_provenance
    from ..inputs.sources import stream_suffixes
    from ..safetext import HIDDEN_FILE, clean_line, name_may_show, shown

    if path != "-" and path.lower().endswith(stream_suffixes()):
        fail([f"{shown(path)}: a file of many cases; use cryoelig batch {shown(path)} --out results.jsonl"
              if name_may_show(path) else
              f"{HIDDEN_FILE}: a file of many cases; use cryoelig batch with it and --out results.jsonl"])
    with collect_provenance() as provenance:
        case = read_case(path, pack)
    for lines in provenance:
        for line in lines:
            sys.stderr.write(f"cryoelig: fhir: {clean_line(line)}\n")
    return case


def emit(view: str, fmt: str, obj: Any, **options: Any) -> None:
    """Render a view in a registered format to standard output."""
    sys.stdout.write(render.get(view, fmt).render(obj, **options))


def print_or_write(text: str | bytes, out: Path | None) -> bool:
    """A rendered view to standard output (bytes, a PDF, as bytes), or to ``out`` all at once; True when
    written to a file (the caller says what it wrote)."""
    if out is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return False
    write_text(out, text)
    return True


def write_text(out: Path, text: str | bytes) -> None:
    """Write a file all at once (cryoelig.atomic): a failed write leaves no half page."""
    from ..safetext import shown_file

    named = shown_file(str(out), "the --out file (name not shown: it looks identifying)")
    if not out.parent.is_dir():
        fail([f"{named}: its folder does not exist"])
    from ..batch.outfiles import check_replaceable

    try:
        check_replaceable(out, "--out file")  # --force replaces a regular file, never a device or FIFO
    except CryoeligError as error:
        fail([str(p) for p in getattr(error, "problems", [error])])
    try:
        write_atomic(out, text)
    except OSError as error:
        fail([f"{named}: cannot write: {error.strerror or error}"])


def discard_stdout() -> None:
    """Standard output goes nowhere from now on (the reader closed the pipe, or the disk is full):
    Python's own flush at exit then has nothing left to fail on."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)
        os.close(devnull)
    except (OSError, ValueError):
        pass
