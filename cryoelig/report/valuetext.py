"""A case value as a clinician reads it, and a rule's text filled with the case values.

Why a module of its own: the report, the explanation, the published-scales section, the renderers and
the service all show case values the same way (a decimal cut, never rounded, to 2 places unless that
would cross a threshold the value was checked against; yes/no; lists), so it is written once.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ..rulepack.conditions import leaves
from ..rulepack.packmodel import PLACEHOLDER, Rule

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
            "!=": operator.ne}
_COMPARISON = re.compile(r"^\S+ (<=|>=|<|>|==|!=) (-?\d+(?:\.\d+)?)$")


def exact_number(value: float) -> str:
    """A number as the case holds it (sizes keep 6 decimals), without an exponent."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def shown_number(value: float, comparisons: Iterable[tuple[str, float]] = ()) -> str:
    """A decimal as shown: cut (not rounded) to 2 decimals, so 3.999999 reads 3.99 and never 4; when
    the cut value would meet a comparison the exact value does not (or the reverse, e.g. 4.001 > 4
    shown as 4), the exact value instead. Rules always compare the exact value."""
    cut = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    text = format(cut, "f").rstrip("0").rstrip(".")
    if cut != Decimal(repr(value)):
        for op, threshold in comparisons:
            if _COMPARE[op](float(cut), threshold) != _COMPARE[op](value, threshold):
                return exact_number(value)
    return text


def comparisons_in(clause: str) -> list[tuple[str, float]]:
    """The comparison a clause text makes with a number ('tumor.size_cm < 4' -> [('<', 4.0)])."""
    match = _COMPARISON.match(clause)
    return [(match[1], float(match[2]))] if match else []


def format_value(value: Any, comparisons: Iterable[tuple[str, float]] = ()) -> str:
    """A case value as a clinician reads it; ``comparisons``: those the value was checked against
    (a decimal is then never shown on the other side of one, see ``shown_number``)."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return shown_number(value, comparisons)
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v) for v in value) if value else "none"
    return str(value).replace("_", " ")


def fill(rule: Rule, facts: Any) -> str:
    """The rule's text with each ``{field}`` replaced by the case value (white space made single); a link's
    fragment (``Rule.shown_with``) follows its field's value only when the case gives the fields it names."""
    text = rule.spec.text or ""
    for name, fragment in rule.shown_with:
        if all(facts.get(other) is not None for other in PLACEHOLDER.findall(fragment)):
            text = text.replace(f"{{{name}}}", f"{{{name}}} {fragment}")

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        compared = [c for leaf in leaves(rule.condition) if leaf.field == name for c in comparisons_in(leaf.text)]
        return format_value(facts.get(name), compared)

    return " ".join(PLACEHOLDER.sub(value, text).split())


__all__ = ["comparisons_in", "exact_number", "fill", "format_value", "shown_number"]
