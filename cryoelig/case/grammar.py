"""The one input grammar for values written as text: the same in every reader and in the checklist.

Why one module: a case arrives as YAML, JSON, a CSV cell, a JSONL line, a typed cell or a typed
answer, and a value must mean the same thing whichever way it came. The rules (docs/case-schema.md,
"Input grammar"):

- yes/no fields: ``true``, ``false``, ``yes``, ``no`` in any letter case, nothing else
  (``1``, ``0``, ``1.0``, ``on``, ``y`` are refused: they are too easy to write by accident);
- listed values (``site``, ``overall_health``, list items): any letter case (``Kidney``);
- numbers: plain decimals written with the digits 0-9 only (``３.５`` and ``١٢`` are refused:
  Python's ``int()`` and ``\\d`` take the digits of every script), ``3.8`` or ``3,8`` (a decimal
  comma, as spreadsheets in many locales write it), an optional sign, at most
  :data:`~cryoelig.case.limits.MAX_DIGITS` digits; no exponent (``1e1``), no ``inf`` or ``nan``,
  no signed zero (``-0``); whole-number fields take whole numbers written without a decimal point
  (``7.0`` is refused, as text and as a float a JSON or YAML reader decoded);
- a comma followed by groups of three digits (``1,500``, ``150,000``) is both a thousands separator
  and a decimal comma: :func:`number_readings` gives both readings, and the field's range decides
  (:mod:`cryoelig.case.measures`); a value both readings fit is refused with both named.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .limits import MAX_DIGITS

BOOL_WORDS: dict[str, bool] = {"true": True, "yes": True, "false": False, "no": False}
# [0-9], never \d: \d (and int(), float()) take the digits of every script.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_WHOLE = re.compile(r"[+-]?[0-9]+")
#: Thousands groups: a comma before every three digits, the first group 1-3 digits not starting with 0.
_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_NEGATIVE_ZERO = re.compile(r"-(?:0+(?:[.,]0*)?|[.,]0+)")
#: The largest whole number a case may hold, in digits like written numbers (not in bits).
_INT_BOUND = 10 ** MAX_DIGITS

THOUSANDS = "thousands separator"
DECIMAL_COMMA = "decimal mark"
WHOLE_MESSAGE = "expected a whole number, written without a decimal point"
SIGNED_ZERO = "a signed zero (-0) is not a value a case can mean"


class GrammarError(ValueError):
    """A value that the input grammar does not accept; the message never contains the value."""


@dataclass(frozen=True)
class Reading:
    """One way to read a written number: the value, and how its comma was read (None: no choice made)."""

    value: int | float
    how: str | None = None


def parse_bool(value: Any) -> bool:
    """A yes/no value: True/False, or the words true/false/yes/no in any letter case."""
    if value is True or value is False:
        return value
    if type(value) is str:
        found = BOOL_WORDS.get(value.strip().lower())
        if found is not None:
            return found
    raise GrammarError("expected true, false, yes or no")


def int_in_bounds(value: int) -> bool:
    """A decoded whole number of at most MAX_DIGITS digits (as a written one is bounded)."""
    return -_INT_BOUND < value < _INT_BOUND


def number_readings(value: Any, whole: bool = False) -> tuple[Reading, ...]:
    """Every reading of a number as given: one, or two for a comma that may be either separator (the
    thousands reading first). Raises GrammarError for what the grammar refuses whatever the field."""
    kind = type(value)
    if kind is int:
        if not int_in_bounds(value):
            raise GrammarError(f"a number with more than {MAX_DIGITS} digits")
        return (Reading(value),)
    if kind is float:
        if not math.isfinite(value):
            raise GrammarError("expected a finite number")
        if value == 0 and math.copysign(1.0, value) < 0:
            raise GrammarError(SIGNED_ZERO)
        if whole:  # a decoder's float was written with a decimal point (JSON/YAML 7.0)
            raise GrammarError(WHOLE_MESSAGE)
        return (Reading(value),)
    if kind is not str:
        raise GrammarError("expected a whole number" if whole else "expected a number")
    return _text_readings(value.strip(), whole)


def _text_readings(text: str, whole: bool) -> tuple[Reading, ...]:
    if not text.isascii():
        if any(c.isdigit() for c in text):
            raise GrammarError("expected a number written with the digits 0-9 (other digit characters are refused)")
        raise GrammarError("expected a whole number" if whole else "expected a number (plain decimals, e.g. 3.8)")
    if sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise GrammarError(f"a number with more than {MAX_DIGITS} digits")
    if _NEGATIVE_ZERO.fullmatch(text):
        raise GrammarError(SIGNED_ZERO)
    if _GROUPED.fullmatch(text):
        thousands = Reading(int(text.replace(",", "")), THOUSANDS)
        if text.count(",") > 1 or whole:  # two commas, or a fraction where a whole number is expected
            return (thousands,)
        return thousands, Reading(float(text.replace(",", ".")), DECIMAL_COMMA)
    if _WHOLE.fullmatch(text):
        return (Reading(int(text) if whole else float(text)),)
    if _DECIMAL.fullmatch(text):
        if whole:
            raise GrammarError(WHOLE_MESSAGE)
        return (Reading(float(text.replace(",", "."))),)
    if "e" in text.lower() and any(c.isdigit() for c in text):
        raise GrammarError("expected a plain decimal number (e.g. 0.25), not one written with an exponent")
    raise GrammarError("expected a whole number" if whole else "expected a number (plain decimals, e.g. 3.8)")


def shown_number(value: float) -> str:
    """A number as a message or a note shows it: no exponent, no trailing zeros (150000, 1.5, 0.01)."""
    if type(value) is int or float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def ambiguous(readings: tuple[Reading, ...]) -> GrammarError:
    """Two readings a field cannot choose between, both named (numbers of the field's range only)."""
    first, second = readings
    return GrammarError(f"reads as {shown_number(first.value)} (the comma as {first.how}) or as "
                        f"{shown_number(second.value)} (the comma as {second.how}), and the field's range takes "
                        "both; write it without the comma, or with a decimal point")


def parse_number(value: Any, whole: bool = False) -> int | float:
    """A number of no particular field: an int or float as decoded, or text in plain decimals ('3.8', '3,8',
    '-2', '.5'). A comma that may be either separator is refused with both readings named: only a field's
    range can choose (cryoelig.case.measures)."""
    readings = number_readings(value, whole)
    if len(readings) > 1:
        raise ambiguous(readings)
    return readings[0].value


def parse_choice(value: Any) -> Any:
    """A listed value in any letter case: text is compared in lower case."""
    if type(value) is str:
        return value.strip().lower()
    return value
