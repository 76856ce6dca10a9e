"""Published scales as data, and their arithmetic: total, band, components with points, citation.

Why here and pure: a published scale is a small table (component values -> points; total -> band) that
the team can check against the paper line by line. The table lives in the published-scales pack
(``scales.yaml``); this module only adds up what the case gives. A component the case does not give stays
unknown, never 0: with any component unknown and no total given, the scale is "incomplete: N of M
components given" and has no band. No typer, no rich, no I/O.

Three kinds of entry:
- ``score``: components -> points -> total -> band (Mirels, SINS, R.E.N.A.L.);
- ``grade``: a value given as such, with the paper's description paraphrased (ECOG, Karnofsky);
- ``measure``: a value compared with published thresholds -> band (INR, platelets, worst pain, T1a size).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import InputError, Problem

Kind = Literal["score", "grade", "measure"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Interval(_Strict):
    """Bounds of a range; each of gt / ge / lt / le may be left out (open on that side)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @model_validator(mode="after")
    def _one_bound_per_side(self) -> Interval:
        if self.gt is not None and self.ge is not None:
            raise ValueError("give gt or ge, not both")
        if self.lt is not None and self.le is not None:
            raise ValueError("give lt or le, not both")
        if all(v is None for v in (self.gt, self.ge, self.lt, self.le)):
            raise ValueError("a range needs at least one bound (gt, ge, lt or le)")
        return self

    def contains(self, x: float) -> bool:
        return ((self.gt is None or x > self.gt) and (self.ge is None or x >= self.ge)
                and (self.lt is None or x < self.lt) and (self.le is None or x <= self.le))

    @property
    def bounds(self) -> list[float]:
        return [v for v in (self.gt, self.ge, self.lt, self.le) if v is not None]

    @property
    def text(self) -> str:
        """The range as a reader sees it, e.g. '> 4 and < 7', '<= 4'."""
        parts = [f"{sym} {_num(v)}" for sym, v in ((">", self.gt), (">=", self.ge), ("<", self.lt), ("<=", self.le))
                 if v is not None]
        return " and ".join(parts)


class Cite(_Strict):
    """A paper and a place in it. No quote: the paper's text is not stored (see docs/published-scales.md)."""

    source: str
    locator: str = Field(..., min_length=3)


class Choice(_Strict):
    value: str | bool
    points: int
    label: str


class PointRange(Interval):
    points: int
    label: str


class Component(_Strict):
    """One component: a case field and either named choices or numeric ranges, each worth some points."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    field: str
    label: str
    choices: list[Choice] | None = None
    ranges: list[PointRange] | None = None
    #: The field is one the case gives for other reasons too (R.E.N.A.L.'s R reads tumor.size_cm): given
    #: alone, it does not count as the team having started this scale.
    shared: bool = False

    @model_validator(mode="after")
    def _choices_or_ranges(self) -> Component:
        if (self.choices is None) == (self.ranges is None):
            raise ValueError(f"component '{self.id}' needs either choices or ranges")
        return self

    @property
    def options(self) -> list[Choice] | list[PointRange]:
        return self.choices if self.choices is not None else self.ranges  # type: ignore[return-value]

    @property
    def min_points(self) -> int:
        return min(o.points for o in self.options)

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)

    def option_for(self, value: Any) -> Choice | PointRange | None:
        """The choice or range a given value falls in (None when it falls in none: a data problem)."""
        if self.choices is not None:
            return next((c for c in self.choices if c.value == value and type(c.value) is type(value)), None)
        return next((r for r in self.ranges or () if r.contains(value)), None)


class DescriptorCode(_Strict):
    value: str | bool
    code: str


class Descriptor(_Strict):
    """A letter the paper adds to the total without points (R.E.N.A.L.: a/p/x, h)."""

    id: str
    field: str
    label: str
    codes: list[DescriptorCode]

    def code_for(self, value: Any) -> str:
        return next((c.code for c in self.codes if c.value == value and type(c.value) is type(value)), "")


class Level(_Strict):
    value: int
    description: str


class Band(Interval):
    id: str = Field(..., pattern=r"^[a-z0-9_]+$")
    label: str
    factor: str


class Scale(_Strict):
    """One published scale or threshold, as the pack's scales.yaml describes it."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    name: str
    short: str
    applies_to: str
    applies_when: Any
    cites: list[Cite] = Field(..., min_length=1)
    note: str | None = None
    # score
    total_field: str | None = None
    fact: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    components: list[Component] = []
    descriptors: list[Descriptor] = []
    # grade and measure
    field: str | None = None
    unit: str | None = None
    levels: list[Level] = []
    given_factor: str | None = None
    # score and measure
    bands: list[Band] = []

    @model_validator(mode="after")
    def _keys_for_kind(self) -> Scale:
        need = {"score": ("total_field", "fact", "minimum", "maximum", "components", "bands"),
                "grade": ("field", "levels", "given_factor"),
                "measure": ("field", "bands")}[self.kind]
        missing = [k for k in need if getattr(self, k) in (None, [])]
        if missing:
            raise ValueError(f"a {self.kind} scale needs {', '.join(missing)}")
        foreign = {"score": ("field", "levels", "given_factor"),
                   "grade": ("total_field", "fact", "components", "descriptors", "bands"),
                   "measure": ("total_field", "fact", "components", "descriptors", "levels", "given_factor")}
        extra = [k for k in foreign[self.kind] if getattr(self, k) not in (None, [])]
        if extra:
            raise ValueError(f"a {self.kind} scale has no {', '.join(extra)}")
        return self

    def band_for(self, value: float) -> Band | None:
        return next((b for b in self.bands if b.contains(value)), None)

    @property
    def input_fields(self) -> list[str]:
        """Every case field the scale reads, in order (components, total, descriptors; or the one field)."""
        if self.kind != "score":
            return [self.field]  # type: ignore[list-item]
        return [c.field for c in self.components] + [self.total_field] + [d.field for d in self.descriptors]  # type: ignore[list-item]


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

    @property
    def summary(self) -> str:
        """One line: 'total 10 (band ...)' / 'incomplete: 2 of 4 components given' / 'not given'."""
        if self.status == "not_given":
            return "not given"
        if self.status == "incomplete":
            return f"incomplete: {self.given_count} of {self.component_count} components given"
        value = _num(self.total)
        if self.scale.kind == "grade":
            return f"{value}{self.scale.unit or ''}: {self.level.description}" if self.level else value
        unit = self.scale.unit or ""
        spaced = unit if unit[:1] in ("/", "%", "") else f" {unit}"
        head = f"total {value}{self.descriptors}" if self.scale.kind == "score" else f"{value}{spaced}"
        if self.total_from == "given":
            head += " (total given)"
        return f"{head}; {self.band.label}" if self.band else head


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


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
