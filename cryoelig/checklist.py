"""The clinician's checklist: questions derived from the fields the pack's rules read.

Why derived and not written by hand: a new rule brings its question with it, and a question
is asked only while some rule could still use the answer (histology only for skin, stage
only for prostate, the primary cancer only while the bone tumor may be metastatic).

Three pure parts, testable without a terminal:

- ``questions_for(pack, site)``: the ordered questions for a site, each with why it is asked
  (rule ids, factor labels, cited quotes);
- ``parse_answer(question, text)``: one typed answer -> a value, or ``AnswerError`` naming the
  allowed answers; "unknown", "?" and an empty answer leave the field out (missing
  information, never a guess);
- ``case_data(answers)``: the answers as the nested case form, validated by the same Case
  model as a case file.

``run(pack, ask, say)`` drives them with two injected functions (read a line, show text), so
the command line supplies the terminal and the library stays free of typer and rich.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from pydantic import BaseModel

from .case import ECOG_TO_HEALTH, Case, case_fields, parse_case
from .conditions import Condition, Leaf, Tri, derived_refs
from .errors import InputError, Problem
from .rulepack import Pack, Rule
from .wording import directive_words

#: Answers that leave a field out: it stays unknown and shows as missing information.
UNKNOWN_WORDS = frozenset({"", "?", "unknown", "not known", "unk", "n/a", "na", "dont know", "don't know"})
#: Answers that record a list as known to be empty.
NONE_WORDS = frozenset({"none", "-", "nothing"})
_TRUE = frozenset({"y", "yes", "true"})
_FALSE = frozenset({"n", "no", "false"})
#: Fields asked before the rule fields, always; never part of a rule.
CASE_ID = "case_id"
SITE = "site"
ECOG = "ecog"
HEALTH = "overall_health"
_CASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AnswerError(ValueError):
    """An answer that cannot be used; the message says what is accepted."""


# ---------------------------------------------------------------- questions

@dataclass(frozen=True)
class Reason:
    """One rule that reads the field: its id, the factor it raises, the source it cites."""

    rule: str
    factor: str
    source: str
    quote: str


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

    def choices(self) -> list[tuple[int, Any, str]]:
        """(number shown, value, label) for enum and list questions."""
        return [(i, v, value_label(self.field, v)) for i, v in enumerate(self.values, 1)]

    @property
    def allowed(self) -> str:
        """The accepted answers in one line."""
        unknown = ""
        if not self.required:
            # an enum value spelled 'unknown' is listed by number; the word itself means 'not given'
            clash = any(label != str(v).replace("_", " ") for _, v, label in self.choices())
            unknown = "; unknown (= not given)" if clash else "; unknown"
        if self.type == "bool":
            return "yes, no" + unknown
        if self.type == "number" and self.number is not None:
            return self.number.describe() + unknown
        if self.type == "enum":
            return ", ".join(f"{n} {label}" for n, _, label in self.choices()) + unknown
        if self.type == "list":
            listed = ", ".join(f"{n} {label}" for n, _, label in self.choices())
            return f"one or more, separated by commas: {listed}; none" + unknown
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
        return f'why asked: {shown} (source: "{shorten(self.why[0].quote)}")'

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


def _tri(cond: Condition, facts: Mapping[str, Any], derived: Mapping[str, Tri], pending: set[str]) -> Tri:
    """Three-valued evaluation where fields still to be asked are unknown (even for 'exists')."""
    if isinstance(cond, Leaf):
        if cond.op != "derived" and cond.field in pending:
            return None
        return cond.evaluate(facts, derived)
    results = [_tri(item, facts, derived, pending) for item in cond.items]
    decisive = cond.op != "all"
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def reasons(pack: Pack, facts: Mapping[str, Any], pending: Iterable[str]) -> dict[str, list[Rule]]:
    """Field -> the rules whose outcome its answer could still change, in pack order.

    A rule counts while its condition is undecided given the facts known so far (fields in
    ``pending`` are unknown). A field read through a derived fact counts for the rules that use
    the fact, as long as the deriving rule is undecided too.
    """
    pending = set(pending)
    results: dict[str, Tri] = {}
    derived: dict[str, Tri] = {}
    for rule in pack.rules:
        result = _tri(rule.condition, facts, derived, pending)
        results[rule.id] = result
        name = rule.spec.derives
        if name:
            previous = derived.get(name, False)
            derived[name] = True if (previous or result) else (None if None in (previous, result) else False)

    def live(rule: Rule, trail: tuple[str, ...]) -> list[str]:
        if results[rule.id] is not None or rule.id in trail:
            return []
        out = list(rule.fields)
        for name in derived_refs(rule.condition):
            if derived.get(name) is None:
                for deriver in pack.derivers(name):
                    out.extend(live(deriver, (*trail, rule.id)))
        return out

    found: dict[str, list[Rule]] = {}
    for rule in pack.rules:
        if rule.kind == "derived":
            continue
        for name in dict.fromkeys(live(rule, ())):
            if name in facts and name not in pending:
                continue
            found.setdefault(name, []).append(rule)
    return found


def _why(pack: Pack, rules: Iterable[Rule]) -> tuple[Reason, ...]:
    out = []
    for rule in rules:
        factor = pack.factor_by_id.get(rule.spec.factor or "")
        cite = rule.spec.cites[0]
        out.append(Reason(rule=rule.id, factor=factor.label if factor else rule.id, source=cite.source,
                          quote=cite.quote))
    return tuple(out)


def make_question(pack: Pack, name: str, why: tuple[Reason, ...] = ()) -> Question:
    """The question for one case field: wording from the pack's fields.yaml, type and allowed
    values from the Case model (a field without wording falls back to its name and description)."""
    spec = pack.fields.get(name)
    info = case_fields().get(name, {"type": "number" if name == ECOG else "text", "values": None})
    if spec is not None:
        label, text, help_text = spec.label, spec.question, spec.help
    else:
        model_info, _ = _model_field(name)
        description = (model_info.description if model_info is not None else None) or ""
        label, text, help_text = name, (description[:1].upper() + description[1:]) or name, None
    if name == HEALTH:
        help_text = "An ECOG performance status can be given instead, e.g. ecog 2."
    return Question(
        field=name, label=label, text=text, type=info["type"],
        values=tuple(info["values"] or ()) if info["type"] in ("enum", "list") else (),
        why=why, help=help_text, number=number_spec(name) if info["type"] == "number" else None,
        required=name in (CASE_ID, SITE),
    )


def case_id_question() -> Question:
    return Question(
        field=CASE_ID, label="Case label", type="text", required=True,
        text="An anonymized label for this case, e.g. mdt-kidney-07 (no names, dates or record numbers).",
    )


def site_question(pack: Pack) -> Question:
    rules = [r for r in pack.rules if SITE in r.fields and r.kind != "derived"]
    return make_question(pack, SITE, _why(pack, rules))


def ecog_mapping() -> str:
    """'0-1 counts as good, 2 fair, 3-4 poor', from the Case model's mapping."""
    groups: dict[str, list[int]] = {}
    for score, health in ECOG_TO_HEALTH.items():
        groups.setdefault(health, []).append(score)
    parts = [f"{min(s)}-{max(s)}" if len(s) > 1 else f"{s[0]}" for s in groups.values()]
    named = [f"{p} {h}" for p, h in zip(parts, groups, strict=True)]
    return named[0].replace(" ", " counts as ", 1) + ", " + ", ".join(named[1:])


