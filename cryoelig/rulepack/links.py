"""Reconciliation links: a field of a published scale that answers a question the source article's rules ask.

Why data: a SINS collapse is a fracture, a worst pain of 9 is pain, a Karnofsky 30 is an ECOG 4, an INR of
2.5 is a bleeding risk; a summary that lists those questions as not given contradicts the case it summarizes.
Each link is written in the pack that cites the paper it rests on (``links.yaml``), with its citation, and is
applied when the packs are loaded together (``rewrite``): every clause of the other packs' rules that a link
answers becomes ``any`` of the clause and the link's condition (guarded so that a link's field the case does
not give is false, never unknown: it adds no missing information). Both evaluators read the rewritten tree,
so they cannot drift apart, and a point raised through a link shows the link's clauses with the case values
and the link's note (id, reading, citation) in its basis: derived, never invented.

Two kinds: ``answers`` (a clause, met when ``when`` holds) and ``reads`` (a field read from another by a
published table, ``ecog`` from ``kps``: a clause on the field is met by either reading, and stays unknown
only when neither field is given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..citations import Cite
from ..errors import Problem
from .conditions import Condition, ConditionError, Leaf, Node, leaves, make_leaf, parse, parse_leaf
from .packyaml import line_at, read_yaml, validate

_NUMERIC = ("lt", "le", "gt", "ge", "eq", "ne")


class LinkSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(..., pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
    #: a clause of the other packs' rules, as ``rules show`` writes it (kind ``answers``)
    answers: str | None = None
    when: Any = None
    #: a field read from another field by a published table (kind ``reads``)
    reads: str | None = None
    source_field: str | None = Field(None, alias="from")
    table: dict[int, int] | None = None
    #: the reading, in the pack's words; shown with the link's clauses and in the input note
    text: str
    #: (kind ``reads``) written after the read field's placeholder in the texts of the rules it rewrites,
    #: so a point raised through the other field names its value ('(Karnofsky {kps}%)')
    shown_with: str | None = None
    cites: list[Cite] = Field(..., min_length=1)


class LinksFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    links: list[LinkSpec]


@dataclass(frozen=True)
class Link:
    """A validated link: its spec, the clause it answers (or the field it reads) and its condition."""

    spec: LinkSpec
    answers: Leaf | None
    condition: Condition | None

    @property
    def id(self) -> str:
        return self.spec.id

    def place(self, titles: Mapping[str, str]) -> str:
        """The citation as a note shows it: the short title of each source and the place in it."""
        return "; ".join(f"{titles.get(c.source, c.source)}, {c.locator or c.quote}" for c in self.spec.cites)


def link_of(spec: LinkSpec, fields: Mapping[str, Any]) -> Link:
    """Parse a link's clause and condition (raises ConditionError or ValueError)."""
    if (spec.answers is None) == (spec.reads is None):
        raise ValueError("a link either answers a clause (answers, when) or reads a field (reads, from, table)")
    if spec.answers is not None:
        if spec.when is None:
            raise ValueError("a link that answers a clause gives its condition (when)")
        return Link(spec, parse_leaf(spec.answers, fields), parse(spec.when, fields=fields))
    if spec.source_field is None or not spec.table:
        raise ValueError("a link that reads a field names the field it reads from (from) and the table")
    for name in (spec.reads, spec.source_field):
        parse_leaf(f"{name} exists", fields)
    return Link(spec, None, None)


def _guarded(cond: Condition) -> Condition:
    """The link's condition, false (never unknown) when the case does not give one of its fields."""
    names = dict.fromkeys(leaf.field for leaf in leaves(cond) if leaf.op != "derived")
    items = [make_leaf(name, "exists") for name in names if name != "site"]
    body = list(cond.items) if isinstance(cond, Node) and cond.op == "all" else [cond]
    return Node("all", (*items, *body))


