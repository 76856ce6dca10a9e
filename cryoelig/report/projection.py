"""The Report of one case: findings with their basis, missing information, why-not.

A projection of the case's Trace (``cryoelig.reasoning.evaluation``): the met rules become findings
(with the deciding clauses and case values as their basis, and the cited quotes), the rules
that did not apply keep the clauses that failed, and the fields the unknown rules wait on
become missing information.

Speed: what a rule puts in the report is fixed by its trace (a kept trace stands for the typed values
of the fields its rule reads, ``cryoelig.reasoning.memo``), so each rule's piece is kept per pack on
its trace, and each missing-information item on its field and the rules waiting on it: across
thousands of cases a report is mostly look-ups.
"""


from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ConfigDict

from ..case.contract import Case, case_fields
from ..reasoning.evaluation import RESULT_WORD, RuleTrace, Trace
from ..reasoning.memo import LIMIT, PerPack, Table
from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack, Rule, SourceSpec
from .basis import Clause, PackPart, PackRef, ReportModel, json_value
from .headline import Headline, headline_of
from .scalesection import PublishedScales, published_scales
from .valuetext import comparisons_in as comparisons_in  # re-exported: renderers and the service read them here
from .valuetext import exact_number as exact_number
from .valuetext import fill
from .valuetext import format_value as format_value
from .valuetext import shown_number as shown_number

REPORT_SCHEMA_VERSION = 1
DISCLAIMER = (
    "Non-diagnostic decision support for health-care professionals. This summary lists points "
    "from the cited source document to discuss with the multidisciplinary team; it is not a "
    "diagnosis and it does not decide treatment. The care team makes every treatment decision."
)


class SourceQuote(ReportModel):
    source: str
    title: str
    quote: str


class Finding(ReportModel):
    """A point to discuss: which rule raised it, on what case values, on what quote."""

    rule: str
    factor: str
    kind: Literal["supporting", "caution", "context"]
    text: str
    basis: list[Clause]
    sources: list[SourceQuote]


class Missing(ReportModel):
    """A field the case does not give that would decide whether some rules apply.

    One item per field (``factor`` is ``missing.<field>``, what a batch counts), ranked: the fields
    the site's own points wait on first (``scope: site``), then those any site's points wait on
    (``scope: general``). Fields of one ``group`` (fields.yaml, e.g. the yes/no concerns) are shown
    together as one item."""

    field: str
    factor: str
    kind: Literal["missing"] = "missing"
    label: str
    why: str
    rules: list[str]
    #: the points waiting on the field (their factor labels); ``why`` says them in a sentence
    points: list[str]
    scope: Literal["site", "general"]
    #: what the field means (fields.yaml ``help``)
    meaning: str | None = None
    group: str | None = None
    group_label: str | None = None


class NotApplicable(ReportModel):
    """A rule that did not apply, with the clauses that failed and the case values."""

    rule: str
    factor: str | None
    kind: str
    clauses: list[Clause]


class DerivedFact(ReportModel):
    name: str
    rule: str
    basis: list[Clause]


class SourceInfo(ReportModel):
    """A source document the report quotes, as its one "Source:" line names it."""

    id: str
    title: str
    publisher: str | None = None
    date: str | None = None
    description: str | None = None
    scope: str | None = None


