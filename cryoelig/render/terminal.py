"""The rich terminal view of a Report, grouped by kind of point.

Every string is a ``Text`` (never rich markup): case values and clauses hold brackets
(``goals has any of [cure, stop_spread]``) that markup would swallow. Long lines wrap; no cell
is cut with an ellipsis at any width.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..report.projection import Missing, Report, format_value
from .common import (
    GROUPS,
    MISSING_LEAD,
    MISSING_TITLE,
    NONE_RAISED,
    NOTHING_MISSING,
    TITLE,
    MissingItem,
    clause_text,
    missing_items,
    pack_line,
    source_lines,
)
from .scale_lines import terminal_section

_STYLE = {"supporting": "green", "caution": "yellow", "context": "cyan"}


def _indent(renderable: Text, level: int) -> Padding:
    """Indented, continuation lines included."""
    return Padding(renderable, (0, 0, 0, 2 * level))


def _points(report: Report, kind: str, sources: bool) -> list:
    items = [f for f in report.findings if f.kind == kind]
    body: list = [] if items else [Text(NONE_RAISED, style="dim")]
    for f in items:
        body.append(Text("\u2022 " + f.text))
        body.append(_indent(Text(f"rule {f.rule} \u00b7 basis: " + "; ".join(clause_text(c) for c in f.basis),
                                 style="dim"), 1))
        if sources:
            body += [_indent(Text(f"source {s.source}: \u201c{s.quote}\u201d", style="italic"), 1) for s in f.sources]
    return body


def _item(item: MissingItem) -> list[tuple[int, Text]]:
    """One item of missing information as (indent, line): its label and field (each field of a group
    with what it means), then the points waiting on it."""
    def field(m: Missing) -> Text:
        return Text(f"{m.label} \u00b7 {m.field}" + (f": {m.meaning}" if m.meaning else ""))

    lines = [(0, Text(f"{item.label}:")), *((1, field(m)) for m in item.fields)] if item.group \
        else [(0, field(item.fields[0]))]
    return [*lines, (1, Text(item.waiting, style="dim"))]


def _bullet(lines: list[tuple[int, Text]]) -> list:
    """A bullet in front of the first line; the others indented under it, wrapped lines too."""
    (_, head), *rest = lines
    return [Text("\u2022 ") + head, *(_indent(text, level + 1) for level, text in rest)]


def _missing(report: Report) -> Panel:
    title = Text(f"{MISSING_TITLE} ({len(report.missing)})")
    if not report.missing:
        return Panel(Text(NOTHING_MISSING, style="dim"), title=title, title_align="left", border_style="magenta")
    body: list = [Text(MISSING_LEAD, style="dim")]
    for item in missing_items(report.missing, "site"):
        body += _bullet(_item(item))
    general = missing_items(report.missing, "general")
    if general:  # one item holding every field that points of any site wait on
        body += _bullet([(0, Text("For any site:"))] + [(level + 1, text) for item in general
                                                         for level, text in _item(item)])
    return Panel(Group(*body), title=title, title_align="left", border_style="magenta")


def _why_not(report: Report) -> Panel:
    table = Table(show_header=True, header_style="bold", expand=True)
    longest = max((len(na.rule) for na in report.not_applicable), default=4)
    table.add_column("rule", overflow="fold", min_width=min(longest, 36))
    table.add_column("kind", overflow="fold")
    table.add_column("clause not met [case value]", overflow="fold")
    for na in report.not_applicable:
        table.add_row(Text(na.rule), Text(na.kind), Text("\n".join(clause_text(c) for c in na.clauses)))
    return Panel(table, title=Text("Rules that did not apply"), title_align="left", border_style="dim")


def build(report: Report, sources: bool = False, why_not: bool = False) -> Group:
    parts: list = [
        Text(f"{TITLE}: case {report.case_id} (site: {format_value(report.site)})", style="bold"),
        Text(report.disclaimer, style="italic dim"),
        *(Text(line) for line in source_lines(report)),
        *(Text(f"Input: {note}", style="dim") for note in report.input_notes),
    ]
    if report.headline is not None:  # what matters first
        parts.append(Text(report.headline.text, style="bold"))
        parts += [Text(report.headline.background, style="dim")] if report.headline.background else []
    for kind, title in GROUPS:
        parts.append(Panel(Group(*_points(report, kind, sources)), title=Text(title), title_align="left",
                           border_style=_STYLE[kind]))
    parts += terminal_section(report, sources)
    parts.append(_missing(report))
    if why_not:
        parts.append(_why_not(report))
    parts.append(Text(pack_line(report), style="dim"))
    return Group(*parts)


def render_report(report: Report, sources: bool = False, why_not: bool = False, width: int | None = None,
                  full: bool = True, **_: object) -> str:
    """The terminal view as text, styled for this terminal (plain when standard output is not one); with
    ``full=False`` the one-screen summary (``render/brief.py``) unless sources or why-not are asked for."""
    if not (full or sources or why_not):
        from .brief import render_brief

        return render_brief(report, width=width)
    console = Console(width=width)
    with console.capture() as captured:
        console.print(build(report, sources=sources, why_not=why_not))
    return captured.get()
