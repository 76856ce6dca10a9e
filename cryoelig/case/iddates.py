"""Dates written with words or Roman numerals, and the date elements Safe Harbor removes besides the year.

Why: HIPAA Safe Harbor removes "all elements of dates (except year)". A date written in digits is read by
``iddigits``; here are ``14th of March 1950``, ``March 14, 1950``, ``29.II.1952``, ``14 de marzo de 1950``,
a day and a month (``May 14``: the month written with a capital, so the verb "may" is no month) and a month
and a year (``RFA March 2019``, ``03/2024``, ``2019-03``). A year alone is allowed. Patterns run on the
folded, lower-cased text with each month name replaced by one mark, so that the date patterns stay small.
"""

from __future__ import annotations

import re

from .lazyre import lazy

DATE = "a full date"
DAY_MONTH = "a date (a day and month; under HIPAA Safe Harbor only the year of a date may be given)"
MONTH_YEAR = "a date (a month and year; under HIPAA Safe Harbor only the year of a date may be given)"

_MONTH_EN = (r"j(?:an(?:uary)?|une?|uly?)|feb(?:ruary)?|ma(?:r(?:ch)?|y)|a(?:pr(?:il)?|ug(?:ust)?)|sep(?:t(?:ember)?)?|"
             r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
#: Spanish, Italian, Portuguese, French, German months: searched only in text with ' de '/' di ' or non-ASCII
#: letters (a French '14 mars 1950' in plain ASCII is not found: a measured gap, docs/case-schema.md).
_MONTH_OTHER = (r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
                r"diciembre|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
                r"novembre|décembre|januar|februar|märz|juni|juli|oktober|dezember|gennaio|febbraio|aprile|maggio|"
                r"giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|"
                r"outubro|novembro|dezembro")
_MONTH = lazy(rf"(?<![a-z])(?:{_MONTH_EN})(?![a-z])\.?")
_MONTH_ANY = lazy(rf"(?<![a-zà-ÿ])(?:{_MONTH_EN}|{_MONTH_OTHER})(?![a-zà-ÿ])\.?")
_M = "\x01"
_ORD_WORDS = (r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
              r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
              r"twenty[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|thirty[- ]?first")
_DAY = rf"(?:(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?|{_ORD_WORDS})"
_YEAR = r"(?:[0-9]{4}|'[0-9]{2}|[0-9]{2})(?![0-9])"
_OF = r"(?: {0,3}(?:of|de|del|di) {1,3}|[-./ ,]{0,3})"
_SPELLED_DATE = lazy("|".join([
    rf"(?<![0-9a-z]){_DAY}{_OF}{_M}(?: {{0,3}}(?:de|del|di) {{1,3}}|[-./ ,]{{0,3}}){_YEAR}",
    rf"{_M}[-./ ,]{{0,3}}(?:the {{1,3}})?{_DAY}[-./ ,]{{1,3}}{_YEAR}",
    rf"(?<![0-9])[0-9]{{4}}[-./ ,]{{0,3}}{_M}[-./ ,]{{0,3}}{_DAY}(?![0-9a-z])",
]))
#: A day and a month without a year, not followed by a unit ('Dec 2 mg').
_DAY_MONTH = lazy(
    rf"(?<![0-9a-z.]){_DAY}{_OF}{_M}|{_M}[-./ ,]{{0,3}}(?:the {{1,3}})?{_DAY}(?![0-9a-z%])"
    r"(?! {0,2}(?:mg|cm|mm|ml|g|kg|%|units?)(?![a-z]))"
)
#: 29.II.1952: a Roman-numeral month between a day and a year; searched only where the cheap hint (it starts
#: with a separator, which Python's re finds fast) finds a Roman numeral between two separators.
_ROMAN_HINT = lazy(r"[./-] {0,2}[ivx]{1,4} {0,2}[./-]")
_ROMAN_DATE = lazy(r"(?:[12][0-9]|3[01]|0?[1-9]) {0,2}[./-] {0,2}(?:i{1,3}|iv|vi{0,3}|ix|xi{0,2})"
                         r" {0,2}[./-] {0,2}(?:[0-9]{4}|[0-9]{2})(?![0-9])")
#: A month and a year: 'March 2019', 'march of 2019', "Mar '19"; in digits '03/2024', '3.2024', '2019-03'.
_MONTH_YEAR = lazy(rf"{_M}[-./ ,]{{0,3}}(?:of {{1,3}})?(?:[0-9]{{4}}|'[0-9]{{2}})(?![0-9])")
#: Two numbers, the values checked in Python: a pattern that starts with a digit class is searched by re's fast
#: scan for its first character, one that starts with '0?' or a lookbehind is tried at every position.
_MONTH_YEAR_DIGITS = lazy(r"(?:[0-9]{1,2}[/.-](?:19|20)[0-9]{2}|(?:19|20)[0-9]{2}[/.-][0-9]{2})(?![0-9./-])")


def _roman_kind(low: str) -> str | None:
    if not _ROMAN_HINT.search(low):
        return None
    for match in _ROMAN_DATE.finditer(low):  # the day starts a word: checked here, not by a slow lookbehind
        if match.start() == 0 or not low[match.start() - 1].isalnum():
            return DATE
    return None


def _month_year_digits(low: str) -> bool:
    """'03/2024', '3.2024', '2019-03' (a month 1-12 and a year 19xx or 20xx), not part of a longer run."""
    for match in _MONTH_YEAR_DIGITS.finditer(low):
        start = match.start()
        if start and low[start - 1] in "0123456789./-":
            continue
        a, b = re.split(r"[/.-]", match.group())
        if 1 <= int(a if len(b) == 4 else b) <= 12:
            return True
    return False


def _day_month(text: str, low: str, marks: list[re.Match[str]]) -> str | None:
    """A day and a month, the month written with a capital ('May 14', not 'may 14 mg')."""
    pieces, last = [], 0
    for mark in marks:
        if text[mark.start()].isupper():
            pieces += [low[last:mark.start()], _M]
            last = mark.end()
    if pieces and _DAY_MONTH.search("".join([*pieces, low[last:]])):
        return DAY_MONTH
    return None


def date_kind(text: str, low: str) -> str | None:
    """A date or date element written with words (or Roman numerals, or a month and year in digits), or None.
    ``low``: the lower-cased text, with the positions of ``text``."""
    kind = _roman_kind(low)
    if kind:
        return kind
    month = _MONTH_ANY if (not low.isascii() or " de " in low or " di " in low) else _MONTH
    marks = list(month.finditer(low))
    if marks:
        marked = month.sub(_M, low.replace(_M, ""))
        if _SPELLED_DATE.search(marked):
            return DATE
        if _MONTH_YEAR.search(marked):
            return MONTH_YEAR
        if _M not in low:
            kind = _day_month(text, low, marks)
            if kind:
                return kind
    if _month_year_digits(low):
        return MONTH_YEAR
    return None
