"""The clinician's checklist: the questions of ``cryoelig.views.questions`` asked one by one.

Three pure parts, testable without a terminal:

- ``questions_for(pack, site)`` (in ``cryoelig.views.questions``): the ordered questions for a site,
  each with why it is asked (rule ids, factor labels, cited quotes);
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..case.contract import CASE_ID_PATTERN, Case, parse_case
from ..case.grammar import BOOL_WORDS, GrammarError, parse_number
from ..case.limits import MAX_ANSWER_CHARS
from ..case.measures import MEASURES, RangeError, read_written
from ..errors import InputError, Problem
from ..rulepack.packmodel import Pack
from ..wording import directive_words
from .questions import (
    CASE_ID,
    ECOG,
    HEALTH,
    SITE,
    UNKNOWN_WORDS,
    NumberSpec,
    Question,
    asked_for,
    case_id_question,
    ecog_question,
    number_spec,
    questions_for,
    reasons,
    site_question,
    why_of,
)

#: Answers that record a list as known to be empty.
NONE_WORDS = frozenset({"none", "no", "-", "nothing"})


class AnswerError(ValueError):
    """An answer that cannot be used; the message says what is accepted."""


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
    # The refused answer is never repeated: it may be exactly what must not be echoed.
    token = _norm(token)
    for number, value, label in question.choices():
        if token in (_norm(str(value)), _norm(label)) or (question.numbered and token == str(number)):
            return value
    if not question.numbered and token.isdigit():
        raise AnswerError("a number alone is not read as a health word here: type good, fair or poor, or "
                          "'ecog 2' for an ECOG performance status 0-4.")
    raise AnswerError(f"not one of the listed answers: {question.allowed}.")


def _number(question: Question, text: str) -> Answer:
    """A number in the one input grammar (cryoelig.case.grammar: plain decimals, '.' or ','), optionally
    followed by the field's unit or its other unit ('39 mm' for a size asked in cm), read against the
    field's range as a case file's is (cryoelig.case.measures). When the range chose how a comma reads,
    the answer keeps the number as typed, so the case gives the same input note as a file."""
    spec = question.number or NumberSpec(integer=False)
    if spec.high is not None and (out_of := re.fullmatch(r"\s*(\S+?)\s*/\s*([0-9]+)\s*", text)) \
            and float(out_of[2]) == spec.high:
        text = out_of[1]  # a score written with its scale: '7/10' for a 0 to 10 rating
    if question.field == ECOG:
        text = re.sub(r"^\s*ecog\s*:?", "", text, flags=re.IGNORECASE)  # 'ecog 2' typed at the ECOG question
    match = re.fullmatch(r"\s*([^\sa-z]+)\s*([a-z]*)\s*", text.lower())
    if not match:
        raise AnswerError("expected " + spec.describe() + ".")
    number_text, unit = match[1], match[2]
    target, target_spec = question.field, spec
    if unit and unit not in (spec.unit, spec.alt_unit):
        raise AnswerError(f"this unit is not accepted here; expected {spec.describe()}.")
    if unit and unit == spec.alt_unit and spec.alt_field:
        target, target_spec = spec.alt_field, number_spec(spec.alt_field)
    note = None
    try:
        if target in MEASURES:
            value, note = read_written(target, number_text)
        else:
            value = parse_number(number_text, whole=target_spec.integer)
    except RangeError as error:  # the field's range, its unit slips, a comma it cannot choose a reading of
        raise AnswerError(f"{error}.") from None
    except GrammarError:
        raise AnswerError(f"expected {target_spec.describe()}.") from None
    if not target_spec.integer and float(value).is_integer() and not re.search(r"[.,]", number_text):
        value = int(value)
    if not target_spec.contains(value):
        raise AnswerError(f"out of range: expected {target_spec.describe().split(', or ')[0]}.")
    return Answer(target, number_text if note is not None else value)


def parse_answer(question: Question, text: str) -> Answer:  # noqa: C901 - one branch per answer kind
    """One typed answer -> Answer, or AnswerError saying what is accepted (never repeating the answer).

    The same grammar as case files (cryoelig.case.grammar): yes/no answers are yes, no, true or false in
    any letter case; listed values in any letter case, or their number; plain decimal numbers."""
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"an answer longer than {MAX_ANSWER_CHARS} characters is not accepted.")
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
        if norm in BOOL_WORDS:
            return Answer(question.field, BOOL_WORDS[norm])
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
    if question.field == CASE_ID and not CASE_ID_PATTERN.fullmatch(raw):
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


def answer_problem(answers: Mapping[str, Any], answer: Answer, pack: Pack) -> str | None:
    """What the Case model says against the answers with this one added, or None when accepted: the
    loaded pack's sites and, for a total given, its points."""
    trial = {**answers, answer.field: answer.value}
    trial.setdefault(CASE_ID, "checklist")
    sites = pack.site_ids
    if SITE not in trial:
        trial[SITE] = "other" if "other" in sites or not sites else sites[0]
    try:
        parse_case(case_data(trial), pack)
    except InputError as error:
        messages = []
        for problem in error.problems:
            message = problem.message
            if directive_words(message):  # pydantic's own wording; keep the tool's voice
                message = "not accepted by the case schema"
            messages.append(message)
        return "; ".join(dict.fromkeys(messages))
    return None


