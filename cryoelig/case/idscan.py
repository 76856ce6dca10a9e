"""The identifier guard's one pass over a text: folded, then each kind of identifier in turn.

Why a module of its own: it pulls in every pattern (about 50) and, on the first capitalised pair, the
name lists; ``cryoelig.case.identifiers`` imports it on first use, so ``import cryoelig`` and commands
that read no case pay nothing. The order is the cheapest-first that keeps every kind found: text without a
digit skips the digit, date, age, record, ZIP and address patterns; text without a capital skips names.
"""

from __future__ import annotations

import re

from .iddates import date_kind
from .iddigits import digit_kind
from .idnames import name_kind, place_kind
from .idtext import address_kind, age_kind, email_kind, ipv6_kind, record_kind, url_kind, zip_kind
from .textfold import fold

_DIGIT = re.compile(r"[0-9]")


def _lower(text: str) -> str:
    """The lower-cased copy with the positions of ``text`` (a letter such as 'İ' lower-cases to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def scan(value: str, strict: bool = False) -> str | None:
    """The kind of identifier ``value`` looks like, or None. ``strict`` (labels, file names): no exception
    for clinical number shapes, no bare domains, no towns."""
    text = fold(value)
    low = _lower(text)
    kind = email_kind(low) or url_kind(low, strict) or ipv6_kind(low)
    if kind:
        return kind
    if _DIGIT.search(text):
        kind = (digit_kind(text, low, strict) or age_kind(text, low) or record_kind(low)
                or date_kind(text, low) or zip_kind(text, low) or address_kind(text, low))
        if kind:
            return kind
    if text.islower():  # no capital letter: no name pattern can match
        return None
    return name_kind(text, low) or (None if strict else place_kind(text, low))
