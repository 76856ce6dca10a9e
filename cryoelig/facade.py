"""The facade every caller uses: a case (or many) in, a Report with its Trace and timings out.

Why one entry: the command line, batch workers, the checklist, explain, the scenarios and a
service all need the same thing, the report of a case decided by the engine and explained by
the evaluation, the two cross-checked. The shape follows GoRules ZEN's ``evaluate`` with
trace (``{result, trace, performance}`` from one evaluation, and a success or an error entry
per item in a batch), keeping what ZEN lacks: the engine cross-check, three-valued unknown,
verified quotes.

Threads: ``review`` and ``review_many`` may be called from several threads at once; the
evaluation memo tolerates races and the engine runs one session at a time under its lock
(see ``cryoelig.reasoning.engine``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .case.contract import Case, parse_case, site_message
from .errors import InputError, Problem
from .reasoning.casefacts import case_facts
from .reasoning.evaluation import Trace, evaluate
from .report.projection import Report, report_of
from .rulepack.packmodel import Pack
from .wording import neutral_message

#: Cases per engine session when the engine is not used (the grouping of the input only).
_CHUNK = 250


@dataclass(frozen=True, slots=True)
class Review:
    """One case reviewed: the Report, the Trace it projects, and seconds per phase
    (``engine``: the case's share of its batched engine session, ``evaluate``, ``report``)."""

    report: Report
    trace: Trace
    timings: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class ReviewError:
    """An item of ``review_many`` that is not a usable case: its position and the problems."""

    index: int
    problems: list[Problem]


__all__ = ["Review", "ReviewError", "decide_many", "parse_case", "review", "review_many"]


def review(case: Case, pack: Pack, *, use_engine: bool = True) -> Review:
    """The report of one case: the engine decides (unless ``use_engine`` is False), the
    evaluation explains, and any disagreement raises EngineMismatchError."""
    (result,) = review_many([case], pack, use_engine=use_engine)
    if isinstance(result, ReviewError):  # case data that does not validate, or a site none of the pack's
        raise InputError(result.problems)
    return result


def review_many(items: Iterable[Case | Mapping[str, Any]], pack: Pack, *,
                use_engine: bool = True) -> Iterator[Review | ReviewError]:
    """A Review or a ReviewError per item, in order. Items are Cases, or case data (the nested
    form) validated here against the pack (``parse_case``); a Case whose site is none of the pack's
    is a ReviewError. The engine runs on batched sessions."""
    return _reviewed(items, pack, use_engine, True)


def decide_many(items: Iterable[Case | Mapping[str, Any]], pack: Pack, *,
                use_engine: bool = True) -> Iterator[Trace | ReviewError]:
    """As ``review_many``, the Trace of each case without its Report: decided (and checked against the
    engine) the same way, for a compact batch, which writes the decisions (``report.compact``) and not the
    words (the report's projection was two thirds of a review, measured)."""
    return _reviewed(items, pack, use_engine, False)  # type: ignore[return-value]


def _reviewed(items: Iterable[Case | Mapping[str, Any]], pack: Pack, use_engine: bool,
              reports: bool) -> Iterator[Review | Trace | ReviewError]:
    engine = None
    if use_engine:
        from .reasoning.engine import engine_for  # durable_rules: imported only when the engine runs

        engine = engine_for(pack)
    size = engine.cases_per_session if engine is not None else _CHUNK
    chunk: list[tuple[int, Case | Mapping[str, Any]]] = []
    for index, item in enumerate(items):
        chunk.append((index, item))
        if len(chunk) == size:
            yield from _review_chunk(chunk, pack, engine, reports)
            chunk = []
    if chunk:
        yield from _review_chunk(chunk, pack, engine, reports)


def _review_chunk(chunk: list[tuple[int, Case | Mapping[str, Any]]], pack: Pack,
                  engine: Any, reports: bool = True) -> list[Review | Trace | ReviewError]:
    slots: list[Case | ReviewError] = []
    for index, item in chunk:
        if type(item) is Case or isinstance(item, Case):  # the type first: a model's isinstance is an ABC check
            # A Case made without this pack (Case(...), or parsed with another pack) meets its sites here.
            slots.append(item if item.site in pack.site_ids else ReviewError(index, [Problem(
                neutral_message(site_message(pack.site_ids)), field="site")]))
            continue
        try:
            slots.append(parse_case(item, pack))
        except InputError as error:
            slots.append(ReviewError(index, error.problems))
    cases = [c for c in slots if type(c) is not ReviewError]
    facts = [case_facts(pack, c.facts()) for c in cases]  # the totals once, read by the engine and the evaluation
    fired: list[frozenset[str]] | list[None] = [None] * len(cases)
    engine_share = 0.0
    if engine is not None and cases:
        start = time.perf_counter()
        fired = engine.fire_many(facts)
        engine_share = (time.perf_counter() - start) / len(cases)
    decided = iter(zip(cases, facts, fired, strict=True))
    return [slot if type(slot) is ReviewError else _review_one(pack, *next(decided), engine_share, reports)
            for slot in slots]


def _review_one(pack: Pack, case: Case, facts: Mapping[str, Any], fired: frozenset[str] | None,
                engine_share: float, reports: bool = True) -> Review | Trace:
    start = time.perf_counter()
    trace = evaluate(pack, facts)
    if fired is not None:
        trace.check_engine(fired, case.case_id)
    if not reports:
        return trace
    evaluated = time.perf_counter()
    report = report_of(case, trace)
    timings = {"engine": engine_share, "evaluate": evaluated - start, "report": time.perf_counter() - evaluated}
    return Review(report, trace, timings)
