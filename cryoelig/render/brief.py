"""The one-screen terminal summary of a Report (`cryoelig check` without `--full`).

Why: the full view of a bundled case runs to 60-150 lines; a reader at a terminal must see what matters
first on one 80x25 screen. This view prints the notice, the source named in one line, the headline
(the counts), each documented factor and caution with its rule and deciding clauses and case values,
each published-scale band at a threshold its paper names with its rule, and folds the rest into
one line each (background, other context, scales given, information not given). `--full` prints
everything with the complete basis and sources, and so do `explain` and `report`.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text

from ..report.headline import is_background
from ..report.projection import Clause, Finding, Report, comparisons_in, format_value
from .common import GROUPS, TITLE

FULL_HINT = "--full shows every basis and source"


def _clause(clause: Clause) -> str:
    """A deciding clause with its case value; a derived fact by name (its deriving clauses: --full)."""
    if clause.field is None:
        return f"{clause.clause}: {clause.result}"
    return f"{clause.clause} [case: {format_value(clause.value, comparisons_in(clause.clause))}]: {clause.result}"


def _point(finding: Finding) -> list:
    deciding = [c for c in finding.basis if c.field != "site"] or finding.basis  # the site is in the title
    return [Text(f"\u2022 {_label(finding)} (rule {finding.rule})"),
            Padding(Text("; ".join(_clause(c) for c in deciding), style="dim"), (0, 0, 0, 2))]


def _label(finding: Finding) -> str:
    """The point in its first sentence's head (the factor's words before the source's): short and exact."""
    head, sep, _ = finding.text.partition(": the source")
    return head if sep else finding.text


def _source(report: Report) -> list[Text]:
    return [Text(f"Source: \u201c{s.title}\u201d" + (f", {s.description}." if s.description else "."))
            for s in report.sources]


def _scales(report: Report) -> list:
    """The bands at a named threshold, one line each with rule and paper; the other scales in one line."""
    section = report.published_scales
    if section is None:
        return []
    out: list = []
    at = [line for line in section.lines if line.named_threshold and line.applies != "no"]
    if at:
        out.append(Text(f"Published-scale bands at a named threshold ({len(at)}; context, not from the source):",
                        style="bold"))
        for line in at:
            band = (line.band_label or "").split(":", 1)[0]
            rules = "".join(f"rule {p.rule}, " for p in line.points)
            out.append(Text(f"\u2022 {line.short} {_value(line.summary)}: {band} ({rules}{line.cites[0].short})"))
    others = [line.short for line in section.lines if line not in at]
    if others or section.not_given:
        out.append(Text("Other published scales given: " + (", ".join(others) if others else "none")
                        + (f"; {len(section.not_given)} not given" if section.not_given else "") + ".", style="dim"))
    return out


def _value(summary: str) -> str:
    return summary.split(";", 1)[0].split(":", 1)[0]


def _points(n: int) -> str:
    return f"{n} point{'' if n == 1 else 's'}"


def _folded(report: Report) -> list[Text]:
    """The background, the other context points and the information not given, one line each."""
    out = []
    background = [f.rule for f in report.findings if is_background(f)]
    other = [f.rule for f in report.findings if f.kind == "context" and not is_background(f)]
    if background or other:
        parts = [f"{_points(len(background))} every {format_value(report.site)} case gets"] if background else []
        parts += [f"{_points(len(other))} for this case"] if other else []
        out.append(Text(f"Background from the source: {', '.join(parts)}.", style="dim"))
    if report.missing:
        site = sum(1 for m in report.missing if m.scope == "site")
        out.append(Text(f"Information not given: {len(report.missing)} fields ({site} for this site's points, "
                        f"{len(report.missing) - site} for any site's).", style="dim"))
    return out


def build(report: Report) -> Group:
    headline = report.headline
    parts: list = [
        Text(f"{TITLE}: case {report.case_id} (site: {format_value(report.site)})", style="bold"),
        Text(report.disclaimer, style="italic dim"),
        *_source(report),
        *(Text(f"Input: {note}", style="dim") for note in report.input_notes),
    ]
    if headline is not None:
        parts.append(Text(headline.text.split(" (", 1)[0].rstrip(".") + ".", style="bold"))
    for kind, title in GROUPS[:2]:
        items = [f for f in report.findings if f.kind == kind]
        if items:
            parts.append(Text(f"{title} ({len(items)}):", style="bold"))
        for f in items:
            parts += _point(f)
    parts += _scales(report)
    parts += _folded(report)
    p = report.pack
    parts.append(Text(f"Rule pack {p.name} {p.version} \u00b7 {FULL_HINT}\nsha256 {p.sha256}", style="dim"))
    return Group(*parts)


def render_brief(report: Report, width: int | None = None) -> str:
    """The one-screen view as text, styled for this terminal (plain when standard output is not one)."""
    console = Console(width=width)
    with console.capture() as captured:
        console.print(build(report))
    return captured.get()