def _range_leaf(name: str, keys: list[int], table_keys: list[int]) -> Leaf:
    """The clause a table's keys read as: ``kps <= 50`` when they are the lowest keys, ``>=`` the highest."""
    ordered = sorted(table_keys)
    if keys == ordered[:len(keys)]:
        return make_leaf(name, "le", keys[-1])
    if keys == ordered[-len(keys):]:
        return make_leaf(name, "ge", keys[0])
    return make_leaf(name, "in", tuple(keys))


def _read_through(leaf: Leaf, link: Link) -> tuple[Condition, Leaf | None]:
    """A clause on a field a table reads from another: met when the field meets it or the other field's grade
    by the table does (either reading), unknown only when neither is given. Returns the new node and the
    clause that reads the table."""
    spec = link.spec
    own, other = spec.reads or "", spec.source_field or ""
    if leaf.op == "exists":
        return Node("any", (leaf, make_leaf(other, "exists"))), None
    if leaf.op == "not_exists":
        return Node("all", (leaf, make_leaf(other, "not_exists"))), None
    keys = sorted(k for k, grade in (spec.table or {}).items() if leaf.test is not None and leaf.test(grade))
    table_keys = list(spec.table or {})
    read: Condition
    via = _range_leaf(other, keys, table_keys) if keys else None
    read = (Node("all", (make_leaf(other, "exists"), via)) if via is not None
            else Node("all", (make_leaf(other, "exists"), make_leaf(other, "not_exists"))))  # no grade meets it
    neither = Node("all", (make_leaf(own, "not_exists"), make_leaf(other, "not_exists"), leaf))
    return Node("any", (Node("all", (make_leaf(own, "exists"), leaf)), read, neither)), via


def rewrite(cond: Condition, links: Sequence[Link], notes: dict[str, str], titles: Mapping[str, str]) -> Condition:
    """A rule's condition with every clause a link answers (or reads) replaced; ``notes`` gets the note of
    each link clause, keyed by its text as the basis shows it."""
    if isinstance(cond, Node):
        return Node(cond.op, tuple(rewrite(item, links, notes, titles) for item in cond.items))
    answering = [link for link in links if link.answers is not None and link.answers.text == cond.text]
    reading = [link for link in links if link.spec.reads == cond.field and cond.op != "derived"
               and (cond.op in _NUMERIC or cond.op in ("exists", "not_exists", "in"))]
    if reading:
        node, via = _read_through(cond, reading[0])
        if via is not None:
            notes[via.text] = _note(reading[0], titles)
        return node
    if not answering:
        return cond
    items: list[Condition] = [cond]
    for link in answering:
        assert link.condition is not None
        items.append(_guarded(link.condition))
        for leaf in leaves(link.condition):
            if leaf.field != "site":
                notes.setdefault(leaf.text, _note(link, titles))
    return Node("any", tuple(items))


def _note(link: Link, titles: Mapping[str, str]) -> str:
    return f"derived through link {link.id}: {link.spec.text} ({link.place(titles)})"


def holds(cond: Condition, facts: Mapping[str, Any]) -> bool:
    """Whether a link's condition holds on the facts (two-valued: a field not given does not hold)."""
    if isinstance(cond, Node):
        results = [holds(item, facts) for item in cond.items]
        return all(results) if cond.op == "all" else any(results)
    if cond.op in ("exists", "not_exists"):
        return (cond.field in facts) == (cond.op == "exists")
    return cond.field in facts and cond.test is not None and bool(cond.test(facts[cond.field]))


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def _values_of(cond: Condition, facts: Mapping[str, Any]) -> str:
    names = dict.fromkeys(leaf.field for leaf in leaves(cond) if leaf.field != "site" and leaf.field in facts)
    return " and ".join(f"{name} {_shown(facts[name])}" for name in names)


