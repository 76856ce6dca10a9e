"""The arithmetic of the published scales: total, band, components with points, on one case's facts.

Why here and pure: the tables are data (``cryoelig.scales.scalemodel``, filled from the published-scales
pack); this module only adds up what the case gives. A component the case does not give stays
unknown, never 0: with any component unknown and no total given, the scale is "incomplete: N of M
components given" and has no band. The totals it computes (``scales.mirels_total``, ...) are the
computed facts the pack's band rules read, in the Python evaluation and in the rule engine alike
(``cryoelig.reasoning.casefacts`` adds them to a case's facts, keeping each result per pack). No
typer, no rich, no I/O: the scales are always the loaded pack's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from ..errors import InputError, Problem
from .scalemodel import Band, Level, Scale, _num

# ---------------------------------------------------------------- results

@dataclass(frozen=True, slots=True)
class ComponentResult:
    """One component as the case gives it: the value, what it counts as, and its points (None: unknown)."""

    id: str
    field: str
    label: str
    value: Any
    value_label: str | None
    points: int | None

    @property
    def given(self) -> bool:
        return self.value is not None


Status = Literal["not_given", "incomplete", "complete", "total_given", "given"]


@dataclass(frozen=True, slots=True)
class ScaleResult:
    """A scale on one case: total (or value), band, components with points, and the citations."""

    scale: Scale
    status: Status
    total: float | None = None          # score: the total (components or given); measure/grade: the value
    total_from: Literal["components", "given"] | None = None
    components: tuple[ComponentResult, ...] = ()
    band: Band | None = None
    level: Level | None = None
    descriptors: str = ""

    @property
    def given_count(self) -> int:
        return sum(1 for c in self.components if c.given)

    @property
    def component_count(self) -> int:
        return len(self.components)

    @property
    def missing(self) -> tuple[str, ...]:
        """Fields whose absence leaves this scale without a total: its own missing information, nothing else."""
        if self.scale.kind == "score":
            return () if self.total is not None else tuple(c.field for c in self.components if not c.given)
        return () if self.total is not None else (self.scale.field,)  # type: ignore[return-value]

    def _shown(self, value: Any) -> str:
        """A measured value as the report shows every decimal (``report.shown_number``): cut, not rounded, to 2
        decimals, so 3.999999 cm never reads 4; the exact value when the cut one would fall in another band."""
        if not isinstance(value, float) or value.is_integer():
            return _num(value)
        cut = float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
        if self.scale.band_for(cut) != self.scale.band_for(value):
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return _num(cut)

    @property
    def summary(self) -> str:
        """One line: 'total 10 (band ...)' / 'incomplete: 2 of 4 components given' / 'not given'."""
        if self.status == "not_given":
            return "not given"
        if self.status == "incomplete":
            return f"incomplete: {self.given_count} of {self.component_count} components given"
        value = self._shown(self.total)
        if self.scale.kind == "grade":
            return f"{value}{self.scale.unit or ''}: {self.level.description}" if self.level else value
        unit = self.scale.unit or ""
        spaced = unit if unit[:1] in ("/", "%", "") else f" {unit}"
        head = f"total {value}{self.descriptors}" if self.scale.kind == "score" else f"{value}{spaced}"
        if self.total_from == "given":
            head += " (total given)"
        return f"{head}; {self.band.label}" if self.band else head


# ---------------------------------------------------------------- arithmetic

def score(scale: Scale, facts: Mapping[str, Any]) -> ScaleResult:
    """The scale on one case's facts (dotted field -> value; an absent field is unknown).

    Raises InputError when a given total disagrees with the components given: the caller validates input
    with ``consistency_problems`` first, so this only guards against a skipped check.
    """
    if scale.kind == "grade":
        value = facts.get(scale.field)  # type: ignore[arg-type]
        if value is None:
            return ScaleResult(scale, "not_given")
        level = next((lv for lv in scale.levels if lv.value == value), None)
        return ScaleResult(scale, "given", total=value, level=level)
    if scale.kind == "measure":
        value = facts.get(scale.field)  # type: ignore[arg-type]
        if value is None:
            return ScaleResult(scale, "not_given")
        return ScaleResult(scale, "given", total=value, band=scale.band_for(value))
    return _score_components(scale, facts)


def _components(scale: Scale, facts: Mapping[str, Any]) -> tuple[ComponentResult, ...]:
    out = []
    for comp in scale.components:
        value = facts.get(comp.field)
        option = comp.option_for(value) if value is not None else None
        out.append(ComponentResult(comp.id, comp.field, comp.label, value,
                                   option.label if option else None, option.points if option else None))
    return tuple(out)


def _score_components(scale: Scale, facts: Mapping[str, Any]) -> ScaleResult:
    components = _components(scale, facts)
    descriptors = "".join(d.code_for(facts.get(d.field)) for d in scale.descriptors)
    given_total = facts.get(scale.total_field)  # type: ignore[arg-type]
    problem = _conflict(scale, components, given_total)
    if problem:
        raise InputError([Problem(problem, field=scale.total_field)])
    known = [c.points for c in components if c.points is not None]
    if len(known) == len(components):
        total = sum(known)
        status: Status = "complete"
        source: Literal["components", "given"] | None = "components"
    elif given_total is not None:
        total, status, source = given_total, "total_given", "given"
    else:
        started = any(c.given for c, spec in zip(components, scale.components, strict=True) if not spec.shared)
        status = "incomplete" if started else "not_given"
        return ScaleResult(scale, status, components=components, descriptors=descriptors)
    return ScaleResult(scale, status, total=total, total_from=source, components=components,
                       band=scale.band_for(total), descriptors=descriptors)


def _conflict(scale: Scale, components: tuple[ComponentResult, ...], given_total: Any) -> str | None:
    """Why a given total cannot go with the components given (None when they agree or nothing to compare)."""
    if given_total is None or all(c.points is None for c in components):
        return None
    pairs = list(zip(components, scale.components, strict=True))
    known = sum(c.points for c, _ in pairs if c.points is not None)
    low = known + sum(spec.min_points for c, spec in pairs if c.points is None)
    high = known + sum(spec.max_points for c, spec in pairs if c.points is None)
    if low <= given_total <= high:
        return None
    names = ", ".join(f"{c.field} {c.points}" for c, _ in pairs if c.points is not None)
    if low == high:
        return (f"{scale.total_field} ({_num(given_total)}) differs from the sum of the components given "
                f"({names}: {low}); give the total or the components, or make them agree")
    return (f"{scale.total_field} ({_num(given_total)}) cannot be reached with the components given "
            f"({names}: possible totals {low} to {high}); give the total or the components, or make them agree")


def consistency_problems(scales: Iterable[Scale], facts: Mapping[str, Any], file: str | None = None,
                         row: int | None = None) -> list[Problem]:
    """Every given total that disagrees with its given components, as one Problem naming the total field."""
    problems = []
    for scale in scales:
        if scale.kind == "score":
            message = _conflict(scale, _components(scale, facts), facts.get(scale.total_field))  # type: ignore[arg-type]
            if message:
                problems.append(Problem(message, file=file, row=row, field=scale.total_field))
    return problems


def score_all(scales: Iterable[Scale], facts: Mapping[str, Any]) -> list[ScaleResult]:
    """Every scale on one case, in the pack's order."""
    return [score(scale, facts) for scale in scales]


def computed_facts(results: Iterable[ScaleResult]) -> dict[str, float]:
    """The totals the pack's rules read (e.g. ``scales.mirels_total``), for the scores whose total is known."""
    return {r.scale.fact: r.total for r in results  # type: ignore[misc]
            if r.scale.kind == "score" and r.total is not None}
