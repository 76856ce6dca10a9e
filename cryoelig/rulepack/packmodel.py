"""What a rule pack is made of: the schemas of its files, and the loaded Rule and Pack.

Why apart from the loader: every part of the library reads a Pack; only the loader reads YAML.
Keeping the data types here lets the evaluation, the engine and the views depend on the pack's
shape without depending on how it was validated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..case.contract import case_fields
from ..citations import CitationFields, Cite
from ..errors import PackError, Problem
from ..scales.scalemodel import Scale
from ..scales.scoring import consistency_problems
from .conditions import Condition, derived_refs, leaves
from .conventions import ecog_poor_from
from .links import Link, link_notes

SPECIAL_FILES = ("pack.yaml", "statements.yaml", "fields.yaml", "scales.yaml", "links.yaml")
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")


# ---------------------------------------------------------------- file schemas

class _Strict(BaseModel):
    # defer_build: a pack read from the validated cache never pays for building validators.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceSpec(CitationFields):
    """A source: a text stored with the pack (``file``, quoted verbatim by the rules), or a paper cited
    in full (the citation fields, named by place by the rules): exactly one of the two; and what every
    output says about it on its one "Source:" line."""

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]*$")
    file: str | None = None
    title: str
    #: who published it, as a kind of publisher ("a treatment clinic's website")
    publisher: str | None = None
    #: when, if the source says; None is shown as "date not given"
    date: str | None = None
    #: what kind of document it is, plainly ("a clinic's web article, not a clinical guideline")
    description: str | None = None
    #: what it covers, when its title says less or more ("its title is about ...; it also mentions ...")
    scope: str | None = None
    provenance: str | None = None


class SiteSpec(_Strict):
    """A site a case can name: the id cases and clauses use, and how lists show it."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    label: str


class FactorSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")
    kind: Literal["supporting", "caution", "context"]
    label: str


class NotEncoded(_Strict):
    """A statement of the source text (by id), or an item of a cited paper, deliberately not encoded."""

    statement: str | None = None
    item: str | None = None
    reason: str


class PackMeta(_Strict):
    name: str
    version: str
    description: str | None = None
    sources: list[SourceSpec] = Field(..., min_length=1)
    #: the sites a case can name; a pack that adds to another pack names that pack in adds_to instead
    sites: list[SiteSpec] = []
    adds_to: str | None = None
    #: rule files (names without .yaml) in reading order; any other file comes after, by name
    areas: list[str] = []
    factors: list[FactorSpec] = Field(..., min_length=1)
    not_encoded: list[NotEncoded] = []


class RuleSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
    kind: Literal["supporting", "caution", "context", "derived"]
    factor: str | None = None
    derives: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")
    when: Any
    text: str | None = None
    cites: list[Cite] = Field(..., min_length=1)
    #: clause (as written in negation normal form, e.g. 'ecog >= 3') -> a note shown with it in the
    #: basis, for readings that are the tool's convention rather than the source's
    notes: dict[str, str] = {}


class RuleFile(_Strict):
    area: str
    rules: list[RuleSpec]


class Statement(_Strict):
    id: str
    topic: str
    quote: str


class StatementsFile(_Strict):
    source: str
    statements: list[Statement]


class FieldSpec(_Strict):
    label: str
    question: str
    help: str | None = None
    #: how listed values are shown, where the value alone reads badly (primary cancer 'unknown')
    values: dict[str, str] = {}


class FieldGroup(_Strict):
    """Fields shown as one item of missing information (e.g. the yes/no concerns)."""

    label: str
    fields: list[str] = Field(..., min_length=1)


class FieldsFile(_Strict):
    fields: dict[str, FieldSpec]
    groups: dict[str, FieldGroup] = {}


def field_specs(site_ids: list[str] | tuple[str, ...] | None) -> dict[str, dict[str, Any]]:
    """The case fields as clauses read them, with ``site`` taking the pack's sites (any site when None:
    a pack that adds to another pack's sites, checked against them when the two are loaded together)."""
    return {name: ({"type": "enum", "values": None if site_ids is None else list(site_ids)} if name == "site"
                   else spec) for name, spec in case_fields().items()}


def computed_specs(scales: list[Scale]) -> dict[str, dict[str, Any]]:
    """The computed facts a pack's rules may read besides the case fields: the scores' totals."""
    return {s.fact: {"type": "number", "values": None} for s in scales if s.kind == "score" and s.fact}