def ecog_question(pack: Pack, why: tuple[Reason, ...] = ()) -> Question:
    spec = number_spec(ECOG)
    return Question(
        field=ECOG, label=f"ECOG performance status (optional, {spec.low:g} to {spec.high:g})", type="number",
        why=why, text=f"Overall health was not given: is an ECOG performance status known? {ecog_mapping()}.",
        number=spec,
    )


def questions_for(pack: Pack, site: str) -> list[Question]:
    """The questions for a site, in case-schema order: the fields read by the rules that are
    not already decided by the site alone, each with the rules and sources it is asked for."""
    order = [name for name in case_fields() if name != SITE]
    found = reasons(pack, {SITE: site}, order)
    return [make_question(pack, name, _why(pack, found[name])) for name in order if name in found]


# ---------------------------------------------------------------- answers

@dataclass(frozen=True)
class Answer:
    """A parsed answer: the field it sets (which may differ from the question's, e.g. size in mm
    or ECOG) and the value; ``value is None`` means unknown (the field is left out)."""

    field: str
    value: Any


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def _choice(question: Question, token: str) -> Any:
    token = _norm(token)
    for number, value, label in question.choices():
        if token in (str(number), _norm(str(value)), _norm(label)):
            return value
    raise AnswerError(f"'{shorten(token, 30)}' is not one of the listed answers: {question.allowed}.")


