"""What the pages show, built from the pack, the Review and the Trace (never from the templates).

Why apart from the routes: the templates only lay out what is built here, and everything built
here is a projection of the models the other views read (``Report``, ``CaseExplanation``,
``catalog``), with the words of the shared renderers (``render.common``, ``render.explanation_tree`` and
the kind words of ``render.kinds``), so a change of wording there shows here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..render.common import GROUPS
from ..report.projection import Finding, Missing, Report
from ..rulepack.packmodel import Pack, Rule
from ..views.catalog import ScenarioInfo, condition_outline, scenario_index

try:
    from ..render.common import MISSING_TITLE
except ImportError:  # pragma: no cover - before the renderers name the section once
    MISSING_TITLE = "Missing information"


# ---------------------------------------------------------------- findings

@dataclass(frozen=True)
class Group:
    kind: str
    heading: str
    findings: list[Finding]


def groups_of(report: Report) -> list[Group]:
    """The points of a report by kind, in the renderers' order and with their headings."""
    return [Group(kind, heading, [f for f in report.findings if f.kind == kind]) for kind, heading in GROUPS]


def missing_of(report: Report) -> list[Missing]:
    return list(report.missing)


# ---------------------------------------------------------------- the pack

@dataclass(frozen=True)
class FactorRow:
    id: str
    kind: str
    label: str
    rules: list[str]


def factor_rows(pack: Pack) -> list[FactorRow]:
    """Each factor of the pack with the rules that raise it."""
    return [FactorRow(f.id, f.kind, f.label, [r.id for r in pack.rules if r.spec.factor == f.id])
            for f in pack.meta.factors]


def rules_in_order(pack: Pack) -> list[Rule]:
    from ..views.catalog import area_key

    return sorted(pack.rules, key=lambda r: area_key(pack, r))


@dataclass(frozen=True)
class RulePage:
    rule: Rule
    factor_label: str | None
    outline: list[tuple[int, str]]
    written: str
    readers: list[str]
    scenarios: list[tuple[ScenarioInfo, str, str]]  # (scenario, what it expects, this rule's result)


def rule_page(pack: Pack, rule: Rule) -> RulePage:
    """One rule: its clause tree, the condition as written, and each scenario with its result."""
    from ..views.catalog import condition_as_written, derived_read

    spec = rule.spec
    factor = pack.factor_by_id.get(spec.factor or "")
    readers = [r.id for r in pack.rules if spec.derives and spec.derives in derived_read(r)]
    rows = []
    for s in scenario_index(pack):
        if s.error:
            continue
        result = s.results.get(rule.id, "?")
        if spec.factor and spec.factor in s.factors:
            rows.append((s, "expects the factor", result))
        elif spec.factor and spec.factor in s.not_factors:
            rows.append((s, "expects it absent", result))
        elif result == "met":
            rows.append((s, "rule met", result))
    return RulePage(rule, factor.label if factor else None, condition_outline(rule.condition),
                    condition_as_written(rule), readers, rows)


# ---------------------------------------------------------------- a source with its quotes marked

@dataclass
class Passage:
    """A stretch of the source text: plain, or quoted by rules (``rules``) and statements."""

    text: str
    rules: list[str] = field(default_factory=list)
    number: int = 0  # 1, 2, ... for quoted passages


def _span(text: str, quote: str) -> tuple[int, int] | None:
    """Where a quote stands in the source, white space compared loosely (as the pack check does)."""
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (match.start(), match.end()) if match else None


def passages(pack: Pack, source_id: str) -> list[Passage]:
    """The source text cut into plain and quoted stretches; overlapping quotes are one stretch
    naming every rule that cites any part of it."""
    text = pack.source_texts[source_id]
    spans: list[tuple[int, int, str]] = []
    for rule in pack.rules:
        for cite in rule.spec.cites:
            if cite.source == source_id and cite.quote is not None and (found := _span(text, cite.quote)):
                spans.append((*found, rule.id))
    spans.sort()
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, rule_id in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] + ([rule_id] if rule_id not in last[2] else []))
        else:
            merged.append((start, end, [rule_id]))
    out, at = [], 0
    for number, (start, end, rules) in enumerate(merged, 1):
        if start > at:
            out.append(Passage(text[at:start]))
        out.append(Passage(text[start:end], rules, number))
        at = end
    if at < len(text):
        out.append(Passage(text[at:]))
    return out


@dataclass(frozen=True)
class StatementRow:
    id: str
    topic: str
    quote: str
    rules: list[str]
    reason: str | None  # why it is not encoded


def statement_rows(pack: Pack) -> list[StatementRow]:
    """Every statement of the source: the rules citing it, or why it is not encoded."""
    from ..rulepack.validate import normalise_space

    reasons = {n.statement: n.reason for n in pack.meta.not_encoded}
    rows = []
    for st in pack.statements:
        quote = normalise_space(st.quote)
        rules = [r.id for r in pack.rules if any(normalise_space(c.quote) in quote or quote in normalise_space(c.quote)
                                                 for c in r.spec.cites if c.quote is not None)]  # papers: a place
        rows.append(StatementRow(st.id, st.topic, st.quote, rules, reasons.get(st.id)))
    return rows


# ---------------------------------------------------------------- the rule graph picture (issue 15)

def rule_graph(pack: Pack) -> str | None:
    """The rule graph as an SVG document, when the figures are installed and Graphviz draws it."""
    try:
        from ..render.rule_graph import rule_graph_svg
    except ImportError:
        return None
    try:
        return rule_graph_svg(pack)
    except Exception:  # noqa: BLE001 - no dot, or dot failed: the page goes without the picture
        return None


def source_line(pack: Pack) -> str:
    """The pack's sources named once, as the reports name them ('Source: ...')."""
    try:
        from ..render.common import source_line as line
        from ..report.projection import source_info
    except ImportError:  # pragma: no cover - before the renderers have one "Source:" line
        return " ".join(f"Source: \u201c{s.title}\u201d ({s.publisher})." if s.publisher else f"Source: {s.title}."
                        for s in pack.meta.sources)
    return " ".join(line(source_info(s)) for s in pack.parts[0].meta.sources)  # the source article's


def field_label(pack: Pack, name: str) -> str:
    spec = pack.fields.get(name)
    return spec.label if spec else name


def value_text(value: Any) -> str:
    from ..report.projection import format_value

    return format_value(value)
