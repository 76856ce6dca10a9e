"""Each page of the site built from the pack, the form and one ``review()``; Jinja2 lays them out.

Why one class per served pack: the template environment, the static files and the pack's
derived tables (rules in order, factors, scenarios) are made once at start-up; a request only
reads its form, reviews the case and renders. Autoescape is on for every template, and no
template marks case or pack text safe.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from .. import render
from ..case.contract import Case, parse_case
from ..errors import CryoeligError, InputError, Problem
from ..facade import Review, review
from ..report.projection import DISCLAIMER, format_value
from ..rulepack.packmodel import Pack
from ..views.checklist import AnswerError, case_data, parse_answer
from ..views.explanation import explanation_of
from ..views.questions import SITE, make_question, questions_for
from . import pageviews as views
from .form import UNKNOWN_NAME, ChecklistState, read_form

STATIC: dict[str, tuple[bytes, str]] = {
    name: ((resources.files(__package__) / "static" / name).read_bytes(), media)
    for name, media in (("site.css", "text/css"), ("checklist.js", "text/javascript"))
}
_MEDIA = {"case.yaml": "application/yaml", "case.json": "application/json"}


class PageError(CryoeligError):
    """A page that cannot be shown as asked: the page to show instead, and its status."""

    def __init__(self, page: str, status: int):
        super().__init__("page error")
        self.page, self.status = page, status


def _environment() -> jinja2.Environment:
    from ..render.common import TITLE, clause_text, pack_line
    from ..render.explanation_tree import MARK, SECTIONS, clause_line, clause_value, rule_title
    from ..render.kinds import kind_word
    from ..render.scale_lines import html_section

    env = jinja2.Environment(loader=jinja2.PackageLoader(__package__, "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(TITLE=TITLE, DISCLAIMER=DISCLAIMER, clause_text=clause_text, pack_line=pack_line,
                       format_value=format_value, kind_word=kind_word, MARK=MARK, SECTIONS=SECTIONS,
                       clause_line=clause_line, clause_value=clause_value, rule_title=rule_title,
                       MISSING_TITLE=views.MISSING_TITLE, UNKNOWN_NAME=UNKNOWN_NAME,
                       # the published scales beside the source article's points (escaped by html_section)
                       scales_section=lambda report: markupsafe.Markup("\n".join(html_section(report))))
    return env


class Site:
    """The pages of one served pack."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.env = _environment()
        self.env.globals.update(pack=pack, source_line=views.source_line(pack))

    def _render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def not_found(self, message: str) -> str:
        return self.message("Not found", message)

    def message(self, title: str, message: str) -> str:
        return self._render("message.html", title=title, message=message)

    def _missing(self, what: str) -> PageError:
        return PageError(self.not_found(f"The rule pack has no {what} by that name."), 404)

    # ------------------------------------------------------------ the checklist

    def start(self, problems: list[Problem] | None = None) -> str:
        return self._render("start.html", title="Checklist", problems=problems or [])

    def review_of(self, state: ChecklistState) -> Review:
        return review(state.case(), self.pack)

    def checklist(self, values: dict[str, list[str]], notice: str | None = None) -> str:
        state = read_form(self.pack, values)
        return self._render("checklist.html", title=f"Checklist: {state.site_label}", state=state,
                            report=self.review_of(state).report, views=views, notice=notice)

    def fragments(self, values: dict[str, list[str]]) -> str:
        """The questions and the findings, as the page shows them, for the script to swap in."""
        state = read_form(self.pack, values)
        return self._render("fragments.html", state=state, report=self.review_of(state).report, views=views)

    def problem_fragment(self, error: InputError) -> str:
        return self._render("problems.html", problems=error.problems)

    def download(self, values: dict[str, list[str]], name: str) -> tuple[bytes | str, str, str]:
        """(body, media type, file name) of one download, or a PageError with the page to show."""
        try:
            state = read_form(self.pack, values)
        except InputError as error:
            raise PageError(self.start(error.problems), 422) from None
        if not state.labelled or state.problems:
            notice = ("Give an accepted case label first: it names the downloaded files." if not state.labelled
                      else "Some answers are not accepted (marked below): correct or clear them before downloading.")
            raise PageError(self.checklist(values, notice), 422)
        data = state.data()
        stem = f"{state.answers['case_id']}"
        if name == "case.yaml":
            import yaml

            return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), _MEDIA[name], f"{stem}.yaml"
        if name == "case.json":
            return json.dumps(data, indent=2, ensure_ascii=False) + "\n", _MEDIA[name], f"{stem}.json"
        fmt = render.for_suffix("printable", _suffix(name))
        report = self.review_of(state).report
        try:
            body = render.printable(report, self.pack, fmt.name)  # the bytes of `cryoelig report`
        except CryoeligError as error:  # the PDF extra is not installed
            raise PageError(self.checklist(values, str(error)), 501) from None
        return body, fmt.media_type, f"{stem}{_suffix(name).suffix}"

    # ------------------------------------------------------------ the explorer

    def explore(self) -> str:
        return self._render("explore.html", title="Explorer: the rule pack", views=views,
                            rules=views.rules_in_order(self.pack), factors=views.factor_rows(self.pack),
                            scenarios=self.scenarios(), graph=self.graph() is not None)

    def rule(self, rule_id: str) -> str:
        rule = self.pack.rule_by_id.get(rule_id)
        if rule is None:
            raise self._missing("rule")
        return self._render("rule.html", title=f"Rule {rule.id}", page=views.rule_page(self.pack, rule), views=views)

    def source(self, source_id: str) -> str:
        spec = self.pack.source_by_id.get(source_id)
        if spec is None or source_id not in self.pack.source_texts:
            raise self._missing("source")
        return self._render("source.html", title=spec.title, spec=spec,
                            passages=views.passages(self.pack, source_id), statements=views.statement_rows(self.pack))

    @functools.cached_property
    def _scenarios(self) -> dict[str, Any]:
        from ..views.scenarios import load_scenario, scenario_files

        found = {}
        for path in scenario_files(self.pack):
            try:
                found[path.stem] = load_scenario(path)
            except CryoeligError:
                continue
        return found

    def scenarios(self) -> list[tuple[str, str]]:
        return [(key, s.name) for key, s in self._scenarios.items()]

    def scenario(self, key: str) -> str:
        scenario = self._scenarios.get(key)
        if scenario is None:
            raise self._missing("scenario")
        return self.reasoning(scenario.case, heading=f"Scenario: {scenario.name}")

    def reasoning(self, data: dict[str, Any], heading: str) -> str:
        """The reasoning tree of a case document, with the what-if form."""
        case = self._case(data)
        reviewed = review(case, self.pack)
        return self._render("reasoning.html", title=heading, heading=heading,
                            ex=explanation_of(reviewed.report, reviewed.trace), case_json=_json(data),
                            fields=self._whatif_fields(case), views=views)

    def reasoning_of_form(self, values: dict[str, list[str]]) -> str:
        """The reasoning of the checklist's answers, or of a case document pasted on the explorer."""
        if "case_text" in values:
            from ..inputs import decode_document

            text = values["case_text"][0]
            try:
                data = decode_document(text.encode("utf-8"), "pasted case")
            except InputError as error:
                raise PageError(self._problems_page(error.problems), 422) from None
            return self.reasoning(data, "The reasoning for a pasted case")
        try:
            state = read_form(self.pack, values)
        except InputError as error:
            raise PageError(self.start(error.problems), 422) from None
        return self.reasoning(state.data(), "The reasoning for the checklist's answers")

    def what_if(self, values: dict[str, list[str]]) -> str:
        """Change one answer of a case and show which points change (a diff of two Reviews)."""
        from ..views.compare import compare

        data = self._posted_case(values)
        before = self._case(data)
        name = (values.get("field") or [""])[0]
        if name not in {f for f, _, _ in self._whatif_fields(before)}:
            raise PageError(self._problems_page([Problem("choose one of the listed answers to change")]), 422)
        question = make_question(self.pack, name)
        try:
            answer = parse_answer(question, (values.get("value") or [""])[0])
        except AnswerError as error:
            raise PageError(self._problems_page([Problem(str(error), field=name)]), 422) from None
        answers = {k: v for k, v in _dotted(data).items() if k not in (name, question.number and
                                                                          question.number.alt_field)}
        if answer.value is not None:
            answers[answer.field] = answer.value
        after_data = case_data(answers)
        after = self._case(after_data)
        change = compare(review(before, self.pack).report, review(after, self.pack).report)
        return self._render("whatif.html", title="What if", change=change, question=question,
                            old=format_value(before.facts().get(name)), new=format_value(after.facts().get(name)),
                            case_json=_json(after_data), before_json=_json(data), views=views)

    def graph(self) -> str | None:
        return _graph(self.pack)

    # ------------------------------------------------------------ helpers

    def _case(self, data: Any) -> Case:
        try:
            return parse_case(data, self.pack)
        except InputError as error:
            raise PageError(self._problems_page(error.problems), 422) from None

    def _posted_case(self, values: dict[str, list[str]]) -> dict[str, Any]:
        from ..inputs import decode_document

        try:
            data = decode_document((values.get("case") or [""])[0].encode("utf-8"), "case.json")
        except InputError as error:
            raise PageError(self._problems_page(error.problems), 422) from None
        if not isinstance(data, dict):
            raise PageError(self._problems_page([Problem("the case is not a mapping of fields")]), 422)
        return data

    def _problems_page(self, problems: list[Problem]) -> str:
        return self._render("message.html", title="Not accepted", message=None, problems=problems)

    def _whatif_fields(self, case: Case) -> list[tuple[str, str, str]]:
        """(field, label, current value) of each answer the checklist asks at the case's site."""
        facts = case.facts()
        return [(q.field, q.label, format_value(facts.get(q.field))) for q in questions_for(self.pack, case.site)
                if q.field != SITE]


@functools.lru_cache(maxsize=4)
def _graph(pack: Pack) -> str | None:
    return views.rule_graph(pack)


def _suffix(name: str) -> Any:
    from pathlib import PurePath

    return PurePath(name)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=False)


def _dotted(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested case document as dotted answers (the inverse of ``checklist.case_data``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out

