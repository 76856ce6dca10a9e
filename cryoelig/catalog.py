"""The pack described for people: the rule catalog (Markdown), the fact graph, and lookups.

Why generated: docs/rule-catalog.md is produced from the pack by `cryoelig rules catalog`,
so the catalog a clinician reviews is exactly what the engine runs; a test fails when the
committed catalog is stale. The same helpers serve `rules list`, `rules show` and
`rules graph`. No rich or typer here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conditions import Condition, Leaf
from .rulepack import Pack, Rule

CATALOG_COMMAND = "cryoelig rules catalog --out docs/rule-catalog.md"


# ---------------------------------------------------------------- conditions for people

def condition_outline(cond: Condition, depth: int = 0) -> list[tuple[int, str]]:
    """The parsed condition (negation pushed to the clauses) as (depth, line) pairs."""
    if isinstance(cond, Leaf):
        return [(depth, cond.text)]
    out = [(depth, "all of:" if cond.op == "all" else "any of:")]
    for item in cond.items:
        out += condition_outline(item, depth + 1)
    return out


def plain(data: Any) -> Any:
    """YAML-loaded data (with line-remembering dicts) as plain dicts and lists."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [plain(v) for v in data]
    return data


def condition_as_written(rule: Rule) -> str:
    """The rule's `when:` exactly as the pack states it (YAML)."""
    import yaml

    when = plain(rule.spec.when)
    if isinstance(when, str):
        return when
    return yaml.safe_dump(when, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100).rstrip()


# ---------------------------------------------------------------- sites

def rules_for_site(pack: Pack, site: str) -> list[Rule]:
    """Rules that can apply to a case at this site: those not already false when only the site is known."""
    from .report import evaluate_rules

    outcomes = evaluate_rules(pack, {"site": site})
    return [r for r in pack.rules if outcomes[r.id].result is not False]


def site_values() -> list[str]:
    from .case import case_fields

    return list(case_fields()["site"]["values"])


# ---------------------------------------------------------------- scenarios

@dataclass
class ScenarioInfo:
    file: str
    name: str
    factors: list[str] = field(default_factory=list)
    not_factors: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)  # rule id -> met / not met / unknown
    error: str | None = None


def scenario_index(pack: Pack) -> list[ScenarioInfo]:
    """Every scenario of the pack with its expectations and each rule's result on its case."""
    from .case import parse_case
    from .conditions import RESULT_WORD
    from .errors import CryoeligError
    from .report import evaluate_rules
    from .scenarios import load_scenario, scenario_files

    out = []
    for path in scenario_files(pack):
        try:
            scenario = load_scenario(path)
            case = parse_case(scenario.case, file=str(path))
        except CryoeligError as error:
            out.append(ScenarioInfo(path.name, path.stem, error=str(error).splitlines()[0]))
            continue
        outcomes = evaluate_rules(pack, case.facts())
        out.append(ScenarioInfo(path.name, scenario.name, list(scenario.expect.factors),
                                list(scenario.expect.not_factors),
                                {rule_id: RESULT_WORD[o.result] for rule_id, o in outcomes.items()}))
    return out


# ---------------------------------------------------------------- the graph

@dataclass(frozen=True)
class Graph:
    fields: list[str]
    derived: list[str]
    rules: list[Rule]
    factors: list[str]
    edges: list[tuple[str, str]]  # ('field:x' | 'derived:x' | 'rule:x', 'rule:x' | 'derived:x' | 'factor:x')


def fact_graph(pack: Pack, rules: list[Rule] | None = None) -> Graph:
    """Case fields -> rules, derived facts -> rules, rules -> derived facts and factors."""
    chosen = rules if rules is not None else pack.rules
    fields: dict[str, None] = {}
    derived: dict[str, None] = {}
    factors: dict[str, None] = {}
    edges: list[tuple[str, str]] = []
    for rule in chosen:
        for leaf in _leaves(rule.condition):
            if leaf.op == "derived":
                derived.setdefault(leaf.field, None)
                edge = (f"derived:{leaf.field}", f"rule:{rule.id}")
            else:
                fields.setdefault(leaf.field, None)
                edge = (f"field:{leaf.field}", f"rule:{rule.id}")
            if edge not in edges:
                edges.append(edge)
        if rule.spec.derives:
            derived.setdefault(rule.spec.derives, None)
            edges.append((f"rule:{rule.id}", f"derived:{rule.spec.derives}"))
        elif rule.spec.factor:
            factors.setdefault(rule.spec.factor, None)
            edges.append((f"rule:{rule.id}", f"factor:{rule.spec.factor}"))
    from .case import case_fields

    order = list(case_fields())
    return Graph(sorted(fields, key=order.index), list(derived), list(chosen), list(factors), edges)


