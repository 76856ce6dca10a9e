"""The reasoning behind one case, rule by rule: facts -> rules -> findings, and why not.

A projection of the case's Trace: the Report keeps only the clauses that *decided* each rule
(enough for a basis line); an educator wants every clause of every rule with its case value
and its three-valued result, in the shape the rule was written (all / any). Both come from the
one evaluation of the case (``cryoelig.facade``). No rich or typer here: renderers live in
``cryoelig.render.explanation_tree``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..case.contract import Case
from ..facade import review
from ..reasoning.evaluation import RESULT_WORD, RuleTrace, Trace, TraceNode
from ..report.projection import Report, SourceQuote, comparisons_in, fill, format_value, json_value, sources_of
from ..rulepack.packmodel import Pack, Rule

Result = Literal["met", "not met", "unknown"]


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


class SourcePlace(_Model):
    """A paper cited in full and the place in it (a rule of a pack that cites papers, not stored texts)."""

    source: str
    title: str
    locator: str


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
    places: list[SourcePlace] = []  # papers cited by place (the published scales), not quoted
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


# ---------------------------------------------------------------- the projection

def check_of(node: TraceNode, facts: Any) -> Check:
    """A node of the Trace's clause tree as the explanation shows it, with this case's values."""
    result: Result = RESULT_WORD[node.result]  # type: ignore[assignment]
    cond = node.cond
    if node.is_clause:
        if cond.op == "derived":  # type: ignore[union-attr]
            return Check(op="clause", text=cond.text, result=result, derived=cond.field,  # type: ignore[union-attr]
                         value=json_value(node.value), given=node.given)
        return Check(op="clause", text=cond.text, result=result, field=cond.field,  # type: ignore[union-attr]
                     value=json_value(facts.get(cond.field)), given=node.given)  # type: ignore[union-attr]
    return Check(op=cond.op, text="all of" if cond.op == "all" else "any of", result=result,
                 items=[check_of(item, facts) for item in node.items])


def pack_relative(pack: Pack, file: str) -> str:
    """A rule file as a path inside its pack ('general.yaml'): outputs never depend on where the pack
    is installed, and never show a local folder."""
    path = Path(file)
    try:
        return path.resolve().relative_to(Path(pack.directory).resolve()).as_posix()
    except ValueError:
        return path.name


def rule_explanation(rt: RuleTrace, pack: Pack, facts: Any) -> RuleExplanation:
    rule, spec = rt.rule, rt.rule.spec
    factor = pack.factor_by_id.get(spec.factor or "")
    return RuleExplanation(
        rule=rule.id, area=rule.area, kind=spec.kind, factor=spec.factor,
        factor_label=factor.label if factor else None, derives=spec.derives,
        result=RESULT_WORD[rt.result], check=check_of(rt.tree, facts),  # type: ignore[arg-type]
        text=fill(rule, facts) if rt.result is True and spec.kind != "derived" else None,
        sources=sources_of(pack, rule), places=places_of(pack, rule),
        missing_fields=pack.asked_fields(rt.waits_on, facts), file=pack_relative(pack, rule.file),
        line=rule.line,
    )


def places_of(pack: Pack, rule: Rule) -> list[SourcePlace]:
    """The papers a rule cites by place (table, section), with each one's title."""
    return [SourcePlace(source=c.source, title=pack.source_by_id[c.source].title, locator=c.locator)
            for c in rule.spec.cites if c.locator is not None]


def explanation_of(report: Report, trace: Trace) -> CaseExplanation:
    """Every rule of the pack (evaluation order) and every derived fact, from one Trace."""
    rules = [rule_explanation(rt, trace.pack, trace.facts) for rt in trace.rules]
    derived = [DerivedExplanation(name=d.name, result=RESULT_WORD[d.result], rules=list(d.rules))  # type: ignore[arg-type]
               for d in trace.derived_facts()]
    return CaseExplanation(case_id=report.case_id, site=report.site, facts=report.facts,
                           input_notes=report.input_notes, derived=derived, rules=rules, report=report)


def explain_case(case: Case, pack: Pack, use_engine: bool = True) -> CaseExplanation:
    """The full explanation of one case, from its one review: the embedded Report is the one
    `check` prints (decided by the engine by default, cross-checked against the Trace)."""
    reviewed = review(case, pack, use_engine=use_engine)
    return explanation_of(reviewed.report, reviewed.trace)


def clause_value(check: Check) -> str:
    """The case value of a clause as a clinician reads it ('not given' when absent)."""
    if check.derived is not None:
        return {True: "established", False: "not established", None: "unknown"}[check.value] \
            if check.value in (True, False, None) else format_value(check.value)
    return format_value(check.value, comparisons_in(check.text)) if check.given else "not given"