class Report(ReportModel):
    """The explained summary of one case (deterministic for a given case and pack)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig report (schema version 1)")

    schema_version: int = REPORT_SCHEMA_VERSION
    case_id: str
    site: str
    #: what matters first: the counts of the points and of the published bands at a named threshold
    headline: Headline | None = None
    facts: dict[str, Any]
    input_notes: list[str]
    findings: list[Finding]
    missing: list[Missing]
    not_applicable: list[NotApplicable]
    derived: list[DerivedFact]
    #: the published scales beside the source article (a pack set with a published-scales pack; else None)
    published_scales: PublishedScales | None = None
    pack: PackRef
    #: the source documents the points quote (pack order), each named once by every view
    sources: list[SourceInfo]
    disclaimer: str = DISCLAIMER


def sources_of(pack: Pack, rule: Rule) -> list[SourceQuote]:
    """The quotes a rule cites, with the title of each source (a paper cited by place has no quote:
    ``explain.places_of``)."""
    return [SourceQuote(source=c.source, title=pack.source_by_id[c.source].title, quote=c.quote)
            for c in rule.spec.cites if c.quote is not None]


def source_info(spec: SourceSpec) -> SourceInfo:
    return SourceInfo(id=spec.id, title=spec.title, publisher=spec.publisher, date=spec.date,
                      description=spec.description, scope=spec.scope)


# ---------------------------------------------------------------- the projection


def _clauses(rt: RuleTrace, facts: Any) -> list[Clause]:
    """The deciding clauses with the case values; a derived fact shows the clauses of the rules
    that established it (or failed to)."""
    out = []
    notes = rt.rule.spec.notes
    seen: set[str] = set()
    for leaf, result in rt.deciders:
        if leaf.text in seen:  # a clause a link's rewrite repeats (its guard) is shown once
            continue
        seen.add(leaf.text)
        if leaf.op == "derived":
            value = "; ".join(
                f"{d.rule.id}: " + ", ".join(lf.text for lf, _ in d.deciders)
                for d in rt.derivers.get(leaf.field, ()) if d.result is result
            ) or None
            out.append(Clause(clause=leaf.text, field=None, value=value, result=RESULT_WORD[result]))
        else:
            out.append(Clause(clause=leaf.text, field=leaf.field, value=json_value(facts.get(leaf.field)),
                              result=RESULT_WORD[result], note=notes.get(leaf.text)))
    return out


def _piece(rt: RuleTrace, pack: Pack, facts: Any) -> Finding | DerivedFact | NotApplicable:
    """What a decided rule contributes to the report. Kept per trace (``_Memo``), so shared by every
    case with the same typed values for the fields the rule reads: the values print alike."""
    rule, spec = rt.rule, rt.rule.spec
    if rt.result is False:
        return NotApplicable(rule=rule.id, factor=spec.factor, kind=spec.kind, clauses=_clauses(rt, facts))
    if spec.kind == "derived":
        return DerivedFact(name=spec.derives or "", rule=rule.id, basis=_clauses(rt, facts))
    return Finding(rule=rule.id, factor=spec.factor or "", kind=spec.kind,  # type: ignore[arg-type]
                   text=fill(rule, facts), basis=_clauses(rt, facts), sources=sources_of(pack, rule))


def report_of(case: Case, trace: Trace) -> Report:
    """The report of one case, projected from its Trace (deterministic for a case and a pack)."""
    return project(case.case_id, case.site, case.input_notes(trace.pack), trace)


def project(case_id: str, site: str, notes: list[str], trace: Trace, *, replayed: bool = False) -> Report:
    """The report of a case's id, site and input notes and its Trace: the one projection, for a reviewed
    case and for a compact report expanded (``report.replay``: ``replayed``, its decisions read back from a
    file, whose section of published scales is then built afresh and never kept for a reviewed case)."""
    pack, facts = trace.pack, trace.facts
    memo = _memo(pack)
    findings: list[Finding] = []
    derived: list[DerivedFact] = []
    not_applicable: list[NotApplicable] = []
    waiting: dict[str, list[str]] = {}
    views = memo.views
    kept = views.get
    for rt in memo.source_traces(trace.rules):
        view = kept(rt)
        if view is None:
            view = views.keep(rt, _view(rt, pack, facts))
        kind = view[0]  # the commonest first: most rules of a case did not apply
        if kind is _NOT_APPLICABLE:
            not_applicable.append(view[1])
        elif kind is _FINDING:
            findings.append(view[1])
        elif kind is _WAITING:
            for name in view[1]:
                waiting.setdefault(name, []).append(rt.rule.id)
        elif kind is _DERIVED:
            derived.append(view[1])
    scales = published_scales(trace, [f.rule for f in findings], fill, replayed=replayed)
    return Report(
        case_id=case_id, site=site, headline=headline_of(pack, site, findings, scales),
        facts=memo.shown_facts(facts), input_notes=notes,
        findings=findings, missing=memo.missing(pack, waiting), not_applicable=not_applicable, derived=derived,
        published_scales=scales, pack=memo.pack_ref,
        sources=memo.sources_used(findings),  # the source article's; the papers: published_scales
    )


_FINDING, _NOT_APPLICABLE, _DERIVED, _WAITING = "finding", "not_applicable", "derived", "waiting"


def _view(rt: RuleTrace, pack: Pack, facts: Any) -> tuple[str | None, Any]:
    """Where a rule's trace goes in the report and what it puts there, built once per kept trace: its piece
    (a finding, a rule that did not apply, a derived fact), the fields an unknown point waits on, or nothing
    (an unknown derived fact)."""
    if rt.result is None:
        return (_WAITING, rt.waits_on) if rt.rule.spec.kind != "derived" else (None, None)
    piece = _piece(rt, pack, facts)
    if rt.result is False:
        return _NOT_APPLICABLE, piece
    return (_DERIVED if rt.rule.spec.kind == "derived" else _FINDING), piece


class _Memo:
    """What report_of reads of a pack, built once per pack, and what it keeps: the view of each trace of a
    source-article rule (the rules whose points the report lists; a published scale's go to its own
    section), as many per rule as the evaluation keeps traces; the order the report lists facts in; the
    pack reference and the source article's sources; the missing-information items built so far. Holds
    no Pack (``PerPack``)."""

    def __init__(self, pack: Pack):
        self.of_a_scale = [rule.id in pack.rule_scale for rule in pack.rules]
        count = self.of_a_scale.index(True) if True in self.of_a_scale else len(self.of_a_scale)
        #: the source rules are the first ``count`` (the scales' rules all at the end), else None
        self.count: int | None = (count if not any(self.of_a_scale[:count]) and all(self.of_a_scale[count:])
                                  else None)
        self.views = Table(LIMIT * max(1, self.of_a_scale.count(False)))
        self.order = {name: i for i, name in enumerate(case_fields())}
        self.lists = frozenset(name for name, spec in case_fields().items() if spec["type"] == "list")
        source = pack.parts[0]
        self.pack_ref = pack_ref(pack)
        self.sources = tuple(source_info(s) for s in source.meta.sources)
        self.cited = {r.id: frozenset(c.source for c in r.spec.cites) for r in source.rules}
        self.site_rules = site_specific_rules(pack)
        self.items: Table = Table(4096)

    def source_traces(self, traces: list[RuleTrace]) -> list[RuleTrace]:
        """The traces of the source article's rules."""
        if self.count is not None:
            return traces[:self.count]
        return [rt for rt, of_a_scale in zip(traces, self.of_a_scale, strict=True) if not of_a_scale]

    def shown_facts(self, facts: Any) -> dict[str, Any]:
        """The case's facts as the report lists them: the case fields given, in the schema's order (a list
        as a JSON list). Sorted per case: which fields a case gives varies too much for a memo."""
        lists = self.lists
        return {name: list(facts[name]) if name in lists else facts[name]
                for name in sorted(facts.keys() & self.order.keys(), key=self.order.__getitem__)}

    def sources_used(self, findings: Sequence[Finding]) -> list[SourceInfo]:
        return _quoted(self.sources, self.cited, [f.rule for f in findings])

    def sources_of(self, rule_ids: Sequence[str]) -> list[SourceInfo]:
        """The sources a report of these points (rule ids) names (a compact batch's summary asks)."""
        return _quoted(self.sources, self.cited, rule_ids)

    def missing(self, pack: Pack, waiting: dict[str, list[str]]) -> list[Missing]:
        """The missing-information items for the fields waited on (``waiting``: field -> the rules waiting,
        in pack order), in ``missing_order``. Not kept per set of waiting rules: a batch keeps meeting new
        sets (19,108 kept after 200,000 generated rows, +19 MiB), while each item is."""
        items = []
        for key in self.missing_order(waiting):
            item = self.items.get(key)
            if item is None:
                item = self.items.keep(key, _missing_item(pack, key[0], key[1], self.site_rules))
            items.append(item)
        return items

    def missing_order(self, waiting: dict[str, list[str]]) -> list[tuple[str, tuple[str, ...]]]:
        """The fields waited on with their waiting rules as the report lists them: the site's own items first
        (a rule of one site waits on them), each part in the schema's order (a compact report stores this)."""
        order, site_rules = self.order, self.site_rules
        keys = [(name, tuple(waiting[name])) for name in sorted((n for n in waiting if n in order),
                                                                 key=order.__getitem__)]
        keys.sort(key=lambda k: not any(r in site_rules for r in k[1]))  # stable: the site's own first
        return keys


