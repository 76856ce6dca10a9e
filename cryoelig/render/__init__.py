"""Presentation only: turn a Report into terminal, Markdown or JSON text.

Why separate: the library must stay free of rich and typer; renderers may use them.
"""

from __future__ import annotations

from ..report import Clause, Report, format_value

GROUPS = (
    ("supporting", "Points supporting discussion"),
    ("caution", "Points for caution"),
    ("context", "Context"),
)


def clause_text(clause: Clause) -> str:
    """'tumor.size_cm < 4 [case: 3.9] met' — the clause, the case value, the result."""
    if clause.field is None:
        value = f" [{clause.value}]" if clause.value else ""
        return f"{clause.clause}{value}: {clause.result}"
    return f"{clause.clause} [case: {format_value(clause.value)}]: {clause.result}"


def pack_line(report: Report) -> str:
    p = report.pack
    return f"Rule pack {p.name} {p.version}, sha256 {p.sha256}"


def to_json(report: Report) -> str:
    """The Report as JSON; byte-identical for the same case and pack."""
    return report.model_dump_json(indent=2) + "\n"


def render(report: Report, fmt: str, sources: bool = False, why_not: bool = False) -> str:
    """Render a report as text in 'json' or 'markdown' (rich output goes through terminal.py)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "markdown":
        from .markdown import to_markdown

        return to_markdown(report, sources=sources, why_not=why_not)
    raise ValueError(f"unknown format {fmt}")
