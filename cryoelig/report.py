"""The Report of one case: findings with their basis, missing information, why-not.

A projection of the case's Trace (``cryoelig.evaluation``): the met rules become findings
(with the deciding clauses and case values as their basis, and the cited quotes), the rules
that did not apply keep the clauses that failed, and the fields the unknown rules wait on
become missing information. Each rule's piece is built once per memo entry of its trace
(``RuleTrace.views``), so across thousands of cases a report is mostly look-ups.
"""


import functools
import operator
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .case import Case, case_fields
from .conditions import leaves
from .evaluation import RESULT_WORD, RuleTrace, Trace, evaluate
from .packmodel import PLACEHOLDER, Pack, Rule, SourceSpec
from .scales_report import PublishedScales, published_scales

REPORT_SCHEMA_VERSION = 1
DISCLAIMER = (
    "Non-diagnostic decision support for health-care professionals. This summary lists points "
    "from the cited source document to discuss with the multidisciplinary team; it is not a "
    "diagnosis and it does not decide treatment. The care team makes every treatment decision."
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Model):
    """One clause of a rule's condition with the case value it was checked against."""

    clause: str
    field: str | None
    value: Any = None
    result: Literal["met", "not met", "unknown"]
    #: what the pack says about this clause's reading (e.g. a convention of the tool, not the source's)
    note: str | None = None


class SourceQuote(_Model):
    source: str
    title: str
    quote: str


class Finding(_Model):
    """A point to discuss: which rule raised it, on what case values, on what quote."""

    rule: str
    factor: str
    kind: Literal["supporting", "caution", "context"]
    text: str
    basis: list[Clause]
    sources: list[SourceQuote]


class Missing(_Model):
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


class NotApplicable(_Model):
    """A rule that did not apply, with the clauses that failed and the case values."""

    rule: str
    factor: str | None
    kind: str
    clauses: list[Clause]


class DerivedFact(_Model):
    name: str
    rule: str
    basis: list[Clause]


class PackRef(_Model):
    name: str
    version: str
    sha256: str


class SourceInfo(_Model):
    """A source document the report quotes, as its one "Source:" line names it."""

    id: str
    title: str
    publisher: str | None = None
    date: str | None = None
    description: str | None = None
    scope: str | None = None


class Report(_Model):
    """The explained summary of one case (deterministic for a given case and pack)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig report (schema version 1)")

    schema_version: int = REPORT_SCHEMA_VERSION
    case_id: str
    site: str
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


# ---------------------------------------------------------------- formatting

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}
_COMPARISON = re.compile(r"^\S+ (<=|>=|<|>|==|!=) (-?\d+(?:\.\d+)?)$")


def exact_number(value: float) -> str:
    """A number as the case holds it (sizes keep 6 decimals), without an exponent."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def shown_number(value: float, comparisons: Iterable[tuple[str, float]] = ()) -> str:
    """A decimal as shown: cut (not rounded) to 2 decimals, so 3.999999 reads 3.99 and never 4; when
    the cut value would meet a comparison the exact value does not (or the reverse, e.g. 4.001 > 4
    shown as 4), the exact value instead. Rules always compare the exact value."""
    cut = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    text = format(cut, "f").rstrip("0").rstrip(".")
    if cut != Decimal(repr(value)):
        for op, threshold in comparisons:
            if _COMPARE[op](float(cut), threshold) != _COMPARE[op](value, threshold):
                return exact_number(value)
    return text


def comparisons_in(clause: str) -> list[tuple[str, float]]:
    """The comparison a clause text makes with a number ('tumor.size_cm < 4' -> [('<', 4.0)])."""
    match = _COMPARISON.match(clause)
    return [(match[1], float(match[2]))] if match else []


def format_value(value: Any, comparisons: Iterable[tuple[str, float]] = ()) -> str:
    """A case value as a clinician reads it; ``comparisons``: those the value was checked against
    (a decimal is then never shown on the other side of one, see ``shown_number``)."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return shown_number(value, comparisons)
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v) for v in value) if value else "none"
    return str(value).replace("_", " ")


def fill(rule: Rule, facts: Any) -> str:
    """The rule's text with each ``{field}`` replaced by the case value (white space made single)."""
    text = rule.spec.text or ""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        compared = [c for leaf in leaves(rule.condition) if leaf.field == name for c in comparisons_in(leaf.text)]
        return format_value(facts.get(name), compared)

    return " ".join(PLACEHOLDER.sub(value, text).split())


def sources_of(pack: Pack, rule: Rule) -> list[SourceQuote]:
    """The quotes a rule cites, with the title of each source (a paper cited by place has no quote:
    ``explain.places_of``)."""
    return [SourceQuote(source=c.source, title=pack.source_by_id[c.source].title, quote=c.quote)
            for c in rule.spec.cites if c.quote is not None]


def source_info(spec: SourceSpec) -> SourceInfo:
    return SourceInfo(id=spec.id, title=spec.title, publisher=spec.publisher, date=spec.date,
                      description=spec.description, scope=spec.scope)


@functools.lru_cache(maxsize=16)
def _pack_sources(pack: Pack) -> tuple[tuple[SourceInfo, ...], dict[str, frozenset[str]]]:
    """The pack's sources as reports name them, and the sources each rule cites (built once per pack)."""
    return (tuple(source_info(s) for s in pack.meta.sources),
            {r.id: frozenset(c.source for c in r.spec.cites) for r in pack.rules})


def sources_used(pack: Pack, findings: Sequence[Finding]) -> list[SourceInfo]:
    """The sources the findings quote, in pack order (every source of the pack when none is quoted,
    so that no report leaves its sources unnamed)."""
    infos, cited = _pack_sources(pack)
    if len(infos) == 1:
        return list(infos)
    quoted = frozenset().union(*(cited[f.rule] for f in findings))
    return [s for s in infos if s.id in quoted or not quoted]


