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
#: the one screen the view fits (80x25): past it, the bands fold into one paragraph
SCREEN_LINES = 25


def _clause(clause: Clause) -> str:
    """A deciding clause with its case value; a derived fact by name (its deriving clauses: --full)."""
    if clause.field is None:
        return f"{clause.clause}: {clause.result}"
    return f"{clause.clause} [case: {format_value(clause.value, comparisons_in(clause.clause))}]: {clause.result}"


LINKED = "derived through link "


def _shown_clauses(finding: Finding) -> str:
    """The deciding clauses in one line: the rule's own when they decide it, the readings through the
    published scales' links counted (their clauses: --full); else the link's clauses, without the guard
    'X is given' beside a clause on the same field."""
    deciding = [c for c in finding.basis if c.field != "site"] or finding.basis  # the site is in the title
    through = {c.field for c in deciding if (c.note or "").startswith(LINKED)}  # a link's guards carry no note
    own = [c for c in deciding if c.field not in through or c.field is None]
    links = dict.fromkeys(c.note for c in deciding if c not in own and c.note)
    if links and any(c.field is not None and c.result == "met" for c in own):
        more = f"also met through {len(links)} published-scale link{'' if len(links) == 1 else 's'} (--full)"
        return "; ".join([*(_clause(c) for c in own), more])
    shown = [c for c in deciding if not (c.clause == f"{c.field} is given"
                                         and any(o.field == c.field and o is not c for o in deciding))]
    return "; ".join(_clause(c) for c in shown)


def _point(finding: Finding) -> list:
    return [Text(f"\u2022 {_label(finding)} (rule {finding.rule})"),
            Padding(Text(_shown_clauses(finding), style="dim"), (0, 0, 0, 2))]


def _inputs(report: Report) -> list[Text]:
    """The input notes: each unit or reading note in full; the reconciliation links' notes folded into one
    line (a field answered through a published scale, or two that disagree: --full shows which)."""
    linked = [n for n in report.input_notes if " through link " in n]
    out = [Text(f"Input: {note}", style="dim") for note in report.input_notes if note not in linked]
    # a value that leaves its question open changes no point: --full, explain and report name it
    linked = [n for n in linked if not n.endswith("stays open")]
    if linked:
        apart = sum("they disagree" in n for n in linked)
        answered = len(linked) - apart
        parts = [f"{answered} field{'' if answered == 1 else 's'} answered"] * bool(answered)
        parts += [f"{apart} disagreeing"] * bool(apart)
        out.append(Text(f"Input: {', '.join(parts)} through published scales: --full shows which.", style="dim"))
    return out


def _label(finding: Finding) -> str:
    """The point in its first sentence's head (the factor's words before the source's): short and exact."""
    head, sep, _ = finding.text.partition(": the source")
    return head if sep else finding.text


def _source(report: Report) -> list[Text]:
    return [Text(f"Source: \u201c{s.title}\u201d" + (f", {s.description}." if s.description else "."))
            for s in report.sources]


def _scales(report: Report, compact: bool = False) -> list:
    """The bands at a named threshold, one line each with rule and paper (``compact``: all in one paragraph,
    each with its value and rule; band and paper with --full); the other scales in one line."""
    section = report.published_scales
    if section is None:
        return []
    out: list = []
    at = [line for line in section.lines if line.named_threshold and line.applies != "no"]
    if at and compact:
        items = [f"{line.short} {_value(line.summary)}, " + ", ".join(f"rule {p.rule}" for p in line.points)
                 for line in at]
        out.append(Text.assemble(("Published-scale bands at a named threshold (context, not from the source):",
                                  "bold"), f" {'; '.join(items)}."))
    elif at:
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


def build(report: Report, compact: bool = False) -> Group:
    headline = report.headline
    parts: list = [
        Text(f"{TITLE}: case {report.case_id} (site: {format_value(report.site)})", style="bold"),
        Text(report.disclaimer, style="italic dim"),
        *_source(report),
        *_inputs(report),
    ]
    if headline is not None:
        parts.append(Text(headline.text.split(" (", 1)[0].rstrip(".") + ".", style="bold"))
    for kind, title in GROUPS[:2]:
        items = [f for f in report.findings if f.kind == kind]
        if items:
            parts.append(Text(f"{title} ({len(items)}):", style="bold"))
        for f in items:
            parts += _point(f)
    parts += _scales(report, compact)
    parts += _folded(report)
    p = report.pack
    parts.append(Text(f"Rule pack {p.name} {p.version} \u00b7 {FULL_HINT}\nsha256 {p.sha256}", style="dim"))
    return Group(*parts)


def render_brief(report: Report, width: int | None = None) -> str:
    """The one-screen view as text, styled for this terminal (plain when standard output is not one)."""
    console = Console(width=width)
    text = ""
    for compact in (False, True):  # the bands in one paragraph when one line each overflows the screen
        with console.capture() as captured:
            console.print(build(report, compact))
        text = captured.get()
        if len(text.splitlines()) <= SCREEN_LINES:
            break
    return text
