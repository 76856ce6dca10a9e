"""The Report of one case: findings with their basis, missing information, why-not.

Why here and not in the engine: the engine says which rules fire; the Python evaluator
explains each rule clause by clause (met / not met / unknown with the case value). Every
report built from engine output is cross-checked against the Python evaluator, so the two
can never silently disagree.
"""


import functools
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .case import Case, case_fields
from .conditions import RESULT_WORD, Leaf, Outcome, Tri, derived_refs, explain, or3
from .errors import EngineMismatchError
from .rulepack import PLACEHOLDER, Pack, Rule

REPORT_SCHEMA_VERSION = 1
DISCLAIMER = (
    "Non-diagnostic decision support for health-care professionals. This summary lists points "
    "from the cited source document to discuss with the multidisciplinary team; it is not a "
    "diagnosis and it does not decide treatment. The care team makes every treatment decision."
)
KIND_ORDER = ("supporting", "caution", "context")


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


# ---------------------------------------------------------------- evaluation in Python

def evaluate_rules(pack: Pack, facts: dict[str, Any]) -> dict[str, Outcome]:
    """Every rule's three-valued outcome, derived facts propagated in evaluation order."""
    derived: dict[str, Tri] = {}
    outcomes: dict[str, Outcome] = {}
    for rule in pack.rules:
        outcome = explain(rule.condition, facts, derived)
        outcomes[rule.id] = outcome
        name = rule.spec.derives
        if name:
            derived[name] = or3(derived.get(name, False), outcome.result)
    return outcomes


def python_fired(outcomes: dict[str, Outcome]) -> frozenset[str]:
    return frozenset(rule_id for rule_id, o in outcomes.items() if o.result is True)


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


def _fill(text: str, facts: dict[str, Any]) -> str:
    return " ".join(PLACEHOLDER.sub(lambda m: format_value(facts.get(m.group(1))), text).split())


_RESULT = RESULT_WORD


def json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class _Explainer:
    """Turns outcomes into clauses, with derived facts shown through their deriving rule."""

    def __init__(self, pack: Pack, facts: dict[str, Any], outcomes: dict[str, Outcome]):
        self.pack, self.facts, self.outcomes = pack, facts, outcomes

    def clauses(self, deciders: Iterable[tuple[Leaf, Tri]]) -> list[Clause]:
        out = []
        for leaf, result in deciders:
            if leaf.op == "derived":
                value = "; ".join(
                    f"{r.id}: " + ", ".join(c.clause for c in self.clauses(self.outcomes[r.id].deciders))
                    for r in self.pack.derivers(leaf.field) if self.outcomes[r.id].result is result
                ) or None
                out.append(Clause(clause=leaf.text, field=None, value=value, result=_RESULT[result]))
            else:
                out.append(Clause(clause=leaf.text, field=leaf.field,
                                  value=json_value(self.facts.get(leaf.field)), result=_RESULT[result]))
        return out


_UNKNOWN = "\x00unknown"  # a key part for a field the case does not give (never a real value)
_MEMO_LIMIT = 20_000


class _RuleResult:
    """What one rule contributes to a report, fixed by the values of the fields it reads."""

    __slots__ = ("result", "piece", "unknown_fields", "unknown_derived")

    def __init__(self, result: Tri, piece: Any, unknown_fields: tuple[str, ...], unknown_derived: tuple[str, ...]):
        self.result = result
        self.piece = piece
        self.unknown_fields = unknown_fields
        self.unknown_derived = unknown_derived


