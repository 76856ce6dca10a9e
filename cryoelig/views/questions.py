"""The checklist's questions, derived from the fields the pack's rules read.

Why derived and not written by hand: a new rule brings its question with it, and a question
is asked only while some rule could still use the answer (histology only for skin, stage
only for prostate, the primary cancer only while the bone tumor may be metastatic). Which
rules could still use an answer is a projection of the Trace of the answers so far
(``reasons``); the wording comes from the pack's fields.yaml, types and ranges from the Case
model, the sites and their labels from the pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel

from ..case.contract import Case
from ..reasoning.evaluation import evaluate
from ..rulepack.packmodel import Pack, Rule

#: Answers that leave a field out: it stays unknown and shows as missing information.
UNKNOWN_WORDS = frozenset({"", "?", "unknown", "not known", "unk", "n/a", "na", "dont know", "don't know"})
#: Fields asked before the rule fields, always; never part of a rule.
CASE_ID = "case_id"
SITE = "site"
ECOG = "ecog"
HEALTH = "overall_health"


@dataclass(frozen=True)
class Reason:
    """One rule that reads the field: its id, the factor it raises, the source it cites."""

    rule: str
    factor: str
    source: str
    quote: str
    #: a paper cited by place (the published scales) instead of a quote
    locator: str | None = None


@dataclass(frozen=True)
class NumberSpec:
    """Range of a number field, read from the Case model."""

    integer: bool
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True
    unit: str | None = None
    #: field and spec used when the answer carries the other unit ("39 mm" -> tumor.size_mm)
    alt_unit: str | None = None
    alt_field: str | None = None

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)))

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        parts = []
        if self.low is not None and self.high is not None and self.low_inclusive and self.high_inclusive:
            parts.append(f"{self.low:g} to {self.high:g}")
        else:
            if self.low is not None:
                parts.append(f"{'from' if self.low_inclusive else 'above'} {self.low:g}")
            if self.high is not None:
                parts.append(f"{'up to' if self.high_inclusive else 'below'} {self.high:g}")
        unit = f" in {self.unit}" if self.unit else ""
        text = f"{kind}{unit}" + (f" ({', '.join(parts)})" if parts else "")
        if self.alt_unit:
            text += f", or with a unit, e.g. 39 {self.alt_unit}"
        return text


@dataclass(frozen=True)
class Question:
    """One question of the checklist."""

    field: str
    label: str
    text: str
    type: str  # bool | number | enum | list | text
    values: tuple[Any, ...] = ()
    why: tuple[Reason, ...] = ()
    help: str | None = None
    number: NumberSpec | None = None
    required: bool = False
    #: how each value is shown, when the pack names it (the sites); else from the value itself
    labels: tuple[str, ...] = ()
    #: listed values may be typed by their number (not for overall health, where a bare digit could
    #: be an ECOG status typed without "ecog")
    numbered: bool = True

    def choices(self) -> list[tuple[int, Any, str]]:
        """(number shown, value, label) for enum and list questions."""
        labels = self.labels or tuple(value_label(self.field, v) for v in self.values)
        return list(zip(range(1, len(self.values) + 1), self.values, labels, strict=True))

    def listed(self) -> str:
        """The listed values as typed: '1 breast, 2 lung' (or 'good, fair, poor' when not numbered)."""
        return ", ".join(f"{n} {label}" if self.numbered else label for n, _, label in self.choices())

    @property
    def allowed(self) -> str:
        """The accepted answers in one line."""
        unknown = "" if self.required else "; or unknown (not given)"
        if self.type == "bool":
            return "yes, no" + unknown
        if self.field == HEALTH:
            return f"{self.listed()}, or an ECOG 0-4 typed as 'ecog 2'" + unknown
        if self.field == ECOG and self.number is not None:
            return f"ECOG {self.number.low:g}-{self.number.high:g}, a whole number (e.g. 2)" + unknown
        if self.type == "number" and self.number is not None:
            return self.number.describe() + unknown
        if self.type == "enum":
            return self.listed() + unknown
        if self.type == "list":
            return f"one or more, separated by commas: {self.listed()}; or none (no, none)" + unknown
        if self.field == CASE_ID:
            return "1 to 64 letters, digits, '.', '_' or '-' (no names, dates or record numbers)"
        return "text" + unknown

    @property
    def why_line(self) -> str:
        """'why asked: <rule ids> (source: "<short quote>")' in one line."""
        if not self.why:
            return ""
        ids = [r.rule for r in self.why]
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        first = self.why[0]
        if first.locator is not None:
            return f"why asked: {shown} (source: {first.source}, {shorten(first.locator)})"
        return f'why asked: {shown} (source: "{shorten(first.quote)}")'

    def block(self) -> str:
        """The question as shown: label with field, question, why, allowed answers."""
        lines = [f"{self.label} [{self.field}]", f"  {self.text}"]
        if self.help:
            lines.append(f"  {self.help}")
        if self.why:
            lines.append(f"  {self.why_line}")
        lines.append(f"  answers: {self.allowed}")
        return "\n".join(lines)


def shorten(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "\u2026"


def value_label(field_name: str, value: Any) -> str:
    """How an enum value is shown. A value spelled like an 'unknown' answer gets the field name
    in front ('primary cancer unknown'), so that typing 'unknown' keeps meaning 'not known'."""
    label = str(value).replace("_", " ")
    if label in UNKNOWN_WORDS:
        return f"{field_name.rsplit('.', 1)[-1].replace('_', ' ')} {label}"
    return label


def _model_field(name: str) -> Any:
    """pydantic FieldInfo of a dotted case field (tumor.size_cm -> Tumor.size_cm)."""
    model: type[BaseModel] = Case
    parts = name.split(".")
    for part in parts[:-1]:
        annotation = model.model_fields[part].annotation
        model = next(a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel))
    return model.model_fields.get(parts[-1]), model


def _is_integer(annotation: Any) -> bool:
    for _ in range(6):
        if annotation is int:
            return True
        args = get_args(annotation)
        if not args:
            return False
        annotation = next((a for a in args if a is not type(None)), None)
    return False


def number_spec(name: str) -> NumberSpec:
    """Range and integer-ness of a number field from the Case model's constraints."""
    info, model = _model_field(name)
    values: dict[str, Any] = {"integer": _is_integer(info.annotation)}
    for meta in info.metadata:
        for attr, key, inclusive in (("gt", "low", False), ("ge", "low", True), ("lt", "high", False),
                                     ("le", "high", True)):
            bound = getattr(meta, attr, None)
            if bound is not None:
                values[key] = bound
                values[f"{key}_inclusive"] = inclusive
    stem, _, unit = name.rpartition("_")
    if unit in ("cm", "mm") and stem:
        values["unit"] = unit
        other = "mm" if unit == "cm" else "cm"
        if f"{stem.rsplit('.', 1)[-1]}_{other}" in model.model_fields:
            values["alt_unit"] = other
            values["alt_field"] = f"{stem}_{other}"
    return NumberSpec(**values)


