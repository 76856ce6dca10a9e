"""A published scale as data: its components and their points, its total, its bands, and where each
number comes from (the paper and the place in it).

Why data: a published scale is a small table the team can check against the paper line by line. The
tables live in the published-scales pack (``scales.yaml``), are validated by these models and by the pack
loader (bands cover every total once, choices are the case contract's values), and are added up by
``cryoelig.scales.scoring``; no number is written in Python.

Three kinds of entry:
- ``score``: components -> points -> total -> band (Mirels, SINS, R.E.N.A.L.);
- ``grade``: a value given as such, with the paper's description paraphrased (ECOG, Karnofsky);
- ``measure``: a value compared with published thresholds -> band (INR, platelets, worst pain, T1a size).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..citations import Cite

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
    #: The band lies at or past a threshold its paper names (SINS unstable, Mirels 9 or more, ...): the
    #: report's headline counts it. Data, so that no threshold is written in Python.
    named_threshold: bool = False


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
    def value_field(self) -> str:
        """The fact the scale's band rules compare: the computed total of a score, else the given field."""
        return (self.fact if self.kind == "score" else self.field) or ""

    @property
    def total_inputs(self) -> tuple[str, ...]:
        """The case fields a score's total is computed from (components, then the total given instead)."""
        return (*(c.field for c in self.components), self.total_field or "") if self.kind == "score" else ()

    @property
    def factors(self) -> list[str]:
        """The factors the scale's rules raise: one per band, and the 'given' factor of a grade."""
        return [b.factor for b in self.bands] + ([self.given_factor] if self.given_factor else [])

    @property
    def input_fields(self) -> list[str]:
        """Every case field the scale reads, in order (components, total, descriptors; or the one field)."""
        if self.kind != "score":
            return [self.field]  # type: ignore[list-item]
        return [c.field for c in self.components] + [self.total_field] + [d.field for d in self.descriptors]  # type: ignore[list-item]




class ScalesFile(_Strict):
    """A pack's scales.yaml."""

    scales: list[Scale] = Field(..., min_length=1)


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
