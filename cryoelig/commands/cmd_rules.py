"""CLI commands `rules check` (validate a pack) and `rules test` (run its scenarios)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import PackError
from .cmd_common import DecidedByOption, EngineAliasOption, PackOption, load, rules_app, use_engine, user_errors


@rules_app.command("check")
def rules_check(pack_dir: PackOption = None) -> None:
    """Validate a pack: schema, fields, factors, quotes, wording, coverage of the source.

    Every problem is reported in one run with file and line. Example: cryoelig rules check --pack my-pack
    """
    from ..rulepack.load import coverage_problems

    with user_errors():
        pack = load(pack_dir)
        problems = [p for part in pack.parts for p in coverage_problems(part)]
        if problems:
            raise PackError(problems)
    for part in pack.parts:
        what = (f"{len(part.statements)} source statements covered or listed as not encoded" if part.statements
                else f"{len(part.scales)} published scales, {len(part.meta.sources)} sources cited in full")
        typer.echo(f"pack {part.name} {part.version}: {len(part.rules)} rules, {what}; sha256 {part.sha256}")
    if pack.members:
        typer.echo(f"pack set {pack.name} {pack.version} ({len(pack.members)} packs): sha256 {pack.sha256}, the one "
                   "reports, output files, --version and the service name")


@rules_app.command("test")
def rules_test(
    pack_dir: PackOption = None,
    decided_by: DecidedByOption = "engine",
    engine: EngineAliasOption = None,
) -> None:
    """Run the pack's scenarios (rules/scenarios/*.yaml): the factors each case is expected to produce or not.

    Example: cryoelig rules test
    """
    from ..views.scenarios import run_scenarios

    with user_errors():
        results = run_scenarios(load(pack_dir), use_engine=use_engine(decided_by, engine))
    failed = [r for r in results if not r.passed]
    for r in results:
        typer.echo(f"{'ok  ' if r.passed else 'FAIL'} {Path(r.file).name}: {r.name}")
        for failure in r.failures:
            typer.echo(f"       {failure}")
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or not results:
        raise typer.Exit(1)