def reasons(pack: Pack, facts: Mapping[str, Any], pending: Iterable[str]) -> dict[str, list[Rule]]:
    """Field -> the rules whose outcome its answer could still change, in pack order.

    A projection of the Trace of the answers so far, with the fields still to be asked
    (``pending``) unknown: a rule counts while it is undecided, for the fields it reads that
    are not answered yet, and for those of the undecided rules deriving a fact it reads
    (``RuleTrace.open_fields``).
    """
    pending = frozenset(pending)
    found: dict[str, list[Rule]] = {}
    computed = pack.asked_inputs  # a published scale's total is asked as its components (and total)
    for rt in evaluate(pack, facts, pending).rules:
        if rt.rule.kind == "derived":
            continue
        for name in dict.fromkeys(rt.open_fields):
            for field in computed.get(name, (name,)):
                if field not in facts or field in pending:
                    found.setdefault(field, []).append(rt.rule)
    return found


def why_of(pack: Pack, rules: Iterable[Rule]) -> tuple[Reason, ...]:
    """Why a question is asked: each rule that can use the answer, its factor and first quote."""
    out = []
    for rule in rules:
        factor = pack.factor_by_id.get(rule.spec.factor or "")
        cite = rule.spec.cites[0]
        out.append(Reason(rule=rule.id, factor=factor.label if factor else rule.id, source=cite.source,
                          quote=cite.quote or "", locator=cite.locator))
    return tuple(out)


