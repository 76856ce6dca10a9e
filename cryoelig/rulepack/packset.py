"""Several rule packs loaded together: the source pack and the packs that add to it.

Why a set: the source article's pack and the published-scales pack are reviewed, versioned and
hashed apart (one quotes a stored text, the other cites papers), yet a case is reviewed against
both at once, by one engine and one evaluation. A set is a ``Pack`` whose rules, factors, sources
and field wordings are its members' joined; the members stay available (``Pack.members``) for
what is shown per pack (the report's source-article points and its published-scales section, the
catalog, ``rules check``).

Identity: a set has one sha256 (``set_sha256``), the one value every report, output file, ``--version``
and the service name; its members' own hashes are listed under it as its parts (docs/rule-authoring.md,
"The pack's sha256").

Sites: a pack that adds to another (``adds_to: <pack name>`` in its pack.yaml) lists no sites of
its own and reads the sites of the pack it adds to. The loader checks, when they are loaded
together, that the pack named is in the set, and that every site the add-on's clauses and scales
name is one of its sites. Packs that list sites list the same ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..citations import short_reference
from ..errors import Problem
from .conditions import leaves
from .conventions import convention_problems
from .defaultpack import default_pack_dir
from .links import rewrite
from .packmodel import Pack, PackMeta, Rule


def default_pack_dirs() -> tuple[Path, ...]:
    """The default set: the source pack, then every pack directly inside its folder, by name
    (in a checkout ``rules/`` and ``rules/published-scales/``)."""
    base = default_pack_dir()
    return (base, *sorted(p.parent for p in base.glob("*/pack.yaml")))


def set_problems(packs: Sequence[Pack]) -> list[Problem]:
    """What keeps these packs from being loaded together (empty when they can be)."""
    problems: list[Problem] = []
    with_sites = [p for p in packs if p.meta.sites]
    names = {p.name: p for p in packs}
    for pack in with_sites[1:]:
        if pack.site_ids != with_sites[0].site_ids:
            problems.append(Problem(f"pack {pack.name} lists the sites {', '.join(pack.site_ids)}, pack "
                                    f"{with_sites[0].name} {', '.join(with_sites[0].site_ids)}: packs loaded "
                                    "together list the same sites", file=_pack_file(pack)))
    for pack in packs:
        if pack.meta.adds_to is None:
            continue
        base = names.get(pack.meta.adds_to)
        if base is None or not base.meta.sites:
            problems.append(Problem(
                f"pack {pack.name} adds to the pack {pack.meta.adds_to}, which is not loaded with it: give "
                f"both, e.g. --pack <folder of {pack.meta.adds_to}> --pack {pack.directory.name}",
                file=_pack_file(pack)))
            continue
        problems += _site_problems(pack, base)
    problems += convention_problems([r for p in packs for r in p.rules])
    problems += _link_problems(packs)
    for what, ids in (("rule", lambda p: p.rule_by_id), ("factor", lambda p: p.factor_by_id),
                      ("source", lambda p: p.source_by_id)):
        problems += _twice(what, [(p, list(ids(p))) for p in packs])
    return problems


def _link_problems(packs: Sequence[Pack]) -> list[Problem]:
    """Every clause a link answers is a clause of another pack's rules (a link answering nothing is a typo)."""
    out = []
    for pack in packs:
        others = {leaf.text for p in packs if p is not pack for r in p.rules for leaf in leaves(r.condition)}
        for link in pack.links:
            if link.answers is not None and link.answers.text not in others:
                out.append(Problem(f"link '{link.id}' answers '{link.answers.text}', a clause no rule of the other "
                                   "packs loaded with it reads", file=str(pack.directory / "links.yaml")))
    return out