_memo = PerPack(_Memo).get


def _quoted(sources: tuple[SourceInfo, ...], cited: dict[str, frozenset[str]],
            rule_ids: Sequence[str]) -> list[SourceInfo]:
    """The sources the findings (their rule ids) quote, in pack order (every source of the pack when none is
    quoted, so that no report leaves its sources unnamed)."""
    if len(sources) == 1:
        return list(sources)
    quoted = frozenset().union(*(cited[rule_id] for rule_id in rule_ids))
    return [s for s in sources if s.id in quoted or not quoted]


def report_memo(pack: Pack) -> _Memo:
    """What the projection reads of a pack (the source rules' traces, the facts a report lists, the order of
    its missing information), for the compact report, which stores the same decisions without the words."""
    return _memo(pack)


def sources_used(source: Pack, findings: Sequence[Any]) -> list[SourceInfo]:
    """The sources of ``source`` (the source article's pack: a set's first part) that the findings quote,
    as a report lists them (the batch's column-wise summary asks without a report)."""
    memo = _memo(source)
    return _quoted(memo.sources, memo.cited, [f.rule for f in findings])


def _missing_item(pack: Pack, name: str, rule_ids: tuple[str, ...], site_rules: frozenset[str]) -> Missing:
    """One item of missing information; its ``why`` names the points waiting (the section says once
    what an item means, so no item repeats it)."""
    spec = pack.fields.get(name)
    labels = []
    for rule_id in rule_ids:
        factor = pack.factor_by_id.get(pack.rule_by_id[rule_id].spec.factor or "")
        label = factor.label if factor else rule_id
        if label not in labels:
            labels.append(label)
    group = pack.group_of.get(name)
    return Missing(field=name, factor=f"missing.{name}", label=spec.label if spec else name,
                   why=f"Points waiting: {'; '.join(labels)}.", rules=list(rule_ids), points=labels,
                   scope="site" if any(r in site_rules for r in rule_ids) else "general",
                   meaning=spec.help if spec else None, group=group,
                   group_label=pack.groups[group].label if group else None)


