"""The rich terminal view of a Report, grouped by kind of point."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..report import Report, format_value
from .common import GROUPS, TITLE, clause_text, pack_line

_STYLE = {"supporting": "green", "caution": "yellow", "context": "cyan"}


def build(report: Report, sources: bool = False, why_not: bool = False) -> Group:
    parts: list = [
        Text(f"{TITLE}: case {report.case_id} (site: {format_value(report.site)})", style="bold"),
        Text(report.disclaimer, style="italic dim"),
    ]
    for note in report.input_notes:
        parts.append(Text(f"Input: {note}", style="dim"))
    for kind, title in GROUPS:
        items = [f for f in report.findings if f.kind == kind]
        body: list = []
        if not items:
            body.append(Text("None raised by the rule pack.", style="dim"))
        for f in items:
            body.append(Text("\u2022 " + f.text))
            body.append(Text(f"  rule {f.rule} \u00b7 basis: " + "; ".join(clause_text(c) for c in f.basis),
                             style="dim"))
            if sources:
                for s in f.sources:
                    body.append(Text(f"  source {s.source}: \u201c{s.quote}\u201d", style="italic"))
        parts.append(Panel(Group(*body), title=title, title_align="left", border_style=_STYLE[kind]))
    if report.missing:
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("field")
        table.add_column("why it matters")
        table.add_column("rules waiting")
        for m in report.missing:
            table.add_row(f"{m.label}\n[dim]{m.field}[/dim]", m.why, "\n".join(m.rules))
        parts.append(Panel(table, title="Missing information", title_align="left", border_style="magenta"))
    else:
        parts.append(Panel(Text("Nothing the rule pack reads is missing.", style="dim"),
                           title="Missing information", title_align="left", border_style="magenta"))
    if why_not:
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("rule")
        table.add_column("kind")
        table.add_column("clause not met [case value]")
        for na in report.not_applicable:
            table.add_row(na.rule, na.kind, "\n".join(clause_text(c) for c in na.clauses))
        parts.append(Panel(table, title="Rules that did not apply", title_align="left", border_style="dim"))
    parts.append(Text(pack_line(report), style="dim"))
    return Group(*parts)


def render_report(report: Report, sources: bool = False, why_not: bool = False, width: int | None = None,
                  **_: object) -> str:
    """The terminal view as text, styled for this terminal (plain when standard output is not one)."""
    console = Console(width=width)
    with console.capture() as captured:
        console.print(build(report, sources=sources, why_not=why_not))
    return captured.get()