def _leaves(cond: Condition) -> list[Leaf]:
    from .conditions import leaves

    return leaves(cond)


def _mermaid_ids(graph: Graph) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = set()
    prefix = {"field": "f_", "derived": "d_", "rule": "r_", "factor": "x_"}
    keys = ([f"field:{f}" for f in graph.fields] + [f"derived:{d}" for d in graph.derived]
            + [f"rule:{r.id}" for r in graph.rules] + [f"factor:{x}" for x in graph.factors])
    for key in keys:
        kind, name = key.split(":", 1)
        base = prefix[kind] + re.sub(r"[^A-Za-z0-9]", "_", name)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        ids[key] = candidate
    return ids


def to_mermaid(graph: Graph, pack: Pack) -> str:
    ids = _mermaid_ids(graph)

    def label(text: str) -> str:
        return text.replace('"', "#quot;")

    out = ["flowchart LR"]
    out.append('  subgraph case_fields["Case fields"]')
    out += [f'    {ids["field:" + f]}["{label(f)}"]' for f in graph.fields]
    out.append("  end")
    if graph.derived:
        out.append('  subgraph derived_facts["Derived facts"]')
        out += [f'    {ids["derived:" + d]}(["{label(d)}"])' for d in graph.derived]
        out.append("  end")
    out.append('  subgraph pack_rules["Rules"]')
    out += [f'    {ids["rule:" + r.id]}["{label(r.id)}"]' for r in graph.rules]
    out.append("  end")
    out.append('  subgraph pack_factors["Factors"]')
    for x in graph.factors:
        kind = pack.factor_by_id[x].kind if x in pack.factor_by_id else ""
        out.append(f'    {ids["factor:" + x]}{{{{"{label(x)} ({kind})"}}}}')
    out.append("  end")
    out += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges]
    return "\n".join(out) + "\n"


def to_dot(graph: Graph, pack: Pack) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    out = ["digraph cryoelig {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    clusters = [
        ("fields", "Case fields", [(f"field:{f}", f) for f in graph.fields], "box"),
        ("derived", "Derived facts", [(f"derived:{d}", d) for d in graph.derived], "ellipse"),
        ("rules", "Rules", [(f"rule:{r.id}", r.id) for r in graph.rules], "box"),
        ("factors", "Factors", [(f"factor:{x}", f"{x} ({pack.factor_by_id[x].kind})"
                                 if x in pack.factor_by_id else x) for x in graph.factors], "hexagon"),
    ]
    for name, title, nodes, shape in clusters:
        if not nodes:
            continue
        out.append(f"  subgraph cluster_{name} {{")
        out.append(f"    label={q(title)};")
        out += [f"    {q(key)} [label={q(text)}, shape={shape}];" for key, text in nodes]
        out.append("  }")
    out += [f"  {q(a)} -> {q(b)};" for a, b in graph.edges]
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the catalog

def _md(text: str) -> str:
    for ch in ("\\", "`", "*", "_", "<", ">", "[", "]", "|"):
        text = text.replace(ch, "\\" + ch)
    return text


