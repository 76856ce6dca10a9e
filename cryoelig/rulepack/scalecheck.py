"""The gate for a pack that cites papers instead of quoting stored texts, and for its published scales.

Why its own module: the source pack's gate checks every quote verbatim against a stored text. The
papers behind the published scales cannot be copied, so there is nothing to check a quote against.
Instead every such source is cited in full (checked here: what each kind of source needs, a DOI that
looks like one), every cite names a known source and a place in it (``cryoelig.rulepack.validate``), and the
numbers are checked against each other: bands cover each total exactly once, numeric ranges leave no gap
and overlap nowhere, a component's choices are exactly the case contract's values, a score's minimum and
maximum are its components' sums, and each band has exactly one rule whose clauses say exactly that band
and whose other clauses are the scale's ``applies_when``. Where each number comes from is in
docs/published-scales.md. Part of validating a pack (it reads the pack's rules and conditions), so it
lives in the rulepack package, above the scales it checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import Problem
from ..scales.scalemodel import Band, PointRange, Scale
from ..wording import own_words
from .conditions import Condition, ConditionError, Leaf, Node, parse
from .packmodel import PackMeta, Rule, SourceSpec

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PAGES = re.compile(r"^[A-Za-z]?\d+(-[A-Za-z]?\d+(\.[a-z]\d+)?)?$")
#: What each kind of source cited in full needs besides authors, title and year.
_NEEDS = {"journal-article": ("journal", "pages"), "book": ("publisher", "place"),
          "book-chapter": ("book", "editors", "publisher", "place", "pages")}

Lint = Callable[[str, str, str, "int | None", "list[Problem]"], None]


def citation_problems(source: SourceSpec, file: str, lint: Lint, problems: list[Problem]) -> None:
    """A source without a stored text is cited in full; every text of it is shown in reports, so linted."""
    where = f"source '{source.id}'"
    if source.kind is None or not source.authors or source.year is None:
        problems.append(Problem(f"{where}: give a file (a stored text) or cite it in full (kind, authors, "
                                "title, year, ...)", file=file))
        return
    for key in _NEEDS[source.kind]:
        if not getattr(source, key):
            problems.append(Problem(f"{where}: a {source.kind} is cited with its {key}", file=file))
    if source.kind == "journal-article" and not (source.volume or source.issue):
        problems.append(Problem(f"{where}: a journal article is cited with its volume or issue", file=file))
    if source.doi is not None and not DOI.match(source.doi):
        problems.append(Problem(f"{where}: '{source.doi}' is not a DOI (10.<registrant>/<suffix>)", file=file))
    if source.pages is not None and not PAGES.match(source.pages):
        problems.append(Problem(f"{where}: pages '{source.pages}' are not first-last", file=file))
    if not (source.doi or source.isbn or source.note):
        problems.append(Problem(f"{where}: give a DOI or ISBN, or a note saying why there is none", file=file))
    for text in (own_words(f"\u201c{source.title}\u201d"), source.book or "", source.note or ""):
        lint(f"{where} (shown in every report's sources)", text, file, None, problems)


def check_scales(scales: list[Scale], meta: PackMeta, specs: Mapping[str, Mapping[str, Any]], file: str,
                 lines: list[int | None], lint: Lint, problems: list[Problem]) -> dict[str, Condition]:
    """Every scale of scales.yaml; returns each scale's applies_when, parsed."""
    cited = {s.id for s in meta.sources if s.file is None}
    factors = {f.id for f in meta.factors}
    for f in meta.factors:
        if f.kind != "context":
            problems.append(Problem(f"factor '{f.id}': a published scale is context (kind: context), never "
                                    f"'{f.kind}'", file=file))
    guards: dict[str, Condition] = {}
    for scale, line in zip(scales, lines, strict=True):
        def problem(message: str, scale: Scale = scale, line: int | None = line) -> None:
            problems.append(Problem(f"scale '{scale.id}': {message}", file=file, line=line))

        for cite in scale.cites:
            if cite.source not in cited or cite.locator is None:
                problem(f"cites '{cite.source}': a scale cites a source cited in full, with a locator")
        for text in _texts(scale):
            lint(f"scale '{scale.id}'", text, file, line, problems)
        _check_fields(scale, specs, problem)
        _check_totals(scale, problem)
        for factor in scale.factors:
            if factor not in factors:
                problem(f"unknown factor '{factor}'")
        try:
            guards[scale.id] = parse(scale.applies_when, fields=specs)
        except ConditionError as error:
            problem(f"applies_when: {error}")
    if len({s.id for s in scales}) != len(scales):
        problems.append(Problem("a scale id is listed twice", file=file))
    return guards


def _texts(scale: Scale) -> list[str]:
    texts = [scale.name, scale.short, scale.applies_to, scale.note or ""]
    texts += [b.label for b in scale.bands] + [own_words(lv.description) for lv in scale.levels]
    for comp in scale.components:
        texts += [comp.label, *(o.label for o in comp.options)]
    return texts + [d.label for d in scale.descriptors]


