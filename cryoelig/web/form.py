"""The checklist as one browser form: the form's fields in; the questions, answers and problems out.

Why here and not in a template: which question shows is the checklist's own decision
(``views.checklist.live_question``: a question shows only while some rule can still use its answer,
given the earlier answers, re-derived on every request), every answer is read by
``checklist.parse_answer`` and checked by the Case model (``checklist.answer_problem``), so the
page asks what ``cryoelig checklist`` asks and refuses what it refuses, with the same messages.
A refused answer is never sent back (its input comes back empty). Nothing is kept on the server:
the answers travel in the form itself, and each request rebuilds the state from them.

How a form value becomes the answer a person would type: a radio button carries the listed
value's label ("primary cancer unknown", "yes"), the checkboxes of a list are joined with commas,
a number or text is the typed text; the "unknown" choice (a radio, or a checkbox named
``unknown`` beside a typed answer) is the word "unknown". An empty answer is unknown, as Enter is
in the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..case.contract import Case, parse_case
from ..errors import InputError
from ..rulepack.packmodel import Pack
from ..views.checklist import Answer, AnswerError, answer_problem, case_data, live_question, parse_answer
from ..views.questions import (
    CASE_ID,
    ECOG,
    HEALTH,
    SITE,
    Question,
    case_id_question,
    ecog_question,
    questions_for,
    site_question,
)

#: The name of the checkboxes that say "unknown" beside a typed answer (their value: the field).
UNKNOWN_NAME = "unknown"
#: The case label used for the findings while the form has none yet (never downloaded).
PLACEHOLDER_ID = "checklist"
#: Fields in a request body at most (a form has a few dozen).
MAX_FIELDS = 400

State = Literal["open", "given", "unknown", "refused"]


@dataclass(frozen=True)
class Item:
    """One question as the form shows it: its current "why asked", the state of its answer, the
    value (``given`` only), the typed text to show again (``given`` only), and the problem."""

    question: Question
    state: State = "open"
    value: Any = None
    text: str = ""
    error: str | None = None

    @property
    def slug(self) -> str:
        """The field as an HTML id part ('tumor.size_cm' -> 'tumor-size_cm')."""
        return self.question.field.replace(".", "-")

    def checked(self, value: Any) -> bool:
        """Whether a listed value (or True/False of a yes/no question) is the answer."""
        if self.state != "given":
            return False
        if isinstance(self.value, list):
            return value in self.value
        return self.value == value and type(self.value) is type(value)


@dataclass
class ChecklistState:
    """The whole form: the site, the case label, the questions shown and those no rule can use."""

    pack: Pack
    site: str
    case_id: Item
    items: list[Item] = field(default_factory=list)
    skipped: list[Question] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)  # dotted field -> value, site and label included
    #: the published scales' questions are asked too (the page's toggle; the terminal's --scales)
    scales: bool = False

    @property
    def site_label(self) -> str:
        return self.pack.site_labels.get(self.site, self.site)

    @property
    def labelled(self) -> bool:
        """The case has an accepted label (the downloads need one)."""
        return CASE_ID in self.answers

    def data(self) -> dict[str, Any]:
        """The answers as a case document (the nested form of a case file)."""
        return case_data(self.answers if self.labelled else {CASE_ID: PLACEHOLDER_ID, **self.answers})

    def case(self) -> Case:
        return parse_case(self.data(), self.pack)

    @property
    def problems(self) -> list[Item]:
        return [i for i in (self.case_id, *self.items) if i.error]


def form_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs -> name -> values (in order); at most MAX_FIELDS pairs are read."""
    values: dict[str, list[str]] = {}
    for count, (name, value) in enumerate(pairs):
        if count >= MAX_FIELDS:
            break
        values.setdefault(name, []).append(value)
    return values


def read_site(pack: Pack, values: dict[str, list[str]]) -> str:
    """The site of the form, read as the checklist's site question reads it (InputError if refused)."""
    from ..errors import Problem

    text = (values.get(SITE) or [""])[0]
    try:
        answer = parse_answer(site_question(pack), text)
    except AnswerError as error:
        raise InputError([Problem(str(error), field=SITE)]) from None
    return answer.value


def answer_text(question: Question, values: dict[str, list[str]]) -> str:
    """What a person would have typed for this question, from the form's values."""
    given = values.get(question.field, [])
    if question.field in values.get(UNKNOWN_NAME, ()):
        return "unknown"
    if question.type == "list":
        return ", ".join(v for v in given if v.strip())
    return given[0] if given else ""


def read_item(pack: Pack, answers: dict[str, Any], question: Question, values: dict[str, list[str]]) -> tuple[
        Item, Answer | None]:
    """One question's answer: parsed as the terminal parses it, checked by the Case model with the
    answers so far. A refused answer keeps only its message."""
    text = answer_text(question, values)
    if not text.strip():
        return Item(question, "open"), None
    try:
        answer = parse_answer(question, text)
    except AnswerError as error:
        return Item(question, "refused", error=str(error)), None
    if answer.value is None:
        return Item(question, "unknown"), None
    problem = answer_problem(answers, answer, pack)
    if problem:
        return Item(question, "refused", error=f"{problem}. Answers: {question.allowed}"), None
    return Item(question, "given", value=answer.value, text=text.strip()), answer


def _facts(pack: Pack, answers: dict[str, Any]) -> dict[str, Any]:
    return parse_case(case_data({CASE_ID: PLACEHOLDER_ID, **answers}), pack).facts()


def read_form(pack: Pack, values: dict[str, list[str]]) -> ChecklistState:
    """The checklist state of a submitted form (InputError when the site is missing or refused)."""
    site = read_site(pack, values)
    answers: dict[str, Any] = {SITE: site}
    label, answer = read_item(pack, answers, case_id_question(), values)
    if answer is not None:
        answers[CASE_ID] = answer.value
    scales = (values.get("scales") or [""])[0] in ("on", "1", "yes")
    state = ChecklistState(pack, site, label, answers=answers, scales=scales)
    questions = questions_for(pack, site, scales=scales)
    asked = {q.field for q in questions}
    for index, question in enumerate(questions):
        current = live_question(pack, _facts(pack, answers), questions, index, scales)
        if current is None:
            state.skipped.append(question)
            continue
        item, answer = read_item(pack, answers, current, values)
        state.items.append(item)
        if answer is not None:
            answers[answer.field] = answer.value
        if question.field == HEALTH and ECOG not in asked and item.state == "unknown":  # the terminal's follow-up
            follow, answer = read_item(pack, answers, ecog_question(pack, current.why), values)
            state.items.append(follow)
            if answer is not None:
                answers[answer.field] = answer.value
    return state
