"""CLI commands `check` (one case summarized) and `schema` (the published JSON Schemas)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from .cmd_common import (
    CASE_PATH_HELP,
    DecidedByOption,
    EngineAliasOption,
    PackOption,
    SourcesOption,
    WhyNotOption,
    app,
    emit,
    format_option,
    load,
    load_case,
    use_engine,
    user_errors,
)


@app.command()
def check(
    path: Annotated[str, typer.Argument(help=CASE_PATH_HELP)],
    fmt: Annotated[str, format_option("report", "rich (terminal), json or markdown.")] = "rich",
    sources: SourcesOption = False,
    why_not: WhyNotOption = False,
    decided_by: DecidedByOption = "engine",
    engine: EngineAliasOption = None,
    pack_dir: PackOption = None,
    full: Annotated[bool, typer.Option("--full", help="Everything in the terminal: every point with its whole "
                                       "basis, the published scales, what each missing field holds up "
                                       "(the default fits one 80x25 screen).")] = False,
) -> None:
    """Summarize one case: what matters first, then the points to discuss with their basis.

    The case: a YAML or JSON file, a FHIR R4 Bundle as JSON (the fhir extra), or - for standard input.

    Example: cryoelig check examples/kidney-small.yaml --format json
    """
    from ..facade import review

    with user_errors():
        pack = load(pack_dir)
        report = review(load_case(path, pack), pack, use_engine=use_engine(decided_by, engine)).report
    emit("report", fmt, report, sources=sources, why_not=why_not, full=full)


class SchemaName(StrEnum):
    case = "case"
    report = "report"
    pack = "pack"
    rule = "rule"
    compact = "compact"
    words = "words"


@app.command()
def schema(which: Annotated[SchemaName, typer.Argument(help="case, report, pack, rule, compact (a line of batch "
                                                              "--report compact) or words (its words file).")],
           pack_dir: PackOption = None) -> None:
    """Print a published JSON Schema (the case schema names the pack's sites).

    Example: cryoelig schema case > case.schema.json
    """
    import json

    from ..views.schemas import json_schema

    with user_errors():
        pack = load(pack_dir) if which is SchemaName.case else None
    sys.stdout.write(json.dumps(json_schema(which.value, pack), indent=2, sort_keys=True) + "\n")
