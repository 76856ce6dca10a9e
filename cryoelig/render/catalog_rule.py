"""One rule as the catalog shows it (shared by the catalog's parts: the source pack's and a scales pack's)."""

from __future__ import annotations

import re
from pathlib import Path

from ..rulepack.packmodel import Pack, Rule
from ..views.catalog import ScenarioInfo, condition_outline
from .common import md as _md


def anchor(rule_id: str) -> str:
    """The GitHub-style anchor of a `#### rule.id` heading."""
    return re.sub(r"[^a-z0-9_ -]", "", rule_id.lower()).replace(" ", "-")


def rule_section(pack: Pack, rule: Rule, scenarios: list[ScenarioInfo]) -> list[str]:
    spec = rule.spec
    out = [f"#### {rule.id}", ""]
    if spec.kind == "derived":
        out.append(f"- Kind: derived \u00b7 establishes `{spec.derives}`")
    else:
        label = pack.factor_by_id[spec.factor].label if spec.factor in pack.factor_by_id else ""
        out.append(f"- Kind: {spec.kind} \u00b7 factor `{spec.factor}` ({_md(label)})")
    out.append(f"- Written in `{Path(rule.file).name}`" + (f", line {rule.line}" if rule.line else ""))
    out.append("- Condition:")
    out += [f"{'  ' * (depth + 1)}- {_md(text)}" for depth, text in condition_outline(rule.condition)]
    out += [f"- Note on `{clause}`: {_md(note)}" for clause, note in spec.notes.items()]
    if spec.text:
        out += ["- Text:", "", f"  > {_md(' '.join(spec.text.split()))}", ""]
    out.append("- Sources:")
    for c in spec.cites:
        if c.quote is not None:
            out.append(f"  - `{c.source}`: \u201c{_md(' '.join(c.quote.split()))}\u201d")
        else:
            out.append(f"  - `{c.source}`, {_md(c.locator or '')}")
    if spec.factor:
        expect = [s.file for s in scenarios if spec.factor in s.factors]
        absent = [s.file for s in scenarios if spec.factor in s.not_factors]
        if expect:
            out.append("- Scenarios expecting it: " + ", ".join(f"`{f}`" for f in expect))
        if absent:
            out.append("- Scenarios expecting it absent: " + ", ".join(f"`{f}`" for f in absent))
    else:
        met = [s.file for s in scenarios if s.results.get(rule.id) == "met"]
        if met:
            out.append("- Scenarios where it is met: " + ", ".join(f"`{f}`" for f in met))
    out.append("")
    return out