class _PackMemo:
    """Per-pack memo of rule results. Why: a rule's finding, basis, why-not and unknown fields
    depend only on the values of the fields it reads (placeholders are among them, the linter
    checks it) and on the results of the rules deriving the facts it reads; caching them makes
    report building mostly look-ups across thousands of cases."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.fields = {r.id: tuple(r.fields) for r in pack.rules}
        self.refs = {r.id: tuple(dict.fromkeys(derived_refs(r.condition))) for r in pack.rules}
        self.derivers = {name: tuple(pack.derivers(name)) for refs in self.refs.values() for name in refs}
        self.cache: dict[str, dict[tuple, _RuleResult]] = {r.id: {} for r in pack.rules}

    def results(self, facts: dict[str, Any]) -> list[tuple[Rule, _RuleResult]]:
        keys: dict[str, tuple] = {}
        out: list[tuple[Rule, _RuleResult]] = []
        outcomes: dict[str, Outcome] = {}
        derived: dict[str, Tri] = {}
        derived_keys: dict[str, tuple] = {}
        for rule in self.pack.rules:
            rid = rule.id
            key = tuple(facts.get(f, _UNKNOWN) for f in self.fields[rid])
            refs = self.refs[rid]
            if refs:
                key += tuple(derived_keys.get(name) for name in refs)
            keys[rid] = key
            cache = self.cache[rid]
            hit = cache.get(key)
            if hit is None:
                hit = self._compute(rule, facts, derived, outcomes)
                if len(cache) >= _MEMO_LIMIT:
                    cache.clear()
                cache[key] = hit
            out.append((rule, hit))
            name = rule.spec.derives
            if name:
                derived[name] = or3(derived.get(name, False), hit.result)
                derived_keys[name] = (*derived_keys.get(name, ()), rid, key)
        return out

    def _compute(self, rule: Rule, facts: dict[str, Any], derived: dict[str, Tri],
                 outcomes: dict[str, Outcome]) -> _RuleResult:
        # Outcomes of derivers are recomputed on demand for the derived clauses' basis text.
        for name in self.refs[rule.id]:
            for deriver in self.derivers[name]:
                if deriver.id not in outcomes:
                    outcomes[deriver.id] = explain(deriver.condition, facts, derived)
        outcome = explain(rule.condition, facts, derived)
        outcomes[rule.id] = outcome
        spec = rule.spec
        ex = _Explainer(self.pack, facts, outcomes)
        piece: Any = None
        unknown_fields: list[str] = []
        unknown_derived: list[str] = []
        if outcome.result is True:
            basis = ex.clauses(outcome.deciders)
            if spec.kind == "derived":
                piece = DerivedFact(name=spec.derives or "", rule=rule.id, basis=basis)
            else:
                piece = Finding(
                    rule=rule.id, factor=spec.factor or "", kind=spec.kind,  # type: ignore[arg-type]
                    text=_fill(spec.text or "", facts), basis=basis,
                    sources=[SourceQuote(source=c.source, title=self.pack.source_by_id[c.source].title,
                                         quote=c.quote) for c in spec.cites],
                )
        elif outcome.result is False:
            piece = NotApplicable(rule=rule.id, factor=spec.factor, kind=spec.kind,
                                  clauses=ex.clauses(outcome.deciders))
        else:
            for leaf, result in outcome.deciders:
                if result is None:
                    (unknown_derived if leaf.op == "derived" else unknown_fields).append(leaf.field)
        return _RuleResult(outcome.result, piece, tuple(unknown_fields), tuple(unknown_derived))


def _memo(pack: Pack) -> _PackMemo:
    memo = getattr(pack, "_report_memo", None)
    if memo is None:
        memo = _PackMemo(pack)
        pack._report_memo = memo  # type: ignore[attr-defined]
    return memo


# ---------------------------------------------------------------- the report

def build_report(case: Case, pack: Pack, fired: frozenset[str] | None = None,
                 facts: dict[str, Any] | None = None) -> Report:
    """The report of one case. ``fired`` comes from the engine; without it the Python
    evaluator decides. With it, any disagreement raises EngineMismatchError."""
    facts = case.facts() if facts is None else facts
    memo = _memo(pack)
    results = memo.results(facts)
    if fired is not None:
        decided = frozenset(rule.id for rule, r in results if r.result is True)
        if fired != decided:
            raise EngineMismatchError(
                f"case {case.case_id}: engine fired {sorted(fired - decided)} that Python did not, "
                f"and Python fired {sorted(decided - fired)} that the engine did not"
            )
    findings: list[Finding] = []
    derived: list[DerivedFact] = []
    not_applicable: list[NotApplicable] = []
    waiting: dict[str, list[str]] = {}
    by_id = {rule.id: r for rule, r in results}

    def unknown_fields(rule_result: _RuleResult) -> list[str]:
        fields = list(rule_result.unknown_fields)
        for name in rule_result.unknown_derived:
            for deriver in memo.derivers[name]:
                deriver_result = by_id[deriver.id]
                if deriver_result.result is None:
                    fields.extend(unknown_fields(deriver_result))
        return fields

    for rule, r in results:
        if r.result is True:
            (derived if rule.spec.kind == "derived" else findings).append(r.piece)
        elif r.result is False:
            not_applicable.append(r.piece)
        elif rule.spec.kind != "derived":
            for name in unknown_fields(r):
                rules = waiting.setdefault(name, [])
                if rule.id not in rules:
                    rules.append(rule.id)
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


def build_reports(cases: list[Case], pack: Pack, use_engine: bool = True) -> list[Report]:
    """Reports for many cases; the engine (batched sessions) decides which rules fire."""
    if not use_engine:
        return [build_report(c, pack) for c in cases]
    from .engine import engine_for

    facts = [c.facts() for c in cases]
    fired = engine_for(pack).fire_many(facts)
    return [build_report(c, pack, f, fs) for c, f, fs in zip(cases, fired, facts, strict=True)]
