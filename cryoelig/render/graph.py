"""The fact graph as text: Mermaid (Markdown, GitHub) and DOT (Graphviz).

Which case fields and derived facts feed which rules, and which factors the rules raise
(``catalog.fact_graph``), for `rules graph`.
"""

from __future__ import annotations

import re

from ..rulepack.packmodel import Pack
from ..views.catalog import Graph


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


def to_mermaid(graph: Graph, pack: Pack, **_: object) -> str:
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


def to_dot(graph: Graph, pack: Pack, **_: object) -> str:
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
