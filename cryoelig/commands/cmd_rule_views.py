"""CLI commands on `cryoelig rules`: list, show, graph and catalog.

Every command takes --pack so an educator can copy the pack, change a rule and see the effect
at once. The text of each view is built in ``cryoelig.render``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import render
from ..safetext import shown_file
from .cmd_common import PackOption, emit, fail, format_option, load, rules_app, user_errors, write_text

SiteOption = Annotated[str | None, typer.Option(
    "--site", "-s", help="Only rules that can apply at this site (one of the sites the pack lists).")]


@rules_app.command("list")
def rules_list(
    site: SiteOption = None,
    fmt: Annotated[str, format_option("rules", "rich (a table), markdown or json.")] = "rich",
    pack_dir: PackOption = None,
) -> None:
    """List the rules of a pack as a table: id, kind, factor or derived fact, the fields each reads.

    With --site, only the rules that can apply at that site: those not already ruled out
    when the site is the only thing known (rules that do not read the site stay listed).

    Example: cryoelig rules list --site bone
    """
    from ..views.catalog import rule_listing

    with user_errors():
        listing = rule_listing(load(pack_dir), site)
    emit("rules", fmt, listing)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. kidney.size-under-4cm (see `cryoelig rules list`).")],
    pack_dir: PackOption = None,
) -> None:
    """Show one rule: its condition as written and as checked, text, sources, and the scenarios that test it.

    Example: cryoelig rules show kidney.size-under-4cm
    """
    from ..views.catalog import find_rule, scenario_index

    with user_errors():
        pack = load(pack_dir)
        rule = find_rule(pack, rule_id)
        scenarios = scenario_index(pack)
    emit("rule", "text", rule, pack=pack, scenarios=scenarios)


@rules_app.command("graph")
def rules_graph(
    fmt: Annotated[str | None, format_option(
        "graph", "mermaid (Markdown, GitHub; the default), dot (Graphviz's text), svg or png (drawn by Graphviz, "
        "coloured by kind).")] = None,
    site: SiteOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="File to write (replaced); the format follows the suffix: .mmd, .dot, "
        ".svg, .png.")] = None,
    pack_dir: PackOption = None,
) -> None:
    """Print which case fields and derived facts feed which rules, and which factors the rules raise.

    As a picture: --out pack.svg (or .png), drawn by Graphviz (the system package graphviz),
    fields and derived facts, rules and factors coloured by kind.

    Example: cryoelig rules graph --format mermaid --site kidney
    (a picture: cryoelig rules graph --out pack.svg)
    """
    from ..views.catalog import fact_graph, rules_for_site

    with user_errors():
        pack = load(pack_dir)
        graph = fact_graph(pack, rules_for_site(pack, site))
        chosen = render.choose("graph", fmt, out, default="mermaid")
        data = chosen.render(graph, pack=pack)
    if out is not None:
        write_text(out, data)
        typer.echo(f"wrote {shown_file(str(out), 'the --out file')} ({chosen.name}, {len(graph.rules)} rules)",
                   err=True)
    elif isinstance(data, bytes):
        if sys.stdout.isatty():
            fail([f"{chosen.name} is binary and standard output is a terminal: give --out graph.{chosen.name}"])
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)


@rules_app.command("catalog")
def rules_catalog(
    out: Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False,
                                             help="File to write (replaced); default: standard output.")] = None,
    pack_dir: PackOption = None,
) -> None:
    """Generate the rule catalog (Markdown) from a pack: sources, factors, every rule, scenarios.

    Example: cryoelig rules catalog --out docs/rule-catalog.md
    """
    with user_errors():
        pack = load(pack_dir)
    if out is None:
        emit("catalog", "markdown", pack)
        return
    write_text(out, render.get("catalog", "markdown").render(pack))
    typer.echo(f"wrote {shown_file(str(out), 'the --out file')} ({len(pack.rules)} rules)", err=True)