def answer_notes(link: Link, facts: Mapping[str, Any]) -> list[str]:
    """The input note of a link that answers a clause: the field answered through another, or the two
    disagreeing (the field's own value fails the clause its link meets)."""
    clause, cond = link.answers, link.condition
    if clause is None or cond is None:
        return []
    if not holds(cond, facts):
        return _left_open(link, clause, cond, facts)
    given = _values_of(cond, facts)
    if clause.field not in facts:
        return [f"{clause.field} is not given; {given} answers '{clause.text}' through link {link.id} "
                f"({link.spec.text})"]
    if clause.test is not None and not clause.test(facts[clause.field]):
        return [f"{clause.field} is given as {_shown(facts[clause.field])} and {given} meets '{clause.text}' "
                f"through link {link.id}; they disagree; both are kept, and the reading through the link "
                "raises the point"]
    return []


def _left_open(link: Link, clause: Leaf, cond: Condition, facts: Mapping[str, Any]) -> list[str]:
    """A link whose field the case gives without meeting it (INR 1.2 for the bleeding question): the value is
    named beside the question it does not answer, which stays open (never read as "no")."""
    read = [leaf for leaf in leaves(cond) if leaf.field != "site"]
    if clause.field in facts or not any(leaf.field in facts for leaf in read):
        return []
    if not all(holds(leaf, facts) for leaf in leaves(cond) if leaf.field == "site"):
        return []
    return [f"{clause.field} is not given; {_values_of(cond, facts)} does not answer '{clause.text}' through link "
            f"{link.id} ({link.spec.text}): the question stays open"]


def read_notes(link: Link, facts: Mapping[str, Any], poor_from: int | None) -> list[str]:
    """The input note of a link that reads a field from another by a table: the field read through the
    other, or the two given and disagreeing (two grades or more apart, or on either side of the pack's
    reading of poor overall health)."""
    own, other, table = link.spec.reads or "", link.spec.source_field or "", link.spec.table or {}
    if other not in facts or facts[other] not in table:
        return []
    grade = table[facts[other]]
    if own not in facts:
        return [f"{own} is not given; {other} {_shown(facts[other])} reads as {own} {grade} through link "
                f"{link.id} ({link.spec.text})"]
    given = facts[own]
    apart = abs(given - grade) >= 2 or (poor_from is not None and (given >= poor_from) != (grade >= poor_from))
    if not apart:
        return []
    return [f"{own} is given as {_shown(given)} and {other} as {_shown(facts[other])}, which reads as {own} "
            f"{grade} through link {link.id}; they disagree; both are kept, and either reading raises the points that "
            f"read {own}"]


def link_notes(links: Sequence[Link], facts: Mapping[str, Any], poor_from: int | None) -> list[str]:
    """Every input note of the links on a case's facts, in the links' order."""
    out: list[str] = []
    for link in links:
        out += answer_notes(link, facts) if link.answers is not None else read_notes(link, facts, poor_from)
    return out


def read_links(directory: Path, meta: Any, specs: dict[str, Any], lint: Any,
                problems: list[Problem]) -> tuple[list[Link], Any]:
    """links.yaml, when the pack has one: each link parsed, citing a paper of this pack by place, its text
    linted like every text of the pack."""
    path = directory / "links.yaml"
    if not path.is_file():
        return [], None
    raw = read_yaml(path)
    parsed = validate(LinksFile, raw, str(path), problems)
    if parsed is None:
        return [], raw
    papers = {s.id for s in meta.sources if s.file is None}
    links, seen = [], set()
    for i, spec in enumerate(parsed.links):
        line = line_at(raw, ("links", i))
        if spec.id in seen:
            problems.append(Problem(f"link '{spec.id}' is written twice", file=str(path), line=line))
        seen.add(spec.id)
        try:
            links.append(link_of(spec, specs))
        except (ConditionError, ValueError) as error:
            problems.append(Problem(f"link '{spec.id}': {error}", file=str(path), line=line))
        for cite in spec.cites:
            if cite.source not in papers or cite.locator is None:
                problems.append(Problem(f"link '{spec.id}': cites '{cite.source}', not a paper of this pack "
                                        "named by place (a locator)", file=str(path), line=line))
        lint(f"link '{spec.id}'", f"{spec.text} {spec.shown_with or ''}", str(path), line, problems)
    return links, raw
