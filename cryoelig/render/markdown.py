"""Markdown rendering of a Report, for handouts, tickets and slides."""

from __future__ import annotations

from ..report import Report, format_value
from . import GROUPS, clause_text, pack_line


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report, sources: bool = False, why_not: bool = False) -> str:
    lines = [f"# Points to discuss with the multidisciplinary team: case {report.case_id}", ""]
    lines += [f"*{report.disclaimer}*", "", f"Site: **{format_value(report.site)}**", ""]
    for note in report.input_notes:
        lines.append(f"- Input: {note}")
    if report.input_notes:
        lines.append("")
    for kind, title in GROUPS:
        items = [f for f in report.findings if f.kind == kind]
        lines += [f"## {title}", ""]
        if not items:
            lines += ["None raised by the rule pack.", ""]
        for f in items:
            lines.append(f"- **{f.text}**")
            lines.append(f"  - Rule `{f.rule}` (factor `{f.factor}`); basis: "
                         + "; ".join(clause_text(c) for c in f.basis))
            if sources:
                for s in f.sources:
                    lines.append(f"  - Source `{s.source}` ({s.title}): \u201c{s.quote}\u201d")
        lines.append("")
    lines += ["## Missing information", ""]
    if not report.missing:
        lines += ["Nothing the rule pack reads is missing.", ""]
    for m in report.missing:
        lines.append(f"- **{m.label}** (`{m.field}`): {m.why} Rules waiting: "
                     + ", ".join(f"`{r}`" for r in m.rules))
    if report.missing:
        lines.append("")
    if why_not:
        lines += ["## Rules that did not apply", "", "| rule | kind | clause not met, with the case value |",
                  "|---|---|---|"]
        for na in report.not_applicable:
            lines.append(f"| `{na.rule}` | {na.kind} | "
                         + _escape("; ".join(clause_text(c) for c in na.clauses)) + " |")
        lines.append("")
    lines += ["---", "", pack_line(report), ""]
    return "\n".join(lines)
