"""The `cryoelig` command line: parse options, call the library, render. Nothing else.

Why the imports sit inside the commands: `cryoelig check` must start fast, so a command
loads only what it uses (rich only for the terminal view, durable_rules only when the
engine runs).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .errors import CryoeligError

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


def _show_versions(value: bool) -> None:
    if value:
        from .versions import version_lines

        typer.echo("\n".join(version_lines()))
        raise typer.Exit()


@app.callback()
def _app_options(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_show_versions,
        help="Show the versions of cryoelig, its rule pack, the rule engine and Python, then exit.")] = False) -> None:
    pass  # the app's help is the one given to typer.Typer above


rules_app = typer.Typer(help="Inspect, validate and test a rule pack. Example: cryoelig rules check",
                        no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class Format(StrEnum):
    rich = "rich"
    json = "json"
    markdown = "markdown"


PackOption = Annotated[
    Path | None,
    typer.Option("--pack", help="Folder of another rule pack (default: the pack shipped with cryoelig).",
                 file_okay=False),
]


def fail(lines: list[str], code: int = 2) -> None:
    """One readable line per problem on stderr, then exit (2 = bad input, file or pack)."""
    for line in lines:
        sys.stderr.write(f"cryoelig: error: {line}\n")
    raise typer.Exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Errors a user can cause become one line each and exit code 2; never a traceback."""
    try:
        yield
    except CryoeligError as error:
        problems = getattr(error, "problems", None)
        fail([str(p) for p in problems] if problems else [str(error)])


def load(pack_dir: Path | None):  # noqa: ANN201 - returns rulepack.Pack
    from .rulepack import load_pack

    return load_pack(pack_dir)


@app.command()
def check(
    path: Annotated[str, typer.Argument(help="Case file (YAML or JSON), or - for standard input.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="rich (terminal), json or markdown.")] = Format.rich,
    sources: Annotated[bool, typer.Option("--sources", help="Show the source quote behind each point.")] = False,
    why_not: Annotated[bool, typer.Option("--why-not", help="Show the rules that did not apply, and why.")] = False,
    engine: Annotated[bool, typer.Option("--engine/--no-engine",
                                         help="Decide with durable_rules (default) or the Python evaluator.")] = True,
    pack_dir: PackOption = None,
) -> None:
    """Summarize one case: points to discuss, with basis, sources and missing information.

    Example: cryoelig check examples/kidney-small.yaml --format json
    """
    with user_errors():
        from .readers import read_case
        from .report import build_reports

        case = read_case(path)
        pack = load(pack_dir)
        report = build_reports([case], pack, use_engine=engine)[0]
    if fmt is Format.rich:
        from .render.terminal import print_report

        print_report(report, sources=sources, why_not=why_not)
    else:
        from .render import render

        sys.stdout.write(render(report, fmt.value, sources=sources, why_not=why_not))


class SchemaName(StrEnum):
    case = "case"
    report = "report"
    pack = "pack"
    rule = "rule"


@app.command()
def schema(which: Annotated[SchemaName, typer.Argument(help="case, report, pack or rule.")]) -> None:
    """Print a published JSON Schema.

    Example: cryoelig schema case > case.schema.json
    """
    import json

    from .schemas import json_schema

    sys.stdout.write(json.dumps(json_schema(which.value), indent=2, sort_keys=True) + "\n")


@rules_app.command("check")
def rules_check(pack_dir: PackOption = None) -> None:
    """Validate a pack: schema, fields, factors, quotes, wording, coverage of the source.

    Every problem is reported in one run with file and line. Example: cryoelig rules check --pack my-pack
    """
    from .errors import PackError
    from .rulepack import coverage_problems

    try:
        pack = load(pack_dir)
    except PackError as error:
        fail([str(p) for p in error.problems])
    problems = coverage_problems(pack)
    if problems:
        fail([str(p) for p in problems])
    typer.echo(f"pack {pack.name} {pack.version}: {len(pack.rules)} rules, {len(pack.statements)} source "
               f"statements covered or listed as not encoded; sha256 {pack.sha256}")


@rules_app.command("test")
def rules_test(
    pack_dir: PackOption = None,
    engine: Annotated[bool, typer.Option("--engine/--no-engine", help="Run through durable_rules.")] = True,
) -> None:
    """Run the pack's scenarios (rules/scenarios/*.yaml): the factors each case is expected to produce or not.

    Example: cryoelig rules test
    """
    from .scenarios import run_scenarios

    with user_errors():
        results = run_scenarios(load(pack_dir), use_engine=engine)
    failed = [r for r in results if not r.passed]
    for r in results:
        mark = "ok  " if r.passed else "FAIL"
        typer.echo(f"{mark} {Path(r.file).name}: {r.name}")
        for failure in r.failures:
            typer.echo(f"       {failure}")
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or not results:
        raise typer.Exit(1)


# Command groups in their own modules register themselves on `app` (import for effect).
from .commands import batch as _batch  # noqa: E402,F401
from .commands import checklist as _checklist  # noqa: E402,F401
from .commands import rules_views as _rules_views  # noqa: E402,F401
from .commands import views as _views  # noqa: E402,F401


def main() -> None:
    """Console-script entry point: every error a user can cause is one line and exit code 2."""
    import click

    try:
        result = app(prog_name="cryoelig", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError:
        raise SystemExit(2) from None  # the help was already printed
    except click.exceptions.UsageError as error:
        hint = f" (see: {error.ctx.command_path} --help)" if error.ctx else ""
        sys.stderr.write(f"cryoelig: error: {error.format_message()}{hint}\n")
        raise SystemExit(2) from None
    except click.exceptions.ClickException as error:
        sys.stderr.write(f"cryoelig: error: {error.format_message()}\n")
        raise SystemExit(error.exit_code) from None
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.stderr.write("cryoelig: interrupted\n")
        raise SystemExit(130) from None
    raise SystemExit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
