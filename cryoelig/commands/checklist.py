"""CLI command `checklist` (registered on the app of cryoelig.commands.common when imported).

The dialogue goes to standard error and the summary to standard output, so
`cryoelig checklist --format json > report.json` keeps the questions on the screen and
only the report in the file. Answers are read line by line from standard input (a
terminal, or a pipe for scripted answers).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import PackOption, SourcesOption, WhyNotOption, app, emit, fail, format_option, load, user_errors


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    answer = line.rstrip("\r\n")
    if not sys.stdin.isatty():  # scripted answers: keep the transcript readable
        sys.stderr.write(answer + "\n")
    return answer


def _check_save_target(path: Path, force: bool) -> None:
    if path.is_dir():
        fail([f"{path}: is a folder; --save takes a file name, e.g. case.yaml"])
    if path.exists() and not force:
        fail([f"{path}: file exists and is kept; choose another name or add --force to overwrite it"])
    if not path.parent.is_dir():
        fail([f"{path}: folder {path.parent} does not exist"])


def _write_case(path: Path, data: dict, force: bool, pack_line: str) -> None:
    import yaml

    text = (f"# case file written by `cryoelig checklist` ({pack_line}); fields left out are unknown\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False))
    try:
        with path.open("w" if force else "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        fail([f"{path}: file exists and is kept; choose another name or add --force to overwrite it"])
    except OSError as error:
        fail([f"{path}: cannot write: {error.strerror}"])


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
) -> None:
    """Answer the questions the rule pack reads for one case, then see the summary.

    Questions come from the fields the pack's rules read for the site, each with its rules and source.

    'unknown' is always an answer: the field then shows as missing information, never a guess.

    Questions go to standard error and the summary to standard output.

    Example: cryoelig checklist --site kidney --save case.yaml
    """
    if save is not None:
        _check_save_target(save, force)
    with user_errors():
        from .. import engine  # noqa: F401 - an engine that cannot load is said before the questions, not after
        from ..checklist import run
        from ..review import review

        pack = load(pack_dir)
        try:
            result = run(pack, _ask, _say, site=site)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            fail(["checklist cancelled, nothing saved"], code=130)
        except EOFError:
            sys.stderr.write("\n")
            fail(["checklist cancelled (input ended before the last question), nothing saved"])
        report = review(result.case, pack).report
    if result.unknown:
        _say("\nLeft unknown (missing information where a rule reads it): " + ", ".join(result.unknown))
    if save is not None:
        _write_case(save, result.data, force, f"rule pack {pack.name} {pack.version}")
        _say(f"Answers saved to {save}; the same summary again: cryoelig check {save}")
    _say("")
    emit("report", fmt, report, sources=sources, why_not=why_not)