def _number(question: Question, text: str) -> Answer:
    spec = question.number or NumberSpec(integer=False)
    match = re.fullmatch(r"\s*([0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)\s*([a-z]*)\s*", text.lower())
    if not match:
        raise AnswerError("expected " + spec.describe() + ".")
    number_text, unit = match[1].replace(",", "."), match[2]
    target, target_spec = question.field, spec
    if unit and unit not in (spec.unit, spec.alt_unit):
        raise AnswerError(f"unit '{unit}' is not accepted here; expected {spec.describe()}.")
    if unit and unit == spec.alt_unit and spec.alt_field:
        target, target_spec = spec.alt_field, number_spec(spec.alt_field)
    value: float | int = float(number_text)
    if target_spec.integer:
        if not value.is_integer():
            raise AnswerError(f"expected {target_spec.describe()}.")
        value = int(value)
    elif value.is_integer() and "." not in number_text:
        value = int(value)
    if not target_spec.contains(value):
        raise AnswerError(f"out of range: expected {target_spec.describe().split(', or ')[0]}.")
    return Answer(target, value)


def parse_answer(question: Question, text: str) -> Answer:
    """One typed answer -> Answer, or AnswerError saying what is accepted."""
    raw = text.strip()
    norm = _norm(raw)
    if question.type == "list" and raw.lower() in NONE_WORDS:
        return Answer(question.field, [])
    if norm in UNKNOWN_WORDS or raw in UNKNOWN_WORDS:
        if question.required:
            raise AnswerError(f"the {question.label.lower()} is required here; answers: {question.allowed}.")
        return Answer(question.field, None)
    kind = question.type
    if question.field == HEALTH and (m := re.fullmatch(r"ecog\s*:?\s*(\S+)", norm)):
        return _number(replace(question, field=ECOG, number=number_spec(ECOG)), m[1])
    if kind == "bool":
        if norm in _TRUE:
            return Answer(question.field, True)
        if norm in _FALSE:
            return Answer(question.field, False)
        raise AnswerError("expected yes, no or unknown.")
    if kind == "number":
        return _number(question, raw)
    if kind == "enum":
        return Answer(question.field, _choice(question, raw))
    if kind == "list":
        tokens = [t for t in re.split(r"[,;]", raw) if t.strip()]
        values: list[Any] = []
        for token in tokens:
            if _norm(token) in NONE_WORDS | UNKNOWN_WORDS:
                raise AnswerError("'none' or 'unknown' cannot be combined with other answers.")
            value = _choice(question, token)
            if value not in values:
                values.append(value)
        return Answer(question.field, values)
    if question.field == CASE_ID and not _CASE_ID_PATTERN.fullmatch(raw):
        raise AnswerError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces).")
    return Answer(question.field, raw)


