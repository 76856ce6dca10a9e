"""The one input grammar for values written as text: the same in every reader and in the checklist.

Why one module: a case arrives as YAML, JSON, a CSV cell, a JSONL line or a typed answer, and a
value must mean the same thing whichever way it came. The rules (docs/case-schema.md, "Input
grammar"):

- yes/no fields: ``true``, ``false``, ``yes``, ``no`` in any letter case, nothing else
  (``1``, ``0``, ``1.0``, ``on``, ``y`` are refused: they are too easy to write by accident);
- listed values (``site``, ``overall_health``, list items): any letter case (``Kidney``);
- numbers: plain decimals, ``3.8`` or ``3,8`` (a decimal comma, as spreadsheets in many locales
  write it), an optional sign, at most :data:`~cryoelig.case.limits.MAX_DIGITS` digits; no exponent
  (``1e1``), no thousands separators, no ``inf`` or ``nan``; whole-number fields take whole
  numbers only.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .limits import MAX_DIGITS

BOOL_WORDS: dict[str, bool] = {"true": True, "yes": True, "false": False, "no": False}
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_WHOLE = re.compile(r"[+-]?\d+")


class GrammarError(ValueError):
    """A value that the input grammar does not accept; the message never contains the value."""


def parse_bool(value: Any) -> bool:
    """A yes/no value: True/False, or the words true/false/yes/no in any letter case."""
    if value is True or value is False:
        return value
    if type(value) is str:
        found = BOOL_WORDS.get(value.strip().lower())
        if found is not None:
            return found
    raise GrammarError("expected true, false, yes or no")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def parse_number(value: Any, whole: bool = False) -> int | float:
    """A number: an int or float as decoded, or text in plain decimals ('3.8', '3,8', '-2', '.5')."""
    kind = type(value)
    if kind is int:
        if value.bit_length() > 100:
            raise GrammarError(f"a number with more than {MAX_DIGITS} digits")
        return value
    if kind is float:
        if not math.isfinite(value):
            raise GrammarError("expected a finite number")
        if whole and not value.is_integer():
            raise GrammarError("expected a whole number")
        return int(value) if whole else value
    if kind is not str:
        raise GrammarError("expected a whole number" if whole else "expected a number")
    return _number_text(value.strip(), whole)


def _number_text(text: str, whole: bool) -> int | float:
    if len(text) > MAX_DIGITS and _digits(text) > MAX_DIGITS:
        raise GrammarError(f"a number with more than {MAX_DIGITS} digits")
    if whole:
        if _WHOLE.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            raise GrammarError("expected a whole number")
    elif _DECIMAL.fullmatch(text):
        return float(text.replace(",", "."))
    if "e" in text.lower() and any(c.isdigit() for c in text):
        raise GrammarError("expected a plain decimal number (e.g. 0.25), not one written with an exponent")
    raise GrammarError("expected a whole number" if whole else "expected a number (plain decimals, e.g. 3.8)")


def parse_choice(value: Any) -> Any:
    """A listed value in any letter case: text is compared in lower case."""
    if type(value) is str:
        return value.strip().lower()
    return value
