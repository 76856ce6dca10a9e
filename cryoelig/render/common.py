"""What every rendering of a report shares: the title, the sections and their headings, the
"Source:" line, how a clause and the pack are written, how missing information is grouped, and
how case and pack text is kept from turning into Markdown markup."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..report.projection import Clause, Missing, Report, SourceInfo, comparisons_in, format_value
from .kinds import KIND_HEADINGS

TITLE = "Points to discuss with the multidisciplinary team"

#: The sections of points, in order, with their headings (render/kinds.py holds the words).
GROUPS = tuple((kind, KIND_HEADINGS[kind]) for kind in ("supporting", "caution", "context"))
MISSING_TITLE = KIND_HEADINGS["missing"]

#: Said once at the head of the missing-information section (not per item).
MISSING_LEAD = ("Not given in the case: each item names the points that cannot be checked without it, "
                "first those of this site, then those of any site.")
NOTHING_MISSING = "Nothing the rule pack reads is missing."
NONE_RAISED = "None raised by the rule pack."


def source_line(source: SourceInfo) -> str:
    """'Source: “Title” (publisher, date not given): what it is; its scope.' — the source named once,
    plainly, near the top of every view."""
    details = ", ".join(x for x in (source.publisher, source.date or "date not given") if x)
    about = "; ".join(x for x in (source.description, source.scope) if x)
    return f"Source: \u201c{source.title}\u201d ({details})" + (f": {about}." if about else ".")


def source_lines(report: Report) -> list[str]:
    return [source_line(s) for s in report.sources]


def clause_text(clause: Clause) -> str:
    """'tumor.size_cm < 4 [case: 3.9] met' — the clause, the case value, the result (and the pack's
    note on the clause, e.g. a reading that is the tool's convention)."""
    note = f" ({clause.note})" if clause.note else ""
    if clause.field is None:
        value = f" [{clause.value}]" if clause.value else ""
        return f"{clause.clause}{value}{note}: {clause.result}"
    value = format_value(clause.value, comparisons_in(clause.clause))
    return f"{clause.clause} [case: {value}]{note}: {clause.result}"


def pack_line(report: Report) -> str:
    p = report.pack
    return f"Rule pack {p.name} {p.version}, sha256 {p.sha256}"


@dataclass(frozen=True)
class MissingItem:
    """One item as a reader sees it: a single field, or the fields of a group (fields.yaml) together."""

    label: str
    fields: tuple[Missing, ...]
    group: bool

    @property
    def waiting(self) -> str:
        """'Points waiting: A; B.' for the whole item (each label once)."""
        labels = list(dict.fromkeys(label for m in self.fields for label in m.points))
        return f"Points waiting: {'; '.join(labels)}."


def missing_items(missing: list[Missing], scope: str) -> list[MissingItem]:
    """The items of one scope ('site' or 'general'): one per field, except that the fields of one
    group (fields.yaml ``groups``) are one item, at the place of the group's first field."""
    members: dict[str, list[Missing]] = {}
    labels: dict[str, str] = {}
    for m in missing:
        if m.scope != scope:
            continue
        key = f"group {m.group}" if m.group else m.field
        if key not in members:
            members[key] = []
            labels[key] = (m.group_label or m.group or m.label) if m.group else m.label
        members[key].append(m)
    return [MissingItem(labels[k], tuple(ms), k.startswith("group ")) for k, ms in members.items()]


#: Inline GitHub Flavored Markdown: backslash escapes, code, emphasis, strikethrough (one tilde or two),
#: links and images, raw HTML and autolinks, table cells; ``#`` and ``>`` start a heading or a quote.
_MARKUP = re.compile(r"[\\`*_~<>\[\]|#]")
#: A character reference (``&amp;``, ``&#35;``, ``&#x23;``) would show the character it names.
_REFERENCE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)")
#: At a line's start: a list item (``-``, ``+``, ``1.``, ``1)``), a thematic break or a heading's underline.
_LINE_START = re.compile(r"^([ \t]*)(-(?=[-\s]|$)|\+(?=\s|$)|=(?==*[ \t]*$)|\d{1,9}[.)](?=\s|$))", re.M)


@functools.lru_cache(maxsize=4096)
def md(text: str) -> str:
    """Case and pack text escaped for GitHub Flavored Markdown, the Markdown of the reports and of CDS Hooks
    cards: it shows as written wherever it stands (a line's start, a list item, a table cell), never as markup.
    Memoized (bounded): a CDS call escapes the same pack texts on every call, a third of its CPU otherwise."""
    text = _REFERENCE.sub(r"\\&", _MARKUP.sub(r"\\\g<0>", text))
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    return indent + marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else indent + "\\" + marker


# The batch summary's published scales (terminal table and page alike).
SCALES_TITLE = "Published scales (not from the source article): cases"
BANDS_TITLE = "Published scales: cases per band (a band names a range of a total; it decides nothing)"


def scale_rows(summary: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    """Per published scale: the cases it applies to (yes or unknown), with a total computed from its
    components, given, and none."""
    rows = []
    for scale, parts in summary.get("scales", {}).items():
        total = parts["total"]
        rows.append((scale, sum(total.values()), total.get("computed", 0), total.get("given", 0), total.get("none", 0)))
    return rows


def band_rows(summary: dict[str, Any]) -> list[tuple[str, str, int]]:
    scales = summary.get("scales", {})
    return [(scale, band, n) for scale, parts in scales.items() for band, n in parts["bands"].items()]
