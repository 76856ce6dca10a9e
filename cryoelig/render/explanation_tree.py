"""The educator's view of one case: a tree from facts to rules to findings, and why not.

Two renderings of the same CaseExplanation: a rich Tree for the terminal and nested
Markdown lists for slides and handouts. Sections, in order: facts given, derived facts,
points raised, rules that could not be checked, rules that did not apply, missing
information, the pack.
"""

from __future__ import annotations

from ..report.projection import format_value
from ..views.explanation import CaseExplanation, Check, RuleExplanation, clause_value
from .common import MISSING_TITLE, NOTHING_MISSING, pack_line, source_lines
from .common import md as _md
from .scale_lines import markdown_section

MARK = {"met": "\u2713", "not met": "\u2717", "unknown": "?"}
_STYLE = {"met": "green", "not met": "red", "unknown": "yellow"}
_KIND_STYLE = {"supporting": "green", "caution": "yellow", "context": "cyan", "derived": "magenta"}

SECTIONS = (
    ("met", "Points raised (rule conditions met)",
     "Each point comes from one rule whose condition the case meets."),
    ("unknown", "Could not be checked (case values not given)",
     "These rules read fields the case does not give; each names the missing fields."),
    ("not met", "Did not apply (why not)",
     "The clause marked \u2717 is the case value that does not meet the rule."),
)


def clause_line(check: Check) -> str:
    """'✓ tumor.size_cm < 4 · case: 3.9 · met' — or the group line 'all of · met'."""
    if check.op != "clause":
        return f"{MARK[check.result]} {check.text} \u00b7 {check.result}"
    if check.derived is not None:
        return f"{MARK[check.result]} {check.text} \u00b7 fact {clause_value(check)} \u00b7 {check.result}"
    return f"{MARK[check.result]} {check.text} \u00b7 case: {clause_value(check)} \u00b7 {check.result}"


def rule_title(r: RuleExplanation) -> str:
    what = f"derives {r.derives}" if r.kind == "derived" else f"{r.kind} \u00b7 factor {r.factor}"
    return f"{MARK[r.result]} {r.rule} ({what}): {r.result}"


def _selected(ex: CaseExplanation, rules: list[str] | None) -> list[RuleExplanation]:
    return [r for r in ex.rules if not rules or r.rule in rules]


def _facts(ex: CaseExplanation) -> list[str]:
    return [f"{name} = {format_value(value)}" for name, value in ex.facts.items()]


def _derived(ex: CaseExplanation) -> list[str]:
    word = {"met": "established", "not met": "not established", "unknown": "unknown"}
    return [f"{MARK[d.result]} {d.name}: {word[d.result]} (from {', '.join(d.rules)})" for d in ex.derived]


# ---------------------------------------------------------------- rich

def build_tree(ex: CaseExplanation, rules: list[str] | None = None):  # noqa: ANN201 - rich.tree.Tree
    from rich.text import Text
    from rich.tree import Tree

    root = Tree(Text(f"Case {ex.case_id} (site: {format_value(ex.site)}): the reasoning, facts \u2192 rules "
                     "\u2192 points to discuss", style="bold"))
    root.add(Text(ex.report.disclaimer, style="italic dim"))
    for line in source_lines(ex.report):
        root.add(Text(line))
    facts = root.add(Text("Facts given", style="bold"))
    for line in _facts(ex):
        facts.add(Text(line))
    for note in ex.input_notes:
        facts.add(Text(f"input: {note}", style="dim"))
    if ex.derived:
        derived = root.add(Text("Derived facts (established by rules of kind derived)", style="bold"))
        for d, line in zip(ex.derived, _derived(ex), strict=True):
            node = derived.add(Text(line, style=_STYLE[d.result]))
            for r in ex.rules:
                if r.rule in d.rules and (not rules or r.rule in rules):
                    _add_check(node, r.check)

    selected = _selected(ex, rules)
    for result, title, note in SECTIONS:
        items = [r for r in selected if r.result == result and r.kind != "derived"]
        section = root.add(Text(f"{title}: {len(items)}", style="bold " + _STYLE[result]))
        section.add(Text(note if items else "None.", style="dim"))
        for r in items:
            _add_rule(section, r)
    missing = root.add(Text(f"{MISSING_TITLE}: {len(ex.report.missing)}", style="bold magenta"))
    for m in ex.report.missing:
        missing.add(Text(f"{m.label} ({m.field}): {m.why}"))
    if not ex.report.missing:
        missing.add(Text(NOTHING_MISSING, style="dim"))
    root.add(Text(pack_line(ex.report), style="dim"))
    return root