def case_data(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted answers -> the nested case form of a case file (unknown answers are absent)."""
    data: dict[str, Any] = {}
    for name, value in answers.items():
        if value is None:
            continue
        target = data
        *parents, last = name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = list(value) if isinstance(value, list | tuple) else value
    return data


def answer_problem(answers: Mapping[str, Any], answer: Answer) -> str | None:
    """What the Case model says against the answers with this one added, or None when accepted."""
    trial = {**answers, answer.field: answer.value}
    trial.setdefault(CASE_ID, "checklist")
    trial.setdefault(SITE, "other")
    try:
        parse_case(case_data(trial))
    except InputError as error:
        messages = []
        for problem in error.problems:
            message = problem.message
            if directive_words(message):  # pydantic's own wording; keep the tool's voice
                message = "not accepted by the case schema"
            messages.append(message)
        return "; ".join(dict.fromkeys(messages))
    return None


# ---------------------------------------------------------------- the dialogue

@dataclass
class Result:
    """The outcome of a checklist: the answers (dotted), the validated case, what was left unknown
    and what was not asked because no rule could use it any more."""

    answers: dict[str, Any]
    case: Case
    unknown: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return case_data(self.answers)


INTRO = (
    "Answer each question. 'unknown', '?' or just Enter leaves a field out: it then shows as missing "
    "information, never as a guess. Numbers in the lists can be typed instead of the words. "
    "Enter no names, dates or record numbers. Ctrl-C cancels; nothing is saved."
)


def run(pack: Pack, ask: Callable[[str], str], say: Callable[[str], None], site: str | None = None) -> Result:
    """Ask the questions through ``ask`` (returns one line; may raise EOFError or
    KeyboardInterrupt) and ``say`` (shows text); return the validated answers."""
    answers: dict[str, Any] = {}
    unknown: list[str] = []
    skipped: list[str] = []

    def ask_one(question: Question) -> Answer:
        say("\n" + question.block())
        while True:
            text = ask("> ")
            try:
                answer = parse_answer(question, text)
            except AnswerError as error:
                say(f"  not accepted: {error}")
                continue
            if answer.value is not None and (problem := answer_problem(answers, answer)):
                say(f"  not accepted: {problem}. Answers: {question.allowed}")
                continue
            return answer

    def keep(answer: Answer, question: Question) -> None:
        if answer.value is None:
            unknown.append(question.field)
        else:
            answers[answer.field] = answer.value

    if site is not None:  # given on the command line: the same answers as typed, checked before any question
        try:
            site = parse_answer(site_question(pack), site).value
        except AnswerError as error:
            raise InputError([Problem(str(error), field=SITE)]) from None
    say(f"cryoelig checklist, rule pack {pack.name} {pack.version}. {INTRO}")
    question = case_id_question()
    keep(ask_one(question), question)
    if site is None:
        question = site_question(pack)
        keep(ask_one(question), question)
    else:
        answers[SITE] = site
        say(f"\nSite: {site} (given on the command line)")
    questions = questions_for(pack, answers[SITE])
    for i, question in enumerate(questions):
        pending = {q.field for q in questions[i:]}
        facts = parse_case(case_data(answers)).facts()
        live = reasons(pack, facts, pending).get(question.field)
        if not live:
            skipped.append(question.field)
            say(f"\nnot asked: {question.label} [{question.field}]: no rule can use it given the answers so far")
            continue
        current = replace(question, why=_why(pack, live))
        answer = ask_one(current)
        keep(answer, current)
        if question.field == HEALTH and answer.value is None:
            follow_up = ecog_question(pack, current.why)
            answer = ask_one(follow_up)
            if answer.value is not None:
                unknown.remove(HEALTH)
                answers[ECOG] = answer.value
    return Result(answers=answers, case=parse_case(case_data(answers)), unknown=unknown, skipped=skipped)