def site_specific_rules(pack: Pack) -> frozenset[str]:
    """The rules that raise points for one site only: their condition reads ``site == X`` (or
    ``site in [X]``), or a derived fact only such rules establish (``derived bone_metastatic``)."""
    def own(rule: Rule) -> bool:
        return any(leaf.field == "site" and leaf.op in ("eq", "in") and
                   (leaf.op == "eq" or len(leaf.value) == 1) for leaf in leaves(rule.condition))

    found = {rule.id for rule in pack.rules if own(rule)}
    derived_of_site = {rule.spec.derives for rule in pack.rules if rule.spec.derives and rule.id in found}
    derived_of_site -= {rule.spec.derives for rule in pack.rules if rule.spec.derives and rule.id not in found}
    for rule in pack.rules:
        if any(leaf.op == "derived" and leaf.field in derived_of_site for leaf in leaves(rule.condition)):
            found.add(rule.id)
    return frozenset(found)


def pack_ref(pack: Pack) -> PackRef:
    """The pack (a set: its sha256, its parts with theirs) as a report, an output and the service name it."""
    parts = [PackPart(name=p.name, version=p.version, sha256=p.sha256) for p in pack.members]
    return PackRef(name=pack.name, version=pack.version, sha256=pack.sha256, parts=parts)