def _check_fields(scale: Scale, specs: Mapping[str, Mapping[str, Any]], problem: Callable[[str], None]) -> None:
    """The fields a scale reads exist; a component's choices are exactly the contract's values."""
    for name in scale.input_fields:
        if name not in specs:
            problem(f"unknown case field '{name}'")
    for comp in scale.components:
        spec = specs.get(comp.field)
        if spec is None:
            continue
        if comp.choices is not None:
            values = [c.value for c in comp.choices]
            if spec["type"] not in ("enum", "bool") or sorted(values, key=str) != sorted(spec["values"], key=str):
                problem(f"component '{comp.id}': choices {values} differ from the values of '{comp.field}' "
                        f"in the case contract {spec['values']}")
        else:
            check_cover(f"component '{comp.id}'", comp.ranges or [], 0.0, problem)
    for desc in scale.descriptors:
        spec = specs.get(desc.field)
        if spec is not None and not {c.value for c in desc.codes} <= set(spec["values"] or []):
            problem(f"descriptor '{desc.id}': a value is not a value of '{desc.field}'")


def _check_totals(scale: Scale, problem: Callable[[str], None]) -> None:
    """A score's minimum and maximum are its components' sums and every total falls in one band;
    a measure's bands leave no gap and overlap nowhere."""
    if scale.kind == "score":
        low = sum(c.min_points for c in scale.components)
        high = sum(c.max_points for c in scale.components)
        if (low, high) != (scale.minimum, scale.maximum):
            problem(f"minimum/maximum {scale.minimum}-{scale.maximum} differ from the components' {low}-{high}")
        for total in range(low, high + 1):
            hits = [b.id for b in scale.bands if b.contains(total)]
            if len(hits) != 1:
                problem(f"total {total} falls in {len(hits)} bands ({', '.join(hits) or 'none'}); exactly one")
    elif scale.kind == "measure":
        check_cover("bands", scale.bands, None, problem)


def check_cover(what: str, ranges: list[Band] | list[PointRange], low: float | None,
                problem: Callable[[str], None]) -> None:
    """Ranges (or bands) leave no gap and overlap nowhere, probed at and around every bound."""
    bounds = sorted({b for r in ranges for b in r.bounds} | ({low} if low is not None else set()))
    if not bounds:
        return
    probes = {x for b in bounds for x in (b - 0.001, b, b + 0.001)} | {bounds[0] - 1, bounds[-1] + 1}
    for x in sorted(probes):
        if low is not None and x < low:
            continue
        hits = sum(1 for r in ranges if r.contains(x))
        if hits != 1:
            problem(f"{what}: the value {x:g} falls in {hits} ranges; exactly one")


def _top_items(cond: Condition | None) -> list[Condition]:
    if cond is None:
        return []
    return list(cond.items) if isinstance(cond, Node) and cond.op == "all" else [cond]


def check_bands_against_rules(scales: list[Scale], guards: Mapping[str, Condition], rules: list[Rule],
                              problems: list[Problem]) -> None:
    """Each band (and each 'given' factor) has exactly one rule; the rule's clauses on the scale's value
    say exactly the band's range, and its other clauses are the scale's applies_when. Every rule of a
    pack with scales raises a factor of one of them."""
    by_factor: dict[str, list[Rule]] = {}
    for rule in rules:
        by_factor.setdefault(rule.spec.factor or "", []).append(rule)
    owned = {f for s in scales for f in s.factors}
    for rule in rules:
        if rule.spec.factor not in owned:
            problems.append(Problem(f"rule '{rule.id}': in a pack with scales, every rule raises a band or "
                                    "'given' factor of one of them", file=rule.file, line=rule.line))
    for scale in scales:
        targets: list[tuple[str, Band | None]] = [(b.factor, b) for b in scale.bands]
        if scale.given_factor:
            targets.append((scale.given_factor, None))
        for factor, band in targets:
            found = by_factor.get(factor, [])
            if len(found) != 1:
                problems.append(Problem(f"scale '{scale.id}': factor '{factor}' has {len(found)} rules; exactly one"))
                continue
            message = _band_rule_problem(scale, band, found[0], guards.get(scale.id))
            if message:
                problems.append(Problem(f"rule '{found[0].id}': {message}", file=found[0].file, line=found[0].line))


def _band_rule_problem(scale: Scale, band: Band | None, rule: Rule, guard: Condition | None) -> str | None:
    value_field = scale.value_field
    top = _top_items(rule.condition)
    own = [x for x in top if isinstance(x, Leaf) and x.field == value_field]
    rest = [x for x in top if x not in own]
    if guard is not None and sorted(map(repr, rest)) != sorted(map(repr, _top_items(guard))):
        return f"its clauses other than those on '{value_field}' differ from scale '{scale.id}' applies_when"
    if band is None:
        return None if [x.op for x in own] == ["exists"] else \
            f"a 'given' rule reads '{value_field} exists' and nothing else on it"
    if not own:
        return f"no clause on '{value_field}' for band '{band.id}'"
    if scale.kind == "score":
        probes: set[float] = set(range(int(scale.minimum or 0), int(scale.maximum or 0) + 1))
    else:
        probes = {x for b in scale.bands for v in b.bounds for x in (v - 0.001, v, v + 0.001)}
    for x in sorted(probes):
        said = all(leaf.test(x) for leaf in own if leaf.test is not None)
        if said != band.contains(x):
            return f"at {value_field} = {x:g} its clauses say {said}, band '{band.id}' says {band.contains(x)}"
    return None