def make_question(pack: Pack, name: str, why: tuple[Reason, ...] = ()) -> Question:
    """The question for one case field: wording from the pack's fields.yaml, type and allowed
    values from the Case model and the pack's sites (a field without wording falls back to its
    name and description)."""
    spec = pack.fields.get(name)
    info = pack.field_specs.get(name, {"type": "number" if name == ECOG else "text", "values": None})
    if spec is not None:
        label, text, help_text = spec.label, spec.question, spec.help
    else:
        model_info, _ = _model_field(name)
        description = (model_info.description if model_info is not None else None) or ""
        label, text, help_text = name, (description[:1].upper() + description[1:]) or name, None
    values = tuple(info["values"] or ()) if info["type"] in ("enum", "list") else ()
    if name == SITE:
        labels = tuple(pack.site_labels[v] for v in values)
    else:
        named = spec.values if spec is not None else {}
        labels = tuple(named.get(str(v)) or value_label(name, v) for v in values)
    return Question(
        field=name, label=label, text=text, type=info["type"], values=values, labels=labels,
        why=why, help=help_text, number=number_spec(name) if info["type"] == "number" else None,
        required=name in (CASE_ID, SITE), numbered=name != HEALTH,
    )


def case_id_question() -> Question:
    return Question(
        field=CASE_ID, label="Case label", type="text", required=True,
        text="An anonymized label for this case, e.g. mdt-kidney-07 (no names, dates or record numbers).",
    )


def site_question(pack: Pack) -> Question:
    rules = [r for r in pack.rules if SITE in r.fields and r.kind != "derived"]
    return make_question(pack, SITE, why_of(pack, rules))


def ecog_convention(pack: Pack) -> str:
    """' ECOG 3-4 is read as poor overall health (this tool's convention, not from the source).', where the
    pack's rules read it so (``Pack.ecog_poor_from``); empty when they state no such reading."""
    if pack.ecog_poor_from is None:
        return ""
    return (f" ECOG {pack.ecog_poor_from}-{number_spec(ECOG).high:g} is read as poor overall health (this tool's "
            "convention, not from the source).")


def ecog_question(pack: Pack, why: tuple[Reason, ...] = ()) -> Question:
    """The follow-up when overall health is not known: an ECOG performance status, 'ECOG 0-4'."""
    spec = number_spec(ECOG)
    return Question(
        field=ECOG, label=f"ECOG performance status (optional, ECOG {spec.low:g}-{spec.high:g})", type="number",
        why=why, text=f"Overall health was not given: is an ECOG performance status (ECOG {spec.low:g}-{spec.high:g}) "
                      f"known?{ecog_convention(pack)}",
        number=spec,
    )


def questions_for(pack: Pack, site: str, scales: bool = False) -> list[Question]:
    """The questions for a site, in case-schema order: the fields read by the rules that are
    not already decided by the site alone, each with the rules and sources it is asked for.
    The source article's questions come first; the fields only a published scale's rules read (its
    components, labs, performance status) are asked after them, and only with ``scales`` (the
    checklist's ``--scales``, the page's toggle). ECOG is not a question of its own: the
    overall-health question takes it ('ecog 2'), and the checklist asks for it when overall
    health is not known."""
    order = [name for name in pack.field_specs if name not in (SITE, ECOG)]
    found = reasons(pack, {SITE: site}, order)
    own = source_fields(pack)
    source = [name for name in order if name in found and name in own
              and any(r.id not in pack.rule_scale for r in found[name])]
    extra = [name for name in order if name in found and name not in source] if scales else []
    return [make_question(pack, name, why_of(pack, asked_for(pack, found[name], scales, name)))
            for name in source + extra]


def source_fields(pack: Pack) -> frozenset[str]:
    """The fields the source article's rules read in their own clauses (the members' rules as written, before
    the reconciliation links rewrite them): a field a link reads (Karnofsky, INR, a SINS component) answers a
    source question only through a published scale, so it is a scale's question, asked with ``scales`` only."""
    return frozenset(f for part in pack.parts for r in part.rules if r.id not in pack.rule_scale for f in r.fields)


def asked_for(pack: Pack, rules: list[Rule], scales: bool, field: str | None = None) -> list[Rule]:
    """The rules a question is asked for: the source article's, and the published scales' with ``scales``
    (without it, a scale's rule is never named as a reason: its questions are not asked). A scale's field
    (one the source's rules read only through a link) names its scale's rules first, and so its paper."""
    if not scales:
        return [r for r in rules if r.id not in pack.rule_scale]
    if field is None or field in source_fields(pack):
        return rules
    return sorted(rules, key=lambda r: r.id not in pack.rule_scale)
