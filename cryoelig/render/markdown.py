"""Markdown rendering of a Report, for handouts, tickets and slides (one renderer for every command)."""

from __future__ import annotations

from ..report.projection import Clause, Missing, Report, comparisons_in, format_value
from .common import (
    GROUPS,
    MISSING_LEAD,
    MISSING_TITLE,
    NONE_RAISED,
    NOTHING_MISSING,
    TITLE,
    MissingItem,
    missing_items,
    pack_line,
    source_lines,
)
from .common import md as _md
from .scale_lines import markdown_section


def _md_clause(clause: Clause) -> str:
    """A basis clause with the clause itself as code, so it reads as written in the pack."""
    code = f"`{clause.clause}`"
    note = f" ({_md(clause.note)})" if clause.note else ""
    if clause.field is None:
        return f"{code}{f' ({_md(str(clause.value))})' if clause.value else ''}{note}: {clause.result}"
    value = format_value(clause.value, comparisons_in(clause.clause))
    return f"{code} (case: {_md(value)}){note}: {clause.result}"


def _md_field(m: Missing) -> str:
    return f"**{_md(m.label)}** (`{m.field}`)" + (f": {_md(m.meaning)}" if m.meaning else "")


def _md_item(item: MissingItem, indent: str) -> list[str]:
    """One item of missing information: its field(s), what each means, the points waiting."""
    if item.group:
        out = [f"{indent}- **{_md(item.label)}**:"]
        out += [f"{indent}  - {_md_field(m)}" for m in item.fields]
        out.append(f"{indent}  - {_md(item.waiting)}")
        return out
    return [f"{indent}- {_md_field(item.fields[0])}. {_md(item.waiting)}"]


def _md_missing(report: Report) -> list[str]:
    out = [f"## {MISSING_TITLE} ({len(report.missing)})", ""]
    if not report.missing:
        return [*out, NOTHING_MISSING, ""]
    out += [_md(MISSING_LEAD), ""]
    for item in missing_items(report.missing, "site"):
        out += _md_item(item, "")
    general = missing_items(report.missing, "general")
    if general:  # one item holding every field that points of any site wait on
        out.append("- For any site:")
        for item in general:
            out += _md_item(item, "  ")
    return [*out, ""]


def to_markdown(report: Report, sources: bool = False, why_not: bool = False, facts: bool = False,
                labels: dict[str, str] | None = None, **_: object) -> str:
    """The report in Markdown (`check --format markdown`, `report --out x.md`): points by kind with
    basis, optionally sources, case facts and the rules that did not apply."""
    labels = labels or {}
    out = [f"# {TITLE}", "", f"Case **{_md(report.case_id)}** \u00b7 site **{_md(format_value(report.site))}**",
           "", f"> **{_md(report.disclaimer)}**", ""]
    out += [f"{_md(line)}" for line in source_lines(report)]
    out.append("")
    if report.headline is not None:  # what matters first
        out += [f"**{_md(report.headline.text)}**", ""]
        out += [_md(report.headline.background), ""] if report.headline.background else []
    if facts:
        out += ["## Case facts", "", "| fact | field | value |", "|---|---|---|"]
        for name, value in report.facts.items():
            out.append(f"| {_md(labels.get(name, name))} | `{name}` | {_md(format_value(value))} |")
        out.append("")
    out += [f"- Input: {_md(n)}" for n in report.input_notes]
    if report.input_notes:
        out.append("")
    for kind, title in GROUPS:
        items = [f for f in report.findings if f.kind == kind]
        out += [f"## {title} ({len(items)})", ""]
        if not items:
            out += [NONE_RAISED, ""]
        for i, f in enumerate(items, 1):
            out.append(f"{i}. {_md(f.text)}")
            out.append(f"   - Rule `{f.rule}` \u00b7 factor `{f.factor}`")
            out.append("   - Basis: " + "; ".join(_md_clause(c) for c in f.basis))
            if sources:
                out += [f"   - Source `{s.source}`: \u201c{_md(s.quote)}\u201d" for s in f.sources]
        if items:
            out.append("")
    out += markdown_section(report, sources)
    out += _md_missing(report)
    if why_not:
        out += ["## Rules that did not apply", "", "| rule | clause not met, with the case value |", "|---|---|"]
        out += [f"| `{na.rule}` | " + "; ".join(_md_clause(c) for c in na.clauses).replace("|", "\\|") + " |"
                for na in report.not_applicable]
        out.append("")
    out += ["---", "", f"{_md(pack_line(report))} \u00b7 report schema version {report.schema_version}", ""]
    return "\n".join(out)