def json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ---------------------------------------------------------------- the projection

_VIEW = "report"  # the key of this projection's pieces in RuleTrace.views


def _clauses(rt: RuleTrace, facts: Any) -> list[Clause]:
    """The deciding clauses with the case values; a derived fact shows the clauses of the rules
    that established it (or failed to)."""
    out = []
    notes = rt.rule.spec.notes
    for leaf, result in rt.deciders:
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
    """What a decided rule contributes to the report. Kept with the rule's trace, so shared by
    every case with equal values for the fields the rule reads: cases (``Case.facts``) give each
    field one type, so equal values print alike."""
    rule, spec = rt.rule, rt.rule.spec
    if rt.result is False:
        return NotApplicable(rule=rule.id, factor=spec.factor, kind=spec.kind, clauses=_clauses(rt, facts))
    if spec.kind == "derived":
        return DerivedFact(name=spec.derives or "", rule=rule.id, basis=_clauses(rt, facts))
    return Finding(rule=rule.id, factor=spec.factor or "", kind=spec.kind,  # type: ignore[arg-type]
                   text=fill(rule, facts), basis=_clauses(rt, facts), sources=sources_of(pack, rule))


def report_of(case: Case, trace: Trace) -> Report:
    """The report of one case, projected from its Trace (deterministic for a case and a pack)."""
    pack, facts = trace.pack, trace.facts
    findings: list[Finding] = []
    derived: list[DerivedFact] = []
    not_applicable: list[NotApplicable] = []
    waiting: dict[str, list[str]] = {}
    for rt, of_a_scale in zip(trace.rules, _of_a_scale(pack), strict=True):
        if of_a_scale:  # its point goes to the published-scales section (cryoelig.scales_report)
            continue
        if rt.result is None:
            if rt.rule.spec.kind != "derived":
                for name in rt.waits_on:
                    waiting.setdefault(name, []).append(rt.rule.id)
            continue
        piece = rt.views.get(_VIEW)
        if piece is None:
            piece = rt.views[_VIEW] = _piece(rt, pack, facts)
        if rt.result is False:
            not_applicable.append(piece)
        elif rt.rule.spec.kind == "derived":
            derived.append(piece)
        else:
            findings.append(piece)
    missing = [_missing_item(pack, name, tuple(waiting[name])) for name in case_fields() if name in waiting]
    missing.sort(key=lambda m: m.scope != "site")  # stable: the site's own items first, then any site's
    return Report(
        case_id=case.case_id, site=case.site,
        facts={name: json_value(facts[name]) for name in case_fields() if name in facts},
        input_notes=case.input_notes(), findings=findings, missing=missing,
        not_applicable=not_applicable, derived=derived,
        published_scales=published_scales(trace, [f.rule for f in findings], fill),
        pack=PackRef(name=pack.parts[0].name, version=pack.parts[0].version, sha256=pack.parts[0].sha256),
        sources=sources_used(pack.parts[0], findings),  # the source article's; the papers: published_scales
    )


@functools.lru_cache(maxsize=64)
def _of_a_scale(pack: Pack) -> tuple[bool, ...]:
    """Per rule, in evaluation order: whether it raises a published scale's band (``Pack.rule_scale``)."""
    return tuple(rule.id in pack.rule_scale for rule in pack.rules)


@functools.lru_cache(maxsize=4096)
def _missing_item(pack: Pack, name: str, rule_ids: tuple[str, ...]) -> Missing:
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
    site_rules = site_specific_rules(pack)
    return Missing(field=name, factor=f"missing.{name}", label=spec.label if spec else name,
                   why=f"Points waiting: {'; '.join(labels)}.", rules=list(rule_ids), points=labels,
                   scope="site" if any(r in site_rules for r in rule_ids) else "general",
                   meaning=spec.help if spec else None, group=group,
                   group_label=pack.groups[group].label if group else None)


@functools.lru_cache(maxsize=16)
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


# ---------------------------------------------------------------- entry points kept for older callers

def evaluate_rules(pack: Pack, facts: dict[str, Any]) -> dict[str, RuleTrace]:
    """Every rule's trace by id (``.result`` is met / not met / unknown as True / False / None).
    Kept for the differential test and the benches; new code reads ``evaluation.evaluate``."""
    return {rt.rule.id: rt for rt in evaluate(pack, facts).rules}


def python_fired(outcomes: dict[str, RuleTrace]) -> frozenset[str]:
    return frozenset(rule_id for rule_id, o in outcomes.items() if o.result is True)


def build_report(case: Case, pack: Pack, fired: frozenset[str] | None = None,
                 facts: dict[str, Any] | None = None) -> Report:
    """The report of one case; with ``fired`` (from the engine) cross-checked against the Trace.
    Kept for callers that predate ``cryoelig.review.review`` (the oracle test, batch)."""
    trace = evaluate(pack, case.facts() if facts is None else facts)
    if fired is not None:
        trace.check_engine(fired, case.case_id)
    return report_of(case, trace)


def build_reports(cases: Sequence[Case], pack: Pack, use_engine: bool = True) -> list[Report]:
    """Reports for many cases, the engine deciding in batched sessions: what
    ``[r.report for r in review.review_many(cases, pack)]`` gives, as a list."""
    if not use_engine:
        return [build_report(c, pack) for c in cases]
    from .engine import engine_for

    facts = [c.facts() for c in cases]
    fired = engine_for(pack).fire_many(facts)
    return [build_report(c, pack, f, fs) for c, f, fs in zip(cases, fired, facts, strict=True)]
