"""The pack described for people: rule lookups, rules per site, scenario results, the fact graph.

Why here: `rules list`, `rules show`, `rules graph` and the generated rule catalog
(docs/rule-catalog.md, so the catalog a clinician reviews is exactly what the engine runs) read
the same data; their text is built in ``cryoelig.render``. Which rules can apply at a site and
how each rule fares on each scenario are projections of Traces. No rich or typer here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case.contract import parse_case
from ..errors import CryoeligError
from ..facade import review
from ..reasoning.evaluation import RESULT_WORD, evaluate
from ..rulepack.conditions import Condition, Leaf, derived_refs, leaves
from ..rulepack.packmodel import Pack, Rule
from .scenarios import load_scenario, scenario_files

# ---------------------------------------------------------------- rules and conditions for people


def find_rule(pack: Pack, rule_id: str) -> Rule:
    """The rule with this id, or an error naming the closest ids."""
    if rule_id in pack.rule_by_id:
        return pack.rule_by_id[rule_id]
    ids = list(pack.rule_by_id)
    close = difflib.get_close_matches(rule_id, ids, n=3, cutoff=0.5)
    if not close:
        close = [i for i in ids if i.startswith(rule_id.split(".")[0] + ".")][:3]
    hint = f"close matches: {', '.join(close)}" if close else "see `cryoelig rules list`"
    raise CryoeligError(f"unknown rule '{rule_id}' in pack {pack.name} {pack.version}; {hint}")


def derived_read(rule: Rule) -> list[str]:
    """The derived facts a rule reads, each once."""
    return list(dict.fromkeys(derived_refs(rule.condition)))


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


def area_key(pack: Pack, rule: Rule) -> tuple[int, str, int]:
    """Areas in the pack's file order (its ``areas`` first), rules in file order within an area."""
    order = {name: i for i, name in enumerate(pack.meta.areas)}
    name = Path(rule.file).name
    return (order.get(Path(name).stem, len(order)), name, rule.line or 0)


# ---------------------------------------------------------------- sites


def rules_for_site(pack: Pack, site: str | None) -> list[Rule]:
    """Rules that can apply to a case at this site: those not already false when only the site
    is known (all rules when no site is given)."""
    if site is None:
        return list(pack.rules)
    if site not in pack.site_ids:
        raise CryoeligError(f"unknown site '{site}' (one of: {', '.join(pack.site_ids)})")
    return [rt.rule for rt in evaluate(pack, {"site": site}).rules if rt.result is not False]


@dataclass(frozen=True)
class RuleListing:
    """What `rules list` shows: the pack, the site asked for, and its rules."""

    pack_name: str
    pack_version: str
    site: str | None
    rules: list[Rule]
    #: the other packs loaded with it ('published-scales 0.1.0')
    with_packs: tuple[str, ...] = ()


def rule_listing(pack: Pack, site: str | None = None) -> RuleListing:
    return RuleListing(pack.name, pack.version, site, rules_for_site(pack, site),
                       tuple(f"{p.name} {p.version}" for p in pack.parts[1:]))


# ---------------------------------------------------------------- scenarios


@dataclass
class ScenarioInfo:
    file: str
    name: str
    factors: list[str] = field(default_factory=list)
    not_factors: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)  # rule id -> met / not met / unknown
    error: str | None = None
    pack: str = ""  # the pack of the set whose scenarios/ holds it


def scenario_index(pack: Pack) -> list[ScenarioInfo]:
    """Every scenario of the pack (of each pack of a set, evaluated on the whole set) with its
    expectations and each rule's result on its case."""
    out = []
    for part in pack.parts:
        for path in scenario_files(part):
            info = _scenario_info(pack, path)
            info.pack = part.name
            out.append(info)
    return out


def _scenario_info(pack: Pack, path: Path) -> ScenarioInfo:
    try:
        scenario = load_scenario(path)
        case = parse_case(scenario.case, pack, file=str(path))
    except CryoeligError as error:
        return ScenarioInfo(path.name, path.stem, error=str(error).splitlines()[0])
    trace = review(case, pack, use_engine=False).trace
    return ScenarioInfo(path.name, scenario.name, list(scenario.expect.factors), list(scenario.expect.not_factors),
                        {rt.rule.id: RESULT_WORD[rt.result] for rt in trace.rules})


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
        for leaf in leaves(rule.condition):
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
    order = [*pack.field_specs, *pack.computed_inputs]
    return Graph(sorted(fields, key=order.index), list(derived), list(chosen), list(factors), edges)
