"""What every rendering of a report shares: the title, the groups of points, how a clause and
the pack are written, and how case and pack text is kept from turning into Markdown markup."""

from __future__ import annotations

from ..report import Clause, Report, format_value

TITLE = "Points to discuss with the multidisciplinary team"

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


def md(text: str) -> str:
    """Case and pack text escaped for Markdown (it must never become markup)."""
    for ch in ("\\", "`", "*", "_", "<", ">", "[", "]", "|"):
        text = text.replace(ch, "\\" + ch)
    return text
