"""CLI command `checklist` (registered on the app of cryoelig.commands.cmd_common when imported).

The dialogue goes to standard error and the summary to standard output, so
`cryoelig checklist --format json > report.json` keeps the questions on the screen and
only the report in the file. Answers are read line by line from standard input (a
terminal, or a pipe for scripted answers). An answer is never copied to standard error and a
refused answer is never repeated (it may be the very thing that must not be echoed); a closed
or undecodable standard input, an endless line or an endless stream of refused answers ends
the checklist with one line and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..case.limits import MAX_ANSWER_CHARS
from ..safetext import clean_block, shown_file
from .cmd_common import PackOption, SourcesOption, WhyNotOption, app, emit, fail, format_option, load, user_errors

#: Most answer lines read from a pipe: a checklist has a few dozen questions, so more means that
#: the answers are not being accepted (``yes | cryoelig checklist`` would otherwise ask forever).
MAX_PIPED_ANSWERS = 1_000
_answers_read = [0]


def _say(text: str) -> None:
    sys.stderr.write(clean_block(text) + "\n")
    sys.stderr.flush()


class _StdinProblem(Exception):
    pass


def _read_line() -> str:
    """One answer line, decoded as UTF-8 here (not by the terminal layer, which may let undecodable
    bytes through), at most MAX_ANSWER_CHARS long: a longer line is read to its end and refused as too
    long without keeping it; a line with no end at all stops the checklist."""
    stream = sys.stdin
    if stream is None or getattr(stream, "closed", False):
        raise _StdinProblem("standard input is closed: the checklist reads its answers there")
    raw_stream = getattr(stream, "buffer", None)
    try:
        if raw_stream is None:  # a text-only stream (tests): already decoded
            line = stream.readline(MAX_ANSWER_CHARS + 1)
            raw = line.encode("utf-8", "surrogateescape")
        else:
            raw = raw_stream.readline(4 * MAX_ANSWER_CHARS + 1)
        if len(raw) > 4 * MAX_ANSWER_CHARS and not raw.endswith(b"\n"):
            skipped = 0
            while raw and not raw.endswith(b"\n"):
                skipped += len(raw)
                if skipped > 1 << 20:
                    raise _StdinProblem("an answer line on standard input does not end; nothing saved")
                raw = raw_stream.readline(1 << 16) if raw_stream is not None else b""
            return "x" * (MAX_ANSWER_CHARS + 1)  # refused as too long by the answer grammar
    except OSError as error:
        raise _StdinProblem(f"cannot read standard input: {error.strerror or error}") from None
    if not raw:
        raise EOFError
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        raise _StdinProblem("standard input is not UTF-8 text; nothing saved") from None
    return text.rstrip("\r\n")


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    answer = _read_line()
    interactive = sys.stdin.isatty()
    if not interactive:
        # Scripted answers: end the prompt line, but never copy the answer itself to standard error.
        sys.stderr.write("\n")
        _answers_read[0] += 1
        if _answers_read[0] > MAX_PIPED_ANSWERS:
            raise _StdinProblem(f"more than {MAX_PIPED_ANSWERS} answer lines on standard input: the answers are "
                                "not being accepted; nothing saved")
    return answer


def _named(path: Path) -> str:
    """The --save file as a message names it: not by its name when that looks identifying (issue 26)."""
    return shown_file(str(path), "the --save file (name not shown: it looks identifying)")


def _check_save_target(path: Path, force: bool) -> None:
    from ..batch.outfiles import check_replaceable
    from ..errors import InputError

    if path.is_dir():
        fail([f"{_named(path)}: is a folder; --save takes a file name, e.g. case.yaml"])
    if path.exists() and not force:
        fail([f"{_named(path)}: file exists and is kept; choose another name or add --force to overwrite it"])
    if not path.parent.is_dir():
        fail([f"{_named(path)}: its folder does not exist"])
    try:
        check_replaceable(path, "--save file")
    except InputError as error:
        fail([str(p) for p in error.problems])


def _write_case(path: Path, data: dict, force: bool, pack_line: str) -> None:
    import yaml

    from ..batch.outfiles import write_text_atomic
    from ..errors import InputError

    text = (f"# case file written by `cryoelig checklist` ({pack_line}); fields left out are unknown\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False))
    if path.exists() and not force:
        fail([f"{_named(path)}: file exists and is kept; choose another name or add --force to overwrite it"])
    try:
        write_text_atomic(path, text)
    except InputError as error:
        fail([str(p) for p in error.problems])
    except OSError as error:
        fail([f"{_named(path)}: cannot write: {error.strerror}"])


@app.command()
def checklist(
    site: Annotated[str | None, typer.Option(
        "--site", help="Skip the site question: one of the sites the pack lists, e.g. kidney.")] = None,
    save: Annotated[Path | None, typer.Option(
        "--save", help="Also keep the answers as a YAML case file (an existing file is kept unless --force).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --save overwrite an existing file.")] = False,
    fmt: Annotated[str, format_option("report", "rich (terminal), json or markdown.")] = "rich",
    sources: SourcesOption = False,
    why_not: WhyNotOption = False,
    pack_dir: PackOption = None,
    scales: Annotated[bool, typer.Option("--scales", help="After the source's questions, also ask the published "
                                         "scales' (their components, labs, performance status).")] = False,
    full: Annotated[bool, typer.Option("--full", help="The whole summary at the end (default: one screen, "
                                       "as check).")] = False,
) -> None:
    """Answer the questions the rule pack reads for one case, then see the summary.

    Questions come from the fields the source article's rules read for the site, each with its rules and
    source; with --scales, the published scales' questions follow.

    'unknown' is always an answer: the field then shows as missing information, never a guess.

    Questions go to standard error and the summary to standard output.

    Example: cryoelig checklist --site kidney --save case.yaml
    """
    if save is not None:
        _check_save_target(save, force)
    with user_errors():
        from ..facade import review
        from ..reasoning import engine  # noqa: F401 - an engine that cannot load is said before the questions, not after
        from ..views.checklist import run

        pack = load(pack_dir)
        try:
            result = run(pack, _ask, _say, site=site, scales=scales)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            fail(["checklist cancelled, nothing saved"], code=130)
        except EOFError:
            sys.stderr.write("\n")
            fail(["checklist cancelled (input ended before the last question), nothing saved"])
        except _StdinProblem as problem:
            sys.stderr.write("\n")
            fail([str(problem)])
        report = review(result.case, pack).report
    if result.unknown:
        _say("\nLeft unknown (missing information where a rule reads it): " + ", ".join(result.unknown))
    if save is not None:
        _write_case(save, result.data, force, f"rule pack {pack.name} {pack.version}")
        _say(f"Answers saved to {_named(save)}; the same summary again: cryoelig check {_named(save)}")
    _say("")
    emit("report", fmt, report, sources=sources, why_not=why_not, full=full)
