"""What a rule pack is made of: the schemas of its files, and the loaded Rule and Pack.

Why apart from the loader: every part of the library reads a Pack; only the loader reads YAML.
Keeping the data types here lets the evaluation, the engine and the views depend on the pack's
shape without depending on how it was validated.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .case import case_fields
from .conditions import Condition, leaves

SPECIAL_FILES = ("pack.yaml", "statements.yaml", "fields.yaml")
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")


# ---------------------------------------------------------------- file schemas

class _Strict(BaseModel):
    # defer_build: a pack read from the validated cache never pays for building validators.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceSpec(_Strict):
    """A source document, and what every output says about it on its one "Source:" line."""

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]*$")
    file: str
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
    statement: str
    reason: str


class PackMeta(_Strict):
    name: str
    version: str
    description: str | None = None
    sources: list[SourceSpec] = Field(..., min_length=1)
    sites: list[SiteSpec] = Field(..., min_length=1)
    #: rule files (names without .yaml) in reading order; any other file comes after, by name
    areas: list[str] = []
    factors: list[FactorSpec] = Field(..., min_length=1)
    not_encoded: list[NotEncoded] = []


class Cite(_Strict):
    source: str
    quote: str = Field(..., min_length=3)


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


def field_specs(site_ids: list[str] | tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The case fields as clauses read them, with ``site`` taking the pack's sites."""
    return {name: ({"type": "enum", "values": list(site_ids)} if name == "site" else spec)
            for name, spec in case_fields().items()}


# ---------------------------------------------------------------- loaded pack

@dataclass(frozen=True)
class Rule:
    """A validated rule with its parsed condition and where it was written."""

    spec: RuleSpec
    condition: Condition
    area: str
    file: str
    line: int | None

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
    """A loaded, validated rule pack. Rules are in evaluation order (derivers first)."""

    directory: Path
    meta: PackMeta
    rules: list[Rule]
    statements: list[Statement]
    fields: dict[str, FieldSpec]
    source_texts: dict[str, str]
    sha256: str
    #: fields.yaml ``groups``: fields shown together as one item of missing information
    groups: dict[str, FieldGroup] = field(default_factory=dict)
    rule_by_id: dict[str, Rule] = field(default_factory=dict)
    factor_by_id: dict[str, FactorSpec] = field(default_factory=dict)
    source_by_id: dict[str, SourceSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rule_by_id = {r.id: r for r in self.rules}
        self.factor_by_id = {f.id: f for f in self.meta.factors}
        self.source_by_id = {s.id: s for s in self.meta.sources}

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

    def derivers(self, name: str) -> list[Rule]:
        return [r for r in self.rules if r.spec.derives == name]
