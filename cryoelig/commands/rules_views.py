"""CLI commands on `cryoelig rules`: list, show, graph and catalog.

Registered on cryoelig.cli.rules_app when imported. Every command takes --pack so an educator
can copy the pack, change a rule and see the effect at once.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..cli import Format, PackOption, fail, load, rules_app, user_errors


def unknown_rule_message(rule_id: str, pack) -> str:  # noqa: ANN001 - rulepack.Pack
    """One line: the unknown id and the closest known ids."""
    import difflib

    ids = list(pack.rule_by_id)
    close = difflib.get_close_matches(rule_id, ids, n=3, cutoff=0.5)
    if not close:
        close = [i for i in ids if i.startswith(rule_id.split(".")[0] + ".")][:3]
    hint = f"close matches: {', '.join(close)}" if close else "see `cryoelig rules list`"
    return f"unknown rule '{rule_id}' in pack {pack.name} {pack.version}; {hint}"


def _site_rules(pack, site: str | None):  # noqa: ANN001, ANN202
    from ..catalog import rules_for_site, site_values

    if site is None:
        return list(pack.rules)
    if site not in site_values():
        fail([f"unknown site '{site}' (one of: {', '.join(site_values())})"])
    return rules_for_site(pack, site)


SiteOption = Annotated[str | None, typer.Option(
    "--site", "-s", help="Only rules that can apply at this site (skin, liver, prostate, kidney, lung, bone, other).")]


@rules_app.command("list")
def rules_list(
    site: SiteOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="rich (a table), markdown or json.")] = Format.rich,
    pack_dir: PackOption = None,
) -> None:
    """List the rules of a pack as a table: id, kind, factor or derived fact, the fields each reads.

    With --site, only the rules that can apply at that site: those not already ruled out
    when the site is the only thing known (rules that do not read the site stay listed).

    Example: cryoelig rules list --site bone
    """
    with user_errors():
        pack = load(pack_dir)
    rules = _site_rules(pack, site)
    rows = [(r.id, r.kind, r.spec.factor or f"derives {r.spec.derives}",
             ", ".join(r.fields + [f"derived {n}" for n in _derived_read(r)])) for r in rules]
    title = f"{pack.name} {pack.version}: {len(rows)} rules" + (f" that can apply at site {site}" if site else "")
    if fmt is Format.json:
        import json

        data = [{"rule": r.id, "area": r.area, "kind": r.kind, "factor": r.spec.factor, "derives": r.spec.derives,
                 "reads": r.fields, "reads_derived": _derived_read(r)} for r in rules]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt is Format.markdown:
        lines = [f"**{title}**", "", "| rule | kind | factor | reads |", "|---|---|---|---|"]
        lines += [f"| `{a}` | {b} | `{c}` | {d} |" for a, b, c, d in rows]
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        from rich import box
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("rule \u2192 factor or derived fact", no_wrap=True)
        table.add_column("kind")
        table.add_column("reads", overflow="fold")
        for rule_id, kind, factor, _ in rows:
            rule = pack.rule_by_id[rule_id]
            reads = rule.fields + [f"derived {n}" for n in _derived_read(rule)]
            table.add_row(f"{rule_id}\n[dim]\u2192 {factor}[/dim]", kind, "\n".join(reads))
        Console().print(table)


def _derived_read(rule) -> list[str]:  # noqa: ANN001
    from ..conditions import derived_refs

    return list(dict.fromkeys(derived_refs(rule.condition)))


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. kidney.size-under-4cm (see `cryoelig rules list`).")],
    pack_dir: PackOption = None,
) -> None:
    """Show one rule: its condition as written and as checked, text, sources, and the scenarios that test it.

    Example: cryoelig rules show kidney.size-under-4cm
    """
    with user_errors():
        pack = load(pack_dir)
        if rule_id not in pack.rule_by_id:
            fail([unknown_rule_message(rule_id, pack)])
        rule = pack.rule_by_id[rule_id]
        from ..catalog import condition_as_written, condition_outline, scenario_index

        scenarios = scenario_index(pack)
    spec = rule.spec
    out = [f"{rule.id}  ({_where(rule.file)}" + (f":{rule.line})" if rule.line else ")"), ""]
    out.append(f"  area    {rule.area}")
    out.append(f"  kind    {spec.kind}")
    if spec.kind == "derived":
        out.append(f"  derives {spec.derives}")
    else:
        factor = pack.factor_by_id.get(spec.factor or "")
        out.append(f"  factor  {spec.factor}" + (f": {factor.label}" if factor else ""))
    out += ["", "Condition as written:"]
    out += ["  " + line for line in condition_as_written(rule).splitlines()]
    out += ["", "Clauses as checked (negations pushed into the clauses; a clause over a field the case",
            "does not give is unknown, and the rule then raises nothing):"]
    out += ["  " + "  " * depth + ("- " if not text.endswith(":") else "") + text
            for depth, text in condition_outline(rule.condition)]
    if spec.text:
        import textwrap

        out += ["", "Text ({field} is filled with the case value):"]
        out += textwrap.wrap(" ".join(spec.text.split()), width=96, initial_indent="  ", subsequent_indent="  ")
    out += ["", "Sources:"]
    for c in spec.cites:
        title = pack.source_by_id[c.source].title if c.source in pack.source_by_id else c.source
        out.append(f"  - {c.source} ({title}):")
        out.append(f"    \u201c{' '.join(c.quote.split())}\u201d")
    readers = [r.id for r in pack.rules if spec.derives and spec.derives in _derived_read(r)]
    if readers:
        out += ["", f"Rules reading derived {spec.derives}: " + ", ".join(readers)]
    out += ["", "Scenarios (scenarios/*.yaml):"]
    listed = False
    for s in scenarios:
        if s.error:
            continue
        result = s.results.get(rule.id, "?")
        if spec.factor and spec.factor in s.factors:
            out.append(f"  expects the factor   {s.file}: {s.name} (rule {result})")
            listed = True
        elif spec.factor and spec.factor in s.not_factors:
            out.append(f"  expects it absent    {s.file}: {s.name} (rule {result})")
            listed = True
        elif spec.kind == "derived" and result == "met":
            out.append(f"  rule met             {s.file}: {s.name}")
            listed = True
    if not listed:
        out.append("  none name this rule's factor; add one to scenarios/ (see docs/rule-authoring.md)")
    typer.echo("\n".join(out))


def _where(file: str) -> str:
    """A rule file relative to the current folder when it lies below it."""
    path = Path(file)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"


@rules_app.command("graph")
def rules_graph(
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="mermaid (Markdown, GitHub) or dot (Graphviz).")
                   ] = GraphFormat.mermaid,
    site: SiteOption = None,
    pack_dir: PackOption = None,
) -> None:
    """Print which case fields and derived facts feed which rules, and which factors the rules raise.

    Example: cryoelig rules graph --format mermaid --site kidney
    (render with Graphviz: cryoelig rules graph --format dot | dot -Tsvg > pack.svg)
    """
    with user_errors():
        pack = load(pack_dir)
    from ..catalog import fact_graph, to_dot, to_mermaid

    graph = fact_graph(pack, _site_rules(pack, site))
    sys.stdout.write((to_mermaid if fmt is GraphFormat.mermaid else to_dot)(graph, pack))


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
        from ..catalog import catalog_markdown

        text = catalog_markdown(pack)
    if out is None:
        sys.stdout.write(text)
        return
    from .views import write_text

    write_text(out, text)
    typer.echo(f"wrote {out} ({len(pack.rules)} rules)", err=True)
