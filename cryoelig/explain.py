"""The reasoning behind one case, rule by rule: facts -> rules -> findings, and why not.

Why a separate walk: the Report keeps only the clauses that *decided* each rule (enough for
a basis line). An educator wants every clause of every rule with its case value and its
three-valued result, in the shape the rule was written (all / any), so this module walks
each condition tree itself with ``Leaf.evaluate``. Its results are the same function of the
facts as ``report.evaluate_rules`` (same derived-fact propagation, same three-valued
logic), and a test keeps the two in agreement. No rich or typer here: renderers live in
``cryoelig.render.explain``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .case import Case
from .conditions import RESULT_WORD, Condition, Leaf, Tri, or3
from .report import Report, SourceQuote, build_reports, format_value, json_value
from .rulepack import Pack, Rule

Result = Literal["met", "not met", "unknown"]
_RESULT: dict[Tri, Result] = RESULT_WORD  # type: ignore[assignment]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Model):
    """One node of a rule's condition: a clause (with the case value) or an all / any group."""

    op: str  # 'all', 'any' or 'clause'
    text: str  # the clause as written in negation normal form, or 'all of' / 'any of'
    result: Result
    field: str | None = None  # the case field a clause reads (None for groups and derived facts)
    value: Any = None  # the case value (None when the case does not give it)
    given: bool = False  # the case gives the field
    derived: str | None = None  # the derived fact a 'derived NAME' clause reads
    items: list[Check] = []


class RuleExplanation(_Model):
    """One rule checked against the case."""

    rule: str
    area: str
    kind: str
    factor: str | None
    factor_label: str | None
    derives: str | None
    result: Result
    check: Check
    text: str | None  # the finding text with case values filled in, when the rule is met
    sources: list[SourceQuote]
    missing_fields: list[str]  # fields whose absence leaves the rule unknown
    file: str
    line: int | None


class DerivedExplanation(_Model):
    name: str
    result: Result
    rules: list[str]  # the rules that derive it


class CaseExplanation(_Model):
    """Every rule of the pack checked against one case, with the facts and the findings."""

    case_id: str
    site: str
    facts: dict[str, Any]
    input_notes: list[str]
    derived: list[DerivedExplanation]
    rules: list[RuleExplanation]
    report: Report

    def by_result(self, result: Result, derived: bool | None = None) -> list[RuleExplanation]:
        """Rules with one result; derived=False leaves out the derived-fact rules, True keeps only them."""
        return [r for r in self.rules if r.result == result
                and (derived is None or (r.kind == "derived") == derived)]


# ---------------------------------------------------------------- the walk

def check_condition(cond: Condition, facts: dict[str, Any], derived: dict[str, Tri]) -> tuple[Check, Tri]:
    """Evaluate every node of a condition (no short cut), three-valued."""
    if isinstance(cond, Leaf):
        result = cond.evaluate(facts, derived)
        if cond.op == "derived":
            return Check(op="clause", text=cond.text, result=_RESULT[result], derived=cond.field,
                         value=json_value(derived.get(cond.field, False)), given=cond.field in derived), result
        given = cond.field in facts
        return Check(op="clause", text=cond.text, result=_RESULT[result], field=cond.field,
                     value=json_value(facts.get(cond.field)), given=given), result
    parts = [check_condition(item, facts, derived) for item in cond.items]
    results = [r for _, r in parts]
    if cond.op == "all":
        result: Tri = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    return Check(op=cond.op, text="all of" if cond.op == "all" else "any of", result=_RESULT[result],
                 items=[c for c, _ in parts]), result


def _unknown_fields(check: Check, pack: Pack, by_id: dict[str, RuleExplanation]) -> list[str]:
    """The case fields whose absence leaves an unknown check unknown (through derived facts too)."""
    if check.result != "unknown":
        return []
    if check.op == "clause":
        if check.derived is not None:
            out: list[str] = []
            for deriver in pack.derivers(check.derived):
                explained = by_id.get(deriver.id)
                if explained is not None and explained.result == "unknown":
                    out += [f for f in explained.missing_fields if f not in out]
            return out
        return [check.field] if check.field else []
    out = []
    for item in check.items:
        out += [f for f in _unknown_fields(item, pack, by_id) if f not in out]
    return out


def _fill(rule: Rule, facts: dict[str, Any]) -> str:
    from .rulepack import PLACEHOLDER

    text = rule.spec.text or ""
    return " ".join(PLACEHOLDER.sub(lambda m: format_value(facts.get(m.group(1))), text).split())


def explain_facts(pack: Pack, facts: dict[str, Any]) -> tuple[list[RuleExplanation], list[DerivedExplanation]]:
    """Every rule (pack evaluation order) and every derived fact for a set of case facts."""
    derived: dict[str, Tri] = {}
    rules: list[RuleExplanation] = []
    by_id: dict[str, RuleExplanation] = {}
    for rule in pack.rules:
        check, result = check_condition(rule.condition, facts, derived)
        spec = rule.spec
        factor = pack.factor_by_id.get(spec.factor or "")
        explained = RuleExplanation(
            rule=rule.id, area=rule.area, kind=spec.kind, factor=spec.factor,
            factor_label=factor.label if factor else None, derives=spec.derives, result=_RESULT[result],
            check=check,
            text=_fill(rule, facts) if result is True and spec.kind != "derived" else None,
            sources=[SourceQuote(source=c.source, title=pack.source_by_id[c.source].title, quote=c.quote)
                     for c in spec.cites],
            missing_fields=[], file=rule.file, line=rule.line,
        )
        if result is None:
            explained = explained.model_copy(update={"missing_fields": _unknown_fields(check, pack, by_id)})
        rules.append(explained)
        by_id[rule.id] = explained
        if spec.derives:
            derived[spec.derives] = or3(derived.get(spec.derives, False), result)
    names: dict[str, list[str]] = {}
    for rule in pack.rules:
        if rule.spec.derives:
            names.setdefault(rule.spec.derives, []).append(rule.id)
    derived_out = [DerivedExplanation(name=n, result=_RESULT[derived.get(n, False)], rules=ids)
                   for n, ids in names.items()]
    return rules, derived_out


def explain_case(case: Case, pack: Pack, use_engine: bool = True) -> CaseExplanation:
    """The full explanation of one case; the embedded Report is the one `check` prints
    (built with the engine by default, so the engine and this walk are cross-checked)."""
    report = build_reports([case], pack, use_engine=use_engine)[0]
    facts = case.facts()
    rules, derived = explain_facts(pack, facts)
    fired = {f.rule for f in report.findings} | {d.rule for d in report.derived}
    walked = {r.rule for r in rules if r.result == "met"}
    if fired != walked:  # pragma: no cover - a bug, never the user's fault
        from .errors import EngineMismatchError

        raise EngineMismatchError(f"case {case.case_id}: explanation {sorted(walked)} != report {sorted(fired)}")
    return CaseExplanation(case_id=case.case_id, site=case.site, facts=report.facts,
                           input_notes=report.input_notes, derived=derived, rules=rules, report=report)


def clause_value(check: Check) -> str:
    """The case value of a clause as a clinician reads it ('not given' when absent)."""
    if check.derived is not None:
        return {True: "established", False: "not established", None: "unknown"}[check.value] \
            if check.value in (True, False, None) else format_value(check.value)
    return format_value(check.value) if check.given else "not given"
