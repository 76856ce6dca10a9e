"""The Report of one case: findings with their basis, missing information, why-not.

A projection of the case's Trace (``cryoelig.evaluation``): the met rules become findings
(with the deciding clauses and case values as their basis, and the cited quotes), the rules
that did not apply keep the clauses that failed, and the fields the unknown rules wait on
become missing information. Each rule's piece is built once per memo entry of its trace
(``RuleTrace.views``), so across thousands of cases a report is mostly look-ups.
"""


import functools
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .case import Case, case_fields
from .evaluation import RESULT_WORD, RuleTrace, Trace, evaluate
from .packmodel import PLACEHOLDER, Pack, Rule

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
    """A field the case does not give that would decide whether some rules apply."""

    field: str
    factor: str
    kind: Literal["missing"] = "missing"
    label: str
    why: str
    rules: list[str]


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
    pack: PackRef
    disclaimer: str = DISCLAIMER


# ---------------------------------------------------------------- formatting

def format_value(value: Any) -> str:
    """A case value as a clinician reads it."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v) for v in value) if value else "none"
    return str(value).replace("_", " ")


def fill(rule: Rule, facts: Any) -> str:
    """The rule's text with each ``{field}`` replaced by the case value (white space made single)."""
    text = rule.spec.text or ""
    return " ".join(PLACEHOLDER.sub(lambda m: format_value(facts.get(m.group(1))), text).split())


def sources_of(pack: Pack, rule: Rule) -> list[SourceQuote]:
    """The quotes a rule cites, with the title of each source."""
    return [SourceQuote(source=c.source, title=pack.source_by_id[c.source].title, quote=c.quote)
            for c in rule.spec.cites]


def json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ---------------------------------------------------------------- the projection

_VIEW = "report"  # the key of this projection's pieces in RuleTrace.views


def _clauses(rt: RuleTrace, facts: Any) -> list[Clause]:
    """The deciding clauses with the case values; a derived fact shows the clauses of the rules
    that established it (or failed to)."""
    out = []
    for leaf, result in rt.deciders:
        if leaf.op == "derived":
            value = "; ".join(
                f"{d.rule.id}: " + ", ".join(lf.text for lf, _ in d.deciders)
                for d in rt.derivers.get(leaf.field, ()) if d.result is result
            ) or None
            out.append(Clause(clause=leaf.text, field=None, value=value, result=RESULT_WORD[result]))
        else:
            out.append(Clause(clause=leaf.text, field=leaf.field, value=json_value(facts.get(leaf.field)),
                              result=RESULT_WORD[result]))
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
    for rt in trace.rules:
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
    return Report(
        case_id=case.case_id, site=case.site,
        facts={name: json_value(facts[name]) for name in case_fields() if name in facts},
        input_notes=case.input_notes(), findings=findings, missing=missing,
        not_applicable=not_applicable, derived=derived,
        pack=PackRef(name=pack.name, version=pack.version, sha256=pack.sha256),
    )


@functools.lru_cache(maxsize=4096)
def _missing_item(pack: Pack, name: str, rule_ids: tuple[str, ...]) -> Missing:
    spec = pack.fields.get(name)
    labels = []
    for rule_id in rule_ids:
        factor = pack.factor_by_id.get(pack.rule_by_id[rule_id].spec.factor or "")
        label = factor.label if factor else rule_id
        if label not in labels:
            labels.append(label)
    count = len(rule_ids)
    why = (f"Not given in the case. {count} documented point{'s' if count > 1 else ''} "
           f"cannot be checked without it: {'; '.join(labels)}.")
    return Missing(field=name, factor=f"missing.{name}", label=spec.label if spec else name, why=why,
                   rules=list(rule_ids))


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
