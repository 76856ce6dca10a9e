"""The report's section "Published scales (not from the source article)" in each view.

Why one module: every view shows the same lines (scale, total or "incomplete: N of M components
given", band, components with their values and points, the paper and the place in it, the points the
band rules raise with their basis, what is missing for that scale only, the source article's point
read from the same value beside it), and each renderer calls one function of this module, so the
section is laid out once per format and stays apart from the source article's points. Scales the case
does not give are named in one sentence. JSON needs nothing here: the section is the Report's
``published_scales`` field.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..report.basis import Clause
from ..report.projection import comparisons_in, format_value
from ..report.scalesection import PublishedScales, ScaleLine
from .common import md

# ---------------------------------------------------------------- plain lines (shared)


def _clause(clause: Clause) -> str:
    return f"{clause.clause} [case: {format_value(clause.value, comparisons_in(clause.clause))}]: {clause.result}"


def _components(line: ScaleLine) -> str:
    parts = []
    for c in line.components:
        value = c.value_label or format_value(c.value)
        points = f" ({c.points} point{'s' if c.points != 1 else ''})" if c.points is not None else ""
        parts.append(f"{c.label}: {value}{points}")
    return "; ".join(parts)


def _cites(line: ScaleLine) -> str:
    return "; ".join(f"{c.short}, {c.locator}" for c in line.cites)


def _not_given(section: PublishedScales) -> str:
    items = [f"{item.short} ({', '.join(item.fields)}; {item.cite})" for item in section.not_given]
    return f"Not given: {'; '.join(items)}." if items else ""


def _given(section: PublishedScales) -> list[ScaleLine]:
    return section.lines


def _pack_line(section: PublishedScales) -> str:
    """The packs the scales come from, named as parts of the report's rule pack set: a page shows one sha256,
    the set's (its parts' own are in the JSON report's ``pack.parts``)."""
    names = ", ".join(f"{p.name} {p.version}" for p in section.packs)
    return f"Scales from pack {names}, included in this report's rule pack" if names else ""


def _details(line: ScaleLine) -> list[str]:
    """The lines under a scale's head line, as plain text (each view styles or escapes them)."""
    out = []
    if line.components:
        out.append(f"components: {_components(line)}" + (f"; descriptors: {line.descriptors}"
                                                           if line.descriptors else ""))
    for point in line.points:
        out.append(f"point: {point.text} (rule {point.rule}; basis: "
                   + "; ".join(_clause(c) for c in point.basis) + ")")
    if line.missing:
        out.append(f"missing for {line.short}: " + ", ".join(f"{m.label} [{m.field}]" for m in line.missing))
    out += [f"beside the source article's point {b} (not reconciled)" for b in line.beside]
    if line.note and line.beside:
        out.append(f"note: {line.note}")
    out.append(f"source: {_cites(line)}")
    return out


# ---------------------------------------------------------------- terminal (rich)


def terminal_section(report: Any, sources: bool = False) -> list[Any]:
    """The section as rich renderables (an empty list when the report has no published scales); the
    papers' full references with ``sources`` (each line names its paper and the place in it anyway)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.text import Text

    def indented(text: str, style: str = "dim") -> Padding:  # continuation lines indented too, as the points
        return Padding(Text(text, style=style), (0, 0, 0, 2))

    section: PublishedScales | None = report.published_scales
    if section is None:
        return []
    body: list[Any] = [Text(section.notice, style="italic dim")]
    for line in _given(section):
        body.append(Text(f"\u2022 {line.short}: {line.summary}"))
        body += [indented(text) for text in _details(line)]
    if not_given := _not_given(section):
        body.append(Text(not_given, style="dim"))
    if sources and section.sources:
        body.append(Text("Papers cited:", style="italic dim"))
        body += [indented(s.reference, "italic dim") for s in section.sources]
    body.append(Text(_pack_line(section), style="dim"))
    return [Panel(Group(*body), title=Text(section.title), title_align="left", border_style="blue")]


# ---------------------------------------------------------------- Markdown


def markdown_section(report: Any, sources: bool = False) -> list[str]:
    """The section as Markdown lines (empty when the report has no published scales); the papers' full
    references with ``sources`` (the printable page always has them)."""
    section: PublishedScales | None = report.published_scales
    if section is None:
        return []
    out = [f"## {section.title}", "", f"_{md(section.notice)}_", ""]
    for line in _given(section):
        out.append(f"- **{md(line.short)}**: {md(line.summary)}")
        out += [f"  - {md(text)}" for text in _details(line)]
    if _given(section):
        out.append("")
    if not_given := _not_given(section):
        out += [md(not_given), ""]
    if sources and section.sources:
        out += ["Papers cited:", ""] + [f"- {md(s.reference)}" for s in section.sources] + [""]
    out += [md(_pack_line(section)), ""]
    return out


# ---------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def html_section(report: Any) -> list[str]:
    """The section as HTML (a <section> with one item per scale); empty when there are no published scales."""
    section: PublishedScales | None = report.published_scales
    if section is None:
        return []
    out = [f'<section class="scales" id="published-scales"><h2>{_e(section.title)}</h2>',
           f'<p class="basis">{_e(section.notice)}</p>']
    given = _given(section)
    if given:
        out.append('<ol class="points">')
        for line in given:
            details = "".join(f'<p class="basis">{_e(text)}</p>' for text in _details(line))
            out.append(f'<li><p class="point"><strong>{_e(line.short)}</strong>: {_e(line.summary)}</p>'
                       f"{details}</li>")
        out.append("</ol>")
    if not_given := _not_given(section):
        out.append(f'<p class="none">{_e(not_given)}</p>')
    if section.sources:
        out.append('<p class="basis">Papers cited:</p><ul class="basis">'
                   + "".join(f"<li>{_e(s.reference)}</li>" for s in section.sources) + "</ul>")
    out += [f'<p class="basis">{_e(_pack_line(section))}</p>', "</section>"]
    return out
