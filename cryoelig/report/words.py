"""The words of a pack set, written once per batch run beside its compact results (``<out>.words.json``).

Why: a compact report (``report.compact``) holds ids and values; a reader of the results file without
cryoelig installed still needs the words those ids stand for. This is every word the reports of the run
take from the pack, keyed by the ids the compact lines use, with the pack set's sha256 the lines name:
per rule its factor and label, kind, text template (``{field}`` filled with the case value), the clause texts
in the order of the lines' clause indexes, the quotes and their sources; per field its label and meaning;
per published scale its labels, bands and papers. ``cryoelig expand`` does not read it (it expands from the
pack itself, whose sha256 must match): it is for people and other tools.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..citations import full_reference, short_reference
from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack, Rule
from .basis import PackRef
from .projection import DISCLAIMER, SourceInfo, pack_ref, source_info

WORDS_SCHEMA_VERSION = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleQuote(_Model):
    source: str
    quote: str


class RuleWords(_Model):
    """A rule's words: ``clauses[i]`` is what a compact line's clause index ``i`` stands for."""

    kind: str
    factor: str | None
    factor_label: str | None
    text: str | None
    clauses: list[str]
    #: per clause (same order), the pack's note on its reading, if any
    clause_notes: list[str | None]
    derives: str | None = None
    scale: str | None = None
    quotes: list[RuleQuote]
    #: the sources the rule cites (a paper cited by place has no quote)
    sources: list[str]


class FieldWords(_Model):
    label: str
    meaning: str | None


class BandWords(_Model):
    id: str
    label: str
    named_threshold: bool


class ScaleCiteWords(_Model):
    source: str
    locator: str | None


class ScaleWords(_Model):
    name: str
    short: str
    kind: str
    applies_to: str
    components: dict[str, str]
    bands: list[BandWords]
    cites: list[ScaleCiteWords]


class PaperWords(_Model):
    short: str
    reference: str


class Words(_Model):
    """Every word a run's reports take from the pack set, by id."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig words of a pack set (schema version 2)")

    schema_version: Literal[2] = WORDS_SCHEMA_VERSION
    pack: PackRef
    disclaimer: str = DISCLAIMER
    rules: dict[str, RuleWords]
    fields: dict[str, FieldWords]
    scales: dict[str, ScaleWords]
    #: the stored source texts the rules quote (as a report's "Source:" line names them)
    sources: list[SourceInfo]
    #: the papers cited by place (the published scales'), by source id, as the scales section names them
    papers: dict[str, PaperWords]


def _rule_words(pack: Pack, rule: Rule) -> RuleWords:
    spec = rule.spec
    factor = pack.factor_by_id.get(spec.factor or "")
    clauses = [leaf.text for leaf in leaves(rule.condition)]
    return RuleWords(kind=spec.kind, factor=spec.factor, factor_label=factor.label if factor else None,
                     text=spec.text, clauses=clauses, clause_notes=[spec.notes.get(c) for c in clauses],
                     derives=spec.derives, scale=pack.rule_scale.get(rule.id),
                     quotes=[RuleQuote(source=c.source, quote=c.quote) for c in spec.cites if c.quote is not None],
                     sources=list(dict.fromkeys(c.source for c in spec.cites)))


def words_of(pack: Pack) -> Words:
    """The words of a loaded pack set (deterministic: pack order throughout)."""
    scales = {s.id: ScaleWords(name=s.name, short=s.short, kind=s.kind, applies_to=s.applies_to,
                               components={c.field: c.label for c in s.components},
                               bands=[BandWords(id=b.id, label=b.label, named_threshold=b.named_threshold)
                                      for b in s.bands],
                               cites=[ScaleCiteWords(source=c.source, locator=c.locator) for c in s.cites])
              for s in pack.scales}
    every = [s for part in pack.parts for s in part.meta.sources]
    # a paper is named as every view names it, its title a marked quotation (its words are the paper's)
    papers = {s.id: PaperWords(short=short_reference(s), reference=full_reference(s, s.title, s.publisher))
              for s in every if s.file is None}
    sources: list[Any] = [source_info(s) for s in every if s.file is not None]
    return Words(pack=pack_ref(pack), rules={r.id: _rule_words(pack, r) for r in pack.rules},
                 fields={name: FieldWords(label=spec.label, meaning=spec.help) for name, spec in pack.fields.items()},
                 scales=scales, sources=sources, papers=papers)


def words_json(pack: Pack) -> bytes:
    """The words file's bytes: indented JSON (read by people), one file per run."""
    return (words_of(pack).model_dump_json(indent=2) + "\n").encode()