def catalog_markdown(pack: Pack) -> str:
    """The rule catalog of a pack as Markdown (deterministic; independent of where the pack lives)."""
    meta = pack.meta
    scenarios = scenario_index(pack)
    out = [
        f"<!-- Generated from the rule pack by `{CATALOG_COMMAND}`. Do not edit by hand:",
        "     change the pack, then regenerate. A test fails when this file is stale. -->", "",
        f"# Rule catalog: {meta.name} {meta.version}", "",
    ]
    if meta.description:
        out += [_md(meta.description), ""]
    out += [f"- Pack sha256: `{pack.sha256}`",
            f"- {len(pack.rules)} rules ({sum(r.kind == 'derived' for r in pack.rules)} of kind derived), "
            f"{len(meta.factors)} factors, {len(pack.statements)} source statements, {len(scenarios)} scenarios",
            "", "Every point a rule raises names the rule, the case values that met its condition and the quote "
            "below; the texts are written for discussion with the multidisciplinary team and are checked by the "
            "pack linter for directive wording.", "", "## Sources", "", "| id | title | publisher | provenance |",
            "|---|---|---|---|"]
    for s in meta.sources:
        out.append(f"| `{s.id}` | {_md(s.title)} | {_md(s.publisher or '')} | {_md(s.provenance or '')} |")
    out += ["", "## Factors", "", "| factor | kind | label | rules |", "|---|---|---|---|"]
    for f in meta.factors:
        rules = ", ".join(f"[`{r.id}`](#{_anchor(r.id)})" for r in pack.rules if r.spec.factor == f.id)
        out.append(f"| `{f.id}` | {f.kind} | {_md(f.label)} | {rules} |")
    derived = [r for r in pack.rules if r.kind == "derived"]
    if derived:
        out += ["", "## Derived facts", "", "A derived fact is established by a rule of kind `derived` and read by "
                "other rules as `derived NAME`.", "", "| fact | established by | read by |", "|---|---|---|"]
        names = list(dict.fromkeys(r.spec.derives for r in derived))
        for name in names:
            by = ", ".join(f"`{r.id}`" for r in derived if r.spec.derives == name)
            readers = ", ".join(f"`{r.id}`" for r in pack.rules
                                if any(lf.op == "derived" and lf.field == name for lf in _leaves(r.condition)))
            out.append(f"| `{name}` | {by} | {readers} |")
    out += ["", "## Rules by area", ""]
    areas = list(dict.fromkeys(r.area for r in sorted(pack.rules, key=lambda r: _area_key(pack, r))))
    for area in areas:
        out += [f"### {area}", ""]
        for rule in sorted((r for r in pack.rules if r.area == area), key=lambda r: _area_key(pack, r)):
            out += _rule_section(pack, rule, scenarios)
    if meta.not_encoded:
        out += ["## Statements deliberately not encoded", ""]
        by_id = {s.id: s for s in pack.statements}
        for item in meta.not_encoded:
            st = by_id.get(item.statement)
            topic = f" ({_md(st.topic)})" if st else ""
            out.append(f"- **{item.statement}**{topic}: \u201c{_md(st.quote) if st else ''}\u201d")
            out.append(f"  - Reason: {_md(item.reason)}")
        out.append("")
    out += ["## Scenarios", "", "Example cases in `scenarios/` with the factors they expect (run them with "
            "`cryoelig rules test`).", "", "| file | scenario | expects | expects absent |", "|---|---|---|---|"]
    for s in scenarios:
        if s.error:
            out.append(f"| `{s.file}` | unreadable: {_md(s.error)} | | |")
            continue
        out.append(f"| `{s.file}` | {_md(s.name)} | {', '.join(f'`{f}`' for f in s.factors)} | "
                   f"{', '.join(f'`{f}`' for f in s.not_factors)} |")
    out.append("")
    return "\n".join(out)


def _area_key(pack: Pack, rule: Rule) -> tuple[int, str, int]:
    """Areas in the pack's file order (AREA_ORDER first), rules in file order within an area."""
    from .rulepack import AREA_ORDER

    order = {name: i for i, name in enumerate(AREA_ORDER)}
    name = Path(rule.file).name
    return (order.get(Path(name).stem, len(order)), name, rule.line or 0)


def _anchor(rule_id: str) -> str:
    """The GitHub-style anchor of a `#### rule.id` heading."""
    return re.sub(r"[^a-z0-9_ -]", "", rule_id.lower()).replace(" ", "-")


def _rule_section(pack: Pack, rule: Rule, scenarios: list[ScenarioInfo]) -> list[str]:
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
    if spec.text:
        out += ["- Text:", "", f"  > {_md(' '.join(spec.text.split()))}", ""]
    out.append("- Sources:")
    for c in spec.cites:
        out.append(f"  - `{c.source}`: \u201c{_md(' '.join(c.quote.split()))}\u201d")
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
