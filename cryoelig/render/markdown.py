"""Markdown rendering of a Report, for handouts, tickets and slides (one renderer for every command)."""

from __future__ import annotations

from ..report import Clause, Report, format_value
from .common import GROUPS, TITLE, pack_line
from .common import md as _md


def _md_clause(clause: Clause) -> str:
    """A basis clause with the clause itself as code, so it reads as written in the pack."""
    code = f"`{clause.clause}`"
    if clause.field is None:
        return f"{code}{f' ({_md(str(clause.value))})' if clause.value else ''}: {clause.result}"
    return f"{code} (case: {_md(format_value(clause.value))}): {clause.result}"


def to_markdown(report: Report, sources: bool = False, why_not: bool = False, facts: bool = False,
                labels: dict[str, str] | None = None, **_: object) -> str:
    """The report in Markdown (`check --format markdown`, `report --out x.md`): points by kind with
    basis, optionally sources, case facts and the rules that did not apply."""
    labels = labels or {}
    out = [f"# {TITLE}", "", f"Case **{_md(report.case_id)}** \u00b7 site **{_md(format_value(report.site))}**",
           "", f"> **{_md(report.disclaimer)}**", ""]
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
            out += ["None raised by the rule pack.", ""]
        for i, f in enumerate(items, 1):
            out.append(f"{i}. {_md(f.text)}")
            out.append(f"   - Rule `{f.rule}` \u00b7 factor `{f.factor}`")
            out.append("   - Basis: " + "; ".join(_md_clause(c) for c in f.basis))
            if sources:
                out += [f"   - Source `{s.source}` ({_md(s.title)}): \u201c{_md(s.quote)}\u201d" for s in f.sources]
        if items:
            out.append("")
    out += [f"## Missing information ({len(report.missing)})", ""]
    for m in report.missing:
        out.append(f"- **{_md(m.label)}** (`{m.field}`): {_md(m.why)} Rules waiting: "
                   + ", ".join(f"`{r}`" for r in m.rules))
    if not report.missing:
        out.append("Nothing the rule pack reads is missing.")
    out.append("")
    if why_not:
        out += ["## Rules that did not apply", "", "| rule | clause not met, with the case value |", "|---|---|"]
        out += [f"| `{na.rule}` | " + "; ".join(_md_clause(c) for c in na.clauses).replace("|", "\\|") + " |"
                for na in report.not_applicable]
        out.append("")
    out += ["---", "", f"{_md(pack_line(report))} \u00b7 report schema version {report.schema_version}", ""]
    return "\n".join(out)
