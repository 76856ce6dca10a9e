"""The `cryoelig` command line: the app assembled from the command modules, and `main`.

Why so little here: the shared options, error handling and the app itself live in
``cryoelig.commands.common``; each command module registers its commands on that app and
imports nothing from this module, so there is no import cycle. Commands import what they
use inside the command (rich only for the terminal view, durable_rules only when the engine
runs), so `cryoelig check` starts fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

# The order of these imports is the order `cryoelig --help` lists the commands.
# isort: off
from .commands import check as _check  # noqa: F401 - registers check, schema
from .commands import rules as _rules  # noqa: F401 - registers rules check, rules test
from .commands import batch as _batch  # noqa: F401 - registers batch, summarize
from .commands import checklist as _checklist  # noqa: F401 - registers checklist
from .commands import rules_views as _rules_views  # noqa: F401 - registers rules list, show, graph, catalog
from .commands import views as _views  # noqa: F401 - registers explain, report
# isort: on
from .commands.common import app


def _show_versions(value: bool) -> None:
    if value:
        from .versions import version_lines

        typer.echo("\n".join(version_lines()))
        raise typer.Exit()


@app.callback()
def _app_options(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_show_versions,
        help="Show the versions of cryoelig, its rule pack, the rule engine and Python, then exit.")] = False) -> None:
    pass  # the app's help is the one given to typer.Typer in commands/common.py


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