def live_question(pack: Pack, facts: Mapping[str, Any], questions: Sequence[Question], index: int,
                  scales: bool = False) -> Question | None:
    """Question ``index`` with why it is asked now, or None when no rule can use its answer given
    ``facts`` (the earlier answers; this question and the later ones are still open). The terminal
    dialogue and the browser form (``cryoelig.web``) both decide through this, so they ask alike."""
    question = questions[index]
    pending = {q.field for q in questions[index:]}
    live = asked_for(pack, reasons(pack, facts, pending).get(question.field, []), scales, question.field)
    return replace(question, why=why_of(pack, live)) if live else None


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
    "Answer each question. 'unknown', '?' or just Enter leaves a field out: it then shows under "
    "Information not given, never as a guess. Numbers in the lists can be typed instead of the words. "
    "Enter no names, dates or record numbers. Ctrl-C cancels; nothing is saved."
)


def run(pack: Pack, ask: Callable[[str], str], say: Callable[[str], None], site: str | None = None,
        scales: bool = False) -> Result:
    """Ask the questions through ``ask`` (returns one line; may raise EOFError or
    KeyboardInterrupt) and ``say`` (shows text); return the validated answers. The published
    scales' questions are asked after the source article's, with ``scales`` only."""
    if site is not None:  # given on the command line: the same answers as typed, checked before any question
        try:
            site = parse_answer(site_question(pack), site).value
        except AnswerError as error:
            raise InputError([Problem(str(error), field=SITE)]) from None
    dialogue = _Dialogue(pack, ask, say, scales)
    say(f"cryoelig checklist, rule pack {pack.name} {pack.version}. {INTRO}")
    dialogue.keep(dialogue.ask_one(case_id_question()))
    if site is None:
        dialogue.keep(dialogue.ask_one(site_question(pack)))
    else:
        dialogue.answers[SITE] = site
        say(f"\nSite: {site} (given on the command line)")
    dialogue.rule_questions(questions_for(pack, dialogue.answers[SITE], scales=scales))
    return dialogue.result()


class _Dialogue:
    """The answers so far, and how each question is asked, re-asked or skipped."""

    def __init__(self, pack: Pack, ask: Callable[[str], str], say: Callable[[str], None], scales: bool = False):
        self.pack, self.ask, self.say, self.scales = pack, ask, say, scales
        self.answers: dict[str, Any] = {}
        self.unknown: list[str] = []
        self.skipped: list[str] = []

    def case(self) -> Case:
        return parse_case(case_data(self.answers), self.pack)

    def ask_one(self, question: Question) -> tuple[Answer, Question]:
        self.say("\n" + question.block())
        while True:
            text = self.ask("> ")
            try:
                answer = parse_answer(question, text)
            except AnswerError as error:
                self.say(f"  not accepted: {error}")
                continue
            if answer.value is not None and (
                    problem := answer_problem(self.answers, answer, self.pack)):
                self.say(f"  not accepted: {problem}. Answers: {question.allowed}")
                continue
            return answer, question

    def keep(self, asked: tuple[Answer, Question]) -> None:
        answer, question = asked
        if answer.value is None:
            self.unknown.append(question.field)
        else:
            self.answers[answer.field] = answer.value

    def rule_questions(self, questions: list[Question]) -> None:
        """Each question while some rule can still use its answer; 'not asked' otherwise."""
        for i, question in enumerate(questions):
            if question.field in self.answers or question.field in self.unknown:  # asked already
                continue
            current = live_question(self.pack, self.case().facts(), questions, i, self.scales)
            if current is None:
                self.skipped.append(question.field)
                self.say(f"\nnot asked: {question.label} [{question.field}]: no rule can use it given the answers "
                         "so far")
                continue
            answer, _ = asked = self.ask_one(current)
            self.keep(asked)
            if question.field == HEALTH and answer.value is None:
                follow_up, _ = self.ask_one(ecog_question(self.pack, current.why))
                if follow_up.value is not None:
                    self.unknown.remove(HEALTH)
                    self.answers[ECOG] = follow_up.value

    def result(self) -> Result:
        return Result(answers=self.answers, case=self.case(), unknown=self.unknown, skipped=self.skipped)
