"""The rules of a pack as text: the list (`rules list`) and one rule in full (`rules show`)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ..rulepack.packmodel import Pack, Rule
from ..views.catalog import RuleListing, ScenarioInfo, condition_as_written, condition_outline, derived_read


def _reads(rule: Rule) -> list[str]:
    return rule.fields + [f"derived {n}" for n in derived_read(rule)]


def _title(listing: RuleListing) -> str:
    site = f" that can apply at site {listing.site}" if listing.site else ""
    also = "".join(f" with {name}" for name in listing.with_packs)
    return f"{listing.pack_name} {listing.pack_version}{also}: {len(listing.rules)} rules{site}"


def _factor(rule: Rule) -> str:
    return rule.spec.factor or f"derives {rule.spec.derives}"


def rules_json(listing: RuleListing, **_: object) -> str:
    data = [{"rule": r.id, "area": r.area, "kind": r.kind, "factor": r.spec.factor, "derives": r.spec.derives,
             "reads": r.fields, "reads_derived": derived_read(r)} for r in listing.rules]
    return json.dumps(data, indent=2) + "\n"


def rules_markdown(listing: RuleListing, **_: object) -> str:
    lines = [f"**{_title(listing)}**", "", "| rule | kind | factor | reads |", "|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.kind} | `{_factor(r)}` | {', '.join(_reads(r))} |" for r in listing.rules]
    return "\n".join(lines) + "\n"


def rules_table(listing: RuleListing, width: int | None = None, **_: object) -> str:
    """The list as a terminal table (rich)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_title(listing), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("rule \u2192 factor or derived fact", no_wrap=True)
    table.add_column("kind")
    table.add_column("reads", overflow="fold")
    for rule in listing.rules:
        table.add_row(f"{rule.id}\n[dim]\u2192 {_factor(rule)}[/dim]", rule.kind, "\n".join(_reads(rule)))
    console = Console(width=width)
    with console.capture() as captured:
        console.print(table)
    return captured.get()


def _where(file: str) -> str:
    """A rule file relative to the current folder when it lies below it."""
    path = Path(file)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def show_rule(rule: Rule, pack: Pack, scenarios: list[ScenarioInfo], **_: object) -> str:
    """One rule: its condition as written and as checked, text, sources, and the scenarios that test it."""
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
    out += [f"  note on {clause}: {note}" for clause, note in spec.notes.items()]
    if spec.text:
        out += ["", "Text ({field} is filled with the case value):"]
        out += textwrap.wrap(" ".join(spec.text.split()), width=96, initial_indent="  ", subsequent_indent="  ")
    out += ["", "Sources:"]
    for c in spec.cites:
        if c.source in pack.source_by_id:  # a title is a quotation: the source's words, not the tool's
            out.append(f"  - {c.source} (\u201c{pack.source_by_id[c.source].title}\u201d):")
        else:
            out.append(f"  - {c.source}:")
        if c.quote is not None:
            out.append(f"    \u201c{' '.join(c.quote.split())}\u201d")
        else:  # a paper cited in full, named by place (its text is not stored)
            out += textwrap.wrap(c.locator or "", width=96, initial_indent="    ", subsequent_indent="    ")
    readers = [r.id for r in pack.rules if spec.derives and spec.derives in derived_read(r)]
    if readers:
        out += ["", f"Rules reading derived {spec.derives}: " + ", ".join(readers)]
    out += ["", "Scenarios (scenarios/*.yaml):"] + _scenario_lines(rule, scenarios)
    return "\n".join(out) + "\n"


def _scenario_lines(rule: Rule, scenarios: list[ScenarioInfo]) -> list[str]:
    spec = rule.spec
    out = []
    for s in scenarios:
        if s.error:
            continue
        result = s.results.get(rule.id, "?")
        if spec.factor and spec.factor in s.factors:
            out.append(f"  expects the factor   {s.file}: {s.name} (rule {result})")
        elif spec.factor and spec.factor in s.not_factors:
            out.append(f"  expects it absent    {s.file}: {s.name} (rule {result})")
        elif spec.kind == "derived" and result == "met":
            out.append(f"  rule met             {s.file}: {s.name}")
    return out or ["  none name this rule's factor; add one to scenarios/ (see docs/rule-authoring.md)"]