def linked_rules(packs: Sequence[Pack]) -> list[Rule]:
    """The rules of the packs, each clause a link of another pack answers rewritten (``links.rewrite``),
    with the note of each link clause in the rule's notes (shown in its basis)."""
    titles = {s.id: short_reference(s) if s.authors else s.title for p in packs for s in p.meta.sources}
    out = []
    for pack in packs:
        links = [link for p in packs if p is not pack for link in p.links]
        for rule in pack.rules:
            notes: dict[str, str] = {}
            condition = rewrite(rule.condition, links, notes, titles) if links else rule.condition
            if condition is rule.condition or condition == rule.condition:
                out.append(rule)
                continue
            shown = tuple((link.spec.reads, link.spec.shown_with) for link in links
                          if link.spec.reads and link.spec.shown_with and link.spec.reads in rule.fields)
            spec = rule.spec.model_copy(update={"notes": {**notes, **rule.spec.notes}})
            out.append(Rule(spec, condition, rule.area, rule.file, rule.line, shown))
    return out


def _pack_file(pack: Pack) -> str:
    return str(pack.directory / "pack.yaml")


def _site_problems(pack: Pack, base: Pack) -> list[Problem]:
    """Every site an add-on's rules and scales name is a site of the pack it adds to."""
    sites = set(base.site_ids)
    out = []
    named = [(f"rule '{r.id}'", r.file, r.line, r.condition) for r in pack.rules]
    named += [(f"scale '{sid}' applies_when", str(pack.directory / "scales.yaml"), None, guard)
              for sid, guard in pack.guards.items()]
    for what, file, line, condition in named:
        for leaf in leaves(condition):
            values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
            unknown = [v for v in values if leaf.field == "site" and leaf.op != "exists" and v not in sites]
            if unknown:
                out.append(Problem(f"{what}: site '{unknown[0]}' is not a site of pack {base.name} "
                                   f"({', '.join(base.site_ids)})", file=file, line=line))
    return out


def _twice(what: str, ids: list[tuple[Pack, list[str]]]) -> list[Problem]:
    seen: dict[str, Pack] = {}
    out = []
    for pack, names in ids:
        for name in names:
            if name in seen:
                out.append(Problem(f"{what} '{name}' is in pack {seen[name].name} and in pack {pack.name}; "
                                   "ids are unique across the packs loaded together", file=_pack_file(pack)))
            seen.setdefault(name, pack)
    return out


def set_sha256(hashes: Sequence[str]) -> str:
    """The sha256 of a set of packs: of the bytes of its members' sha256, as 64 lower-case hex digits each, in
    load order (the source pack first), joined by one NUL byte. Each member's own covers its content
    (``validate.py``: the canonical JSON of its pack.yaml, the sha256 of each stored source text, statements,
    fields, rules and scales), so the set's covers every rule, text and wording a report can show."""
    return hashlib.sha256("\0".join(hashes).encode("ascii")).hexdigest()


def combine(packs: Sequence[Pack]) -> Pack:
    """One Pack of several (the first the base: its name, version, directory, sites, and its wording of a
    field both word); its hash covers every member's hash, in order."""
    base = packs[0]
    meta = PackMeta.model_construct(
        name=base.meta.name, version=base.meta.version, description=base.meta.description,
        sources=[s for p in packs for s in p.meta.sources], sites=base.meta.sites, adds_to=None,
        areas=list(dict.fromkeys(a for p in packs for a in p.meta.areas)),
        factors=[f for p in packs for f in p.meta.factors],
        not_encoded=[n for p in packs for n in p.meta.not_encoded])
    digest = set_sha256([p.sha256 for p in packs])
    return Pack(base.directory, meta, linked_rules(packs),
                [s for p in packs for s in p.statements],
                {k: v for p in reversed(packs) for k, v in p.fields.items()},  # the base pack's wording first
                {k: v for p in packs for k, v in p.source_texts.items()}, digest,
                {k: v for p in reversed(packs) for k, v in p.groups.items()},
                scales=[s for p in packs for s in p.scales],
                guards={k: v for p in packs for k, v in p.guards.items()},
                links=[link for p in packs for link in p.links], members=tuple(packs))