# ---------------------------------------------------------------- loaded pack

@dataclass(frozen=True)
class Rule:
    """A validated rule with its parsed condition and where it was written."""

    spec: RuleSpec
    condition: Condition
    area: str
    file: str
    line: int | None
    #: (field, fragment) pairs a reconciliation link adds: the fragment is written after the field's value
    #: in the filled text only when the case gives every field it names (never "Karnofsky not given")
    shown_with: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @functools.cached_property
    def fields(self) -> list[str]:
        """Case fields this rule reads, in order, without repeats (computed once per rule)."""
        seen: dict[str, None] = {}
        for leaf in leaves(self.condition):
            if leaf.op != "derived":
                seen.setdefault(leaf.field, None)
        return list(seen)


@dataclass(eq=False)
class Pack:
    """A loaded, validated rule pack, or a set of packs loaded together (``members``: the packs, the
    first one the base whose sites the others use; rules, factors, sources and fields are theirs
    joined). Rules are in evaluation order (derivers first). A pack that breaks what the memos of the
    evaluation and the report assume (``memo_problems``) is refused as it is made: PackError."""

    directory: Path
    meta: PackMeta
    rules: list[Rule]
    statements: list[Statement]
    fields: dict[str, FieldSpec]
    source_texts: dict[str, str]
    sha256: str
    #: fields.yaml ``groups``: fields shown together as one item of missing information
    groups: dict[str, FieldGroup] = field(default_factory=dict)
    #: published scales (scales.yaml) and each one's applies_when, parsed
    scales: list[Scale] = field(default_factory=list)
    guards: dict[str, Condition] = field(default_factory=dict)
    #: reconciliation links (links.yaml): fields of this pack's papers that answer other packs' clauses
    links: list[Link] = field(default_factory=list)
    members: tuple[Pack, ...] = ()
    rule_by_id: dict[str, Rule] = field(default_factory=dict)
    factor_by_id: dict[str, FactorSpec] = field(default_factory=dict)
    source_by_id: dict[str, SourceSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rule_by_id = {r.id: r for r in self.rules}
        self.factor_by_id = {f.id: f for f in self.meta.factors}
        self.source_by_id = {s.id: s for s in self.meta.sources}
        problems = memo_problems(self)
        if problems:
            raise PackError(problems)

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version

    @functools.cached_property
    def site_ids(self) -> tuple[str, ...]:
        """The sites a case can name, in the pack's order."""
        return tuple(s.id for s in self.meta.sites)

    @functools.cached_property
    def site_labels(self) -> dict[str, str]:
        return {s.id: s.label for s in self.meta.sites}

    @functools.cached_property
    def field_specs(self) -> dict[str, dict[str, Any]]:
        """``case_fields()`` with this pack's sites as the values of ``site``."""
        return field_specs(self.site_ids)

    @functools.cached_property
    def group_of(self) -> dict[str, str]:
        """Field -> the group (fields.yaml ``groups``) it is shown in, if any."""
        return {name: group for group, spec in self.groups.items() for name in spec.fields}

    @property
    def parts(self) -> tuple[Pack, ...]:
        """The packs this one is made of: its members, or itself."""
        return self.members or (self,)

    @functools.cached_property
    def scale_by_id(self) -> dict[str, Scale]:
        return {s.id: s for s in self.scales}

    @functools.cached_property
    def ecog_poor_from(self) -> int | None:
        """The lowest ECOG this pack's rules read as poor overall health, by the tool's convention they note
        (``cryoelig.rulepack.conventions``); None when they state none."""
        return ecog_poor_from(self.rules)

    def link_notes(self, facts: Mapping[str, Any]) -> list[str]:
        """The input notes of the reconciliation links on a case's facts: a field answered through another,
        or two fields that answer one question and disagree (the case contract asks)."""
        return link_notes(self.links, facts, self.ecog_poor_from) if self.links else []

    def total_problems(self, facts: Mapping[str, Any], file: str | None = None,
                       row: int | None = None) -> list[Problem]:
        """Every published-scale total the case gives that the components it gives cannot add up to, by
        this pack's points (the case contract asks: ``cryoelig.case.packterms``)."""
        return consistency_problems(self.scales, facts, file, row)

    @functools.cached_property
    def computed_inputs(self) -> dict[str, tuple[str, ...]]:
        """Computed fact -> the components it is computed from (``scales.mirels_total`` -> mirels.site, ...);
        a total given instead (``mirels.total``) is the other way to know it."""
        return {s.fact: tuple(c.field for c in s.components) for s in self.scales if s.kind == "score" and s.fact}

    @functools.cached_property
    def asked_inputs(self) -> dict[str, tuple[str, ...]]:
        """Computed fact -> the case fields a checklist asks for it: its inputs, then the letters a score
        notes beside its total (R.E.N.A.L.'s a/p/x and h), which the team records with the components."""
        return {s.fact: (*s.total_inputs, *(d.field for d in s.descriptors))
                for s in self.scales if s.kind == "score" and s.fact}

    @functools.cached_property
    def rule_scale(self) -> dict[str, str]:
        """Rule id -> the scale whose band (or 'given' factor) the rule raises: these rules' points belong
        to the published-scales section of a report, never to the source article's points."""
        by_factor = {factor: s.id for s in self.scales for factor in s.factors}
        return {r.id: by_factor[r.spec.factor] for r in self.rules if r.spec.factor in by_factor}

    def asked_fields(self, names: Iterable[str], facts: Mapping[str, Any]) -> list[str]:
        """Fields a case can give, for fields a rule reads: a computed total stands for its components the
        case does not give (``scales.mirels_total`` -> the Mirels components missing)."""
        out: dict[str, None] = {}
        for name in names:
            inputs = self.computed_inputs.get(name)
            if inputs is None:
                out[name] = None
            else:
                out.update(dict.fromkeys(f for f in inputs if f not in facts))
        return list(out)

    def derivers(self, name: str) -> list[Rule]:
        return [r for r in self.rules if r.spec.derives == name]


def memo_problems(pack: Pack) -> list[Problem]:
    """Where a pack breaks what the memos (``cryoelig.reasoning.memo``) assume, one problem per rule or scale.

    A rule's trace is kept on the values of the case fields its conditions read and on the traces of the
    rules deriving the facts it reads, as they stand when the rule is evaluated; the report's piece is kept
    on that trace; a published-scales section on the fields of its scales (inputs, applies_when, and the
    fields of the scales' rules, a scale's own total standing for its inputs); a missing-information item
    on rule ids. So: every rule deriving a fact comes before every rule reading it; a rule's text shows only
    case fields its conditions read; a scale's rules read no derived fact and no other scale's total; a
    scale's applies_when reads no derived fact; rule ids are unique.
    """
    problems: list[tuple[Rule, str]] = []
    first_reader: dict[str, Rule] = {}
    ids: set[str] = set()
    for rule in pack.rules:
        if rule.id in ids:
            problems.append((rule, "its id is that of another rule of the pack; ids are unique"))
        ids.add(rule.id)
        for name in derived_refs(rule.condition):
            first_reader.setdefault(name, rule)
        reader = first_reader.get(rule.spec.derives or "")
        if reader is not None:
            problems.append((rule, f"derives '{rule.spec.derives}' after rule '{reader.id}' reads it; a rule "
                                   "deriving a fact comes before every rule reading it"))
        problems += [(rule, message) for message in _key_problems(pack, rule)]
    out = [Problem(f"rule '{rule.id}': {message}", file=rule.file, line=rule.line) for rule, message in problems]
    for part in pack.parts:
        out += [Problem(f"scale '{scale_id}' applies_when reads a derived fact; it reads case fields",
                        file=str(part.directory / "scales.yaml"))
                for scale_id, guard in part.guards.items() if derived_refs(guard)]
    return out


def _key_problems(pack: Pack, rule: Rule) -> list[str]:
    """What a rule shows or reads beyond the key its piece (or its scale's section) is kept on."""
    out = [f"its text shows '{{{name}}}', which is not a case field its conditions read"
           for name in PLACEHOLDER.findall(rule.spec.text or "") if name not in rule.fields]
    scale = pack.rule_scale.get(rule.id)
    if scale is not None:
        if derived_refs(rule.condition):
            out.append(f"a rule of scale '{scale}' reads a derived fact; a scale's rules read case fields")
        totals = {s.fact: s.id for s in pack.scales if s.kind == "score" and s.fact}
        out += [f"a rule of scale '{scale}' reads '{name}', the total of scale '{totals[name]}'"
                for name in rule.fields if totals.get(name, scale) != scale]
    return out
