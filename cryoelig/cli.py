"""The `cryoelig` command line: the app assembled from the command modules, and `main`.

Why so little here: the shared options, error handling and the app itself live in
``cryoelig.commands.cmd_common``; each command module registers its commands on that app and
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
from .commands import cmd_check as _check  # noqa: F401 - registers check, schema
from .commands import cmd_rules as _rules  # noqa: F401 - registers rules check, rules test
from .commands import cmd_batch as _batch  # noqa: F401 - registers batch, summarize
from .commands import cmd_expand as _expand  # noqa: F401 - registers expand
from .commands import cmd_checklist as _checklist  # noqa: F401 - registers checklist
from .commands import cmd_rule_views as _rules_views  # noqa: F401 - registers rules list, show, graph, catalog
from .commands import cmd_views as _views  # noqa: F401 - registers explain, report
from .commands import cmd_serve as _serve  # noqa: F401 - registers serve
# isort: on
from .commands.cmd_common import app, discard_stdout


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


def _guard_standard_streams() -> None:
    """A closed standard stream (``>&-``, ``2>&-``, ``<&-``) is replaced by /dev/null at its descriptor,
    so that no file the run opens can take descriptor 0, 1 or 2 and receive output meant for the
    terminal. Closed stdout or stderr then discards what is written (as after a broken pipe);
    ``sys.stdin`` stays None so that reading it says that standard input is closed."""
    import io
    import os

    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        if name != "stdin":
            setattr(sys, name, io.TextIOWrapper(open(fd, "wb", closefd=False), encoding="utf-8",  # noqa: SIM115
                                                errors="replace", line_buffering=True))


def _usage_line(message: str) -> str:
    """A usage error in one safe line: control characters dropped, and a long value the user typed
    (a 5,000-digit --jobs) not copied into the message."""
    import re

    from .safetext import clean_line

    def cut(match: re.Match[str]) -> str:
        value = match.group(0)
        return value if len(value) <= 42 else f"(a value of {len(value) - 2} characters, not shown)"

    return clean_line(re.sub(r"'[^']*'", cut, message))


def _write_failed(error: OSError) -> int:
    """Standard output or error cannot be written (disk full, I/O error): one line if stderr still
    works, exit 2. A broken pipe (the reader went away) exits quietly, as Python recommends."""
    import errno

    discard_stdout()
    if error.errno == errno.EPIPE:
        return 1
    try:
        sys.stderr.write(f"cryoelig: error: cannot write the output: {error.strerror or error}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return 2


def main() -> None:
    """Console-script entry point: every error a user can cause is one line and exit code 2."""
    import click

    _guard_standard_streams()
    try:
        result = app(prog_name="cryoelig", standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.NoArgsIsHelpError:
        raise SystemExit(2) from None  # the help was already printed
    except click.exceptions.UsageError as error:
        hint = f" (see: {error.ctx.command_path} --help)" if error.ctx else ""
        sys.stderr.write(f"cryoelig: error: {_usage_line(error.format_message())}{hint}\n")
        raise SystemExit(2) from None
    except click.exceptions.ClickException as error:
        sys.stderr.write(f"cryoelig: error: {_usage_line(error.format_message())}\n")
        raise SystemExit(error.exit_code) from None
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.stderr.write("cryoelig: interrupted\n")
        raise SystemExit(130) from None
    except OSError as error:
        if error.filename is not None or error.errno is None:
            raise  # not a standard stream: a bug, shown as such
        raise SystemExit(_write_failed(error)) from None
    raise SystemExit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