def _add_rule(section, r: RuleExplanation) -> None:  # noqa: ANN001 - rich Tree
    """One rule under its section: its title, its clause tree, the point raised, or what is not given."""
    from rich.text import Text

    node = section.add(Text(rule_title(r), style=_KIND_STYLE.get(r.kind, "")))
    _add_check(node, r.check)
    if r.text:
        node.add(Text("Point: " + r.text))
        for s in r.sources:
            node.add(Text(f"Source {s.source}: \u201c{s.quote}\u201d", style="italic"))
        for p in r.places:
            node.add(Text(f"Source {p.source}: {p.locator}", style="italic"))
    if r.missing_fields:
        node.add(Text("Not given: " + ", ".join(r.missing_fields), style="yellow"))


def _add_check(parent, check: Check) -> None:  # noqa: ANN001 - rich Tree
    from rich.text import Text

    node = parent.add(Text(clause_line(check), style=_STYLE[check.result]))
    for item in check.items:
        _add_check(node, item)


def render_tree(ex: CaseExplanation, rules: list[str] | None = None, width: int | None = None, **_: object) -> str:
    """The tree as text, styled for this terminal (plain when standard output is not one)."""
    from rich.console import Console, Group

    from .scale_lines import terminal_section

    console = Console(width=width)
    with console.capture() as captured:  # the published scales after the reasoning, as check and report show them
        console.print(Group(build_tree(ex, rules), *terminal_section(ex.report)))
    return captured.get()


# ---------------------------------------------------------------- markdown

def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _md_clause_line(check: Check) -> str:
    if check.op != "clause":
        return f"{MARK[check.result]} {check.text} \u00b7 {check.result}"
    what = "fact" if check.derived is not None else "case:"
    return f"{MARK[check.result]} {_code(check.text)} \u00b7 {what} {_md(clause_value(check))} \u00b7 {check.result}"


def _md_check(check: Check, depth: int, out: list[str]) -> None:
    out.append("  " * depth + "- " + _md_clause_line(check))
    for item in check.items:
        _md_check(item, depth + 1, out)


def to_markdown(ex: CaseExplanation, rules: list[str] | None = None, **_: object) -> str:
    out = [f"# The reasoning for case {_code(ex.case_id)} (site: {_md(format_value(ex.site))})", "",
           f"*{_md(ex.report.disclaimer)}*", "", *(_md(line) for line in source_lines(ex.report)), "",
           "## Facts given", ""]
    out += [f"- {_code(name)} = {_md(format_value(value))}" for name, value in ex.facts.items()]
    out += [f"- input: {_md(note)}" for note in ex.input_notes]
    out.append("")
    if ex.derived:
        out += ["## Derived facts", ""]
        for d in ex.derived:
            word = {"met": "established", "not met": "not established", "unknown": "unknown"}[d.result]
            out.append(f"- {MARK[d.result]} {_code(d.name)}: {word} (from "
                       + ", ".join(_code(r) for r in d.rules) + ")")
            for r in ex.rules:
                if r.rule in d.rules and (not rules or r.rule in rules):
                    _md_check(r.check, 1, out)
        out.append("")
    selected = _selected(ex, rules)
    for result, title, note in SECTIONS:
        items = [r for r in selected if r.result == result and r.kind != "derived"]
        out += [f"## {title}: {len(items)}", "", _md(note), ""]
        if not items:
            out.append("None.")
        for r in items:
            what = f"{r.kind} \u00b7 factor {_code(r.factor or '')}"
            out.append(f"- {MARK[r.result]} **{_code(r.rule)}** ({what}): {r.result}")
            _md_check(r.check, 1, out)
            if r.text:
                out.append(f"  - Point: {_md(r.text)}")
                out += [f"  - Source `{s.source}`: \u201c{_md(s.quote)}\u201d" for s in r.sources]
                out += [f"  - Source `{p.source}`: {_md(p.locator)}" for p in r.places]
            if r.missing_fields:
                out.append("  - Not given: " + ", ".join(f"`{f}`" for f in r.missing_fields))
        out.append("")
    out += [f"## {MISSING_TITLE}: {len(ex.report.missing)}", ""]
    out += [f"- **{_md(m.label)}** (`{m.field}`): {_md(m.why)}" for m in ex.report.missing]
    if not ex.report.missing:
        out.append(NOTHING_MISSING)
    out.append("")
    out += markdown_section(ex.report)  # the published scales, as check and report show them
    out += ["---", "", _md(pack_line(ex.report)), ""]
    return "\n".join(out)
