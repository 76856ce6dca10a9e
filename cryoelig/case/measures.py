"""The numeric fields of the case: each one's range, whether it is whole, its unit, and the unit slips a
value outside the range is recognised as; the one place a written number becomes a field's value.

Why one table: a number means the same whichever way it arrives (file, CSV/Parquet/xlsx cell, FHIR,
checklist, web form, API), and an implausible value is refused, never guessed. So the range of each
field is its plausible range: there is no band of values accepted with a warning. A value outside it
that matches a slip whose other reading is certain (platelets per uL under 1,000 read as x10^9/L; a size
in cm over 50 read as mm) is refused with that slip named, so the user can give it in the right field.

A comma that may be a thousands separator or a decimal comma (``1,500``) has two readings
(cryoelig.case.grammar); the field's range (and, for a whole-number field, wholeness) keeps those that fit.
None: the value is out of range. Both: refused with both named; they then lie in the field's range, which
in this contract happens only for ``labs.platelets`` between 1,000 and 5,000 (numbers of at most 4 digits,
too short to carry an identifier, so the message may show them). One: it is the value, and the choice is
an input note (``Case.input_notes``), as every conversion is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from .grammar import GrammarError, Reading, ambiguous, number_readings, shown_number


class RangeError(GrammarError):
    """A number the grammar reads that the field's range refuses (or cannot choose a reading of)."""


@dataclass(frozen=True)
class Slip:
    """Values in ``low..high`` (inclusive; by ``step`` when given) read as another unit or field."""

    low: float
    high: float
    hint: str
    step: int | None = None

    def matches(self, value: float) -> bool:
        return self.low <= value <= self.high and (self.step is None or value % self.step == 0)


@dataclass(frozen=True)
class Measure:
    """A numeric field of the case: values from ``low`` to ``high`` (inclusive) are accepted."""

    field: str
    low: float
    high: float
    whole: bool = False
    unit: str = ""
    slips: tuple[Slip, ...] = ()

    def fits(self, value: float) -> bool:
        return self.low <= value <= self.high and (not self.whole or type(value) is int)

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind} from {shown_number(self.low)} to {shown_number(self.high)}{unit}"

    def out_of_range(self, value: float) -> RangeError:
        """The refusal of a value outside the range, with the slip it matches, if any; the value is not shown."""
        hint = next((s.hint for s in self.slips if s.matches(value)), None)
        return RangeError(f"out of range: expected {self.describe()}" + (f"; {hint}" if hint else ""))

    def read(self, value: Any) -> tuple[Reading, str | None]:
        """The field's value from a value as given, and the input note when a comma had two readings or was
        read as a thousands separator (None otherwise); GrammarError when refused."""
        readings = number_readings(value, self.whole)
        fitting = tuple(r for r in readings if self.fits(r.value))
        if len(fitting) == 2:
            raise RangeError(str(ambiguous(fitting)))
        if not fitting:
            raise self.out_of_range(readings[0].value)
        chosen = fitting[0]
        return chosen, (self._note(chosen, readings, value) if chosen.how is not None else None)

    def _note(self, chosen: Reading, readings: tuple[Reading, ...], written: str) -> str:
        """Which reading the range chose, from what was written (ASCII digits and commas only), and why."""
        commas = written.strip().count(",")
        how = f"the comma read as {chosen.how}" if commas == 1 else f"the commas read as {chosen.how}s"
        text = f"{self.field} {shown_number(chosen.value)} from {written.strip()}: {how}"
        for other in readings:
            if other is not chosen:
                unit = f" {self.unit}" if self.unit else ""
                text += (f"; as {other.how} it reads {shown_number(other.value)}, outside "
                         f"{shown_number(self.low)} to {shown_number(self.high)}{unit}")
        return text


_CM_AS_MM = Slip(50, 500, "over 50 it reads as a size in mm: give it as tumor.size_mm")
_GL_AS_PER_UL = Slip(5000, 5_000_000, "over 5000 it reads as a count per uL: give it as labs.platelets_per_ul")
_PER_UL_AS_GL = Slip(0, 999.999, "under 1000 it looks like a count in x10^9/L: give it as labs.platelets")
_KPS_AS_ECOG = Slip(0, 4, "0 to 4 reads as an ECOG grade: give it as ecog", step=1)
_ECOG_AS_KPS = Slip(10, 100, "10 to 100 in tens reads as a Karnofsky status: give it as kps", step=10)
_NOT_INR = Slip(20, 200, "an INR is a ratio (about 1 when normal): over 20 it reads as a prothrombin time in seconds "
                "or a Quick value in percent, neither of which is an INR")

#: Every numeric field of the case contract, its range the plausible one (docs/case-schema.md).
MEASURES: dict[str, Measure] = {m.field: m for m in (
    Measure("tumor.size_cm", 0.01, 50, unit="cm", slips=(_CM_AS_MM,)),
    Measure("tumor.size_mm", 0.1, 500, unit="mm"),
    Measure("tumor.count", 1, 100, whole=True),
    Measure("symptoms.pain_score", 0, 10, whole=True),
    Measure("symptoms.worst_pain_last_day", 0, 10, whole=True),
    Measure("ecog", 0, 4, whole=True, slips=(_ECOG_AS_KPS,)),
    Measure("kps", 10, 100, whole=True, slips=(_KPS_AS_ECOG,)),
    Measure("mirels.total", 4, 12, whole=True),
    Measure("sins.total", 0, 18, whole=True),
    Measure("renal.total", 4, 12, whole=True),
    Measure("renal.nearness_mm", 0, 200, unit="mm"),
    Measure("labs.inr", 0.5, 20, slips=(_NOT_INR,)),
    Measure("labs.platelets", 0, 5000, unit="x10^9/L", slips=(_GL_AS_PER_UL,)),
    Measure("labs.platelets_per_ul", 1000, 5_000_000, unit="per uL", slips=(_PER_UL_AS_GL,)),
)}

#: Where a validator leaves the notes of readings chosen by a field's range (parse_case's context).
READINGS = "readings"


def _validator(measure: Measure) -> Callable[[Any, ValidationInfo], Any]:
    low, high, whole = measure.low, measure.high, measure.whole

    def validate(value: Any, info: ValidationInfo) -> Any:
        kind = type(value)  # the common cases first: a decoded number in range (a float not a signed zero)
        if kind is int and low <= value <= high or kind is float and not whole and low <= value <= high and (
                value or math.copysign(1.0, value) > 0):
            return value
        if value is None:
            return None
        try:
            reading, note = measure.read(value)
        except GrammarError as error:
            raise PydanticCustomError("grammar", str(error)) from None
        notes = (info.context or {}).get(READINGS)
        if note is not None and notes is not None:
            notes.append(note)
        return reading.value
    return validate


def measured(name: str) -> Any:
    """The annotation of a numeric field: the grammar, the range and the slips in one validator."""
    measure = MEASURES[name]
    return Annotated[int if measure.whole else float, BeforeValidator(_validator(measure))]


def bounded(name: str, description: str | None = None) -> Any:
    """The field's default (None: unknown) with its range, for the JSON Schema and the checklist."""
    measure = MEASURES[name]
    return Field(None, ge=measure.low, le=measure.high, description=description)


def read_written(name: str, text: str) -> tuple[int | float, str | None]:
    """A number as a person typed it for a field (the checklist, the web form): its value and the input note
    of a reading the range chose (None when there was no choice); GrammarError when refused."""
    reading, note = MEASURES[name].read(text)
    return reading.value, note
