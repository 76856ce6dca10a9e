"""Runs of digits read as identifiers: SSNs, calendar dates, phone numbers, IP addresses, record numbers.

Why one scan classified by shape and value instead of a pattern per kind: a run such as ``10-8-10 min``
(freeze-thaw-freeze minutes), ``2015-2019`` (years on a drug) or ``NCT02626130`` (a trial) has the shape of
a date, a phone number or a record number, and only its values and neighbours tell them apart. So a run of
digit groups joined by separators is found once, and each is judged: SSN 3-2-4; any three groups in a row
that make a calendar date; a phone number of 7-15 digits in a phone's shape; an IPv4 address; 7 digits or
more in a row. In notes (not labels: ``strict``) a range of years, a page range, a run before a unit, decimals
and public codes (NCT, SNOMED, PMID, DOI...) are not identifiers. The text is folded (textfold) and the
lower-cased copy is passed as ``low``; nothing here returns the value.
"""

from __future__ import annotations

from .lazyre import lazy

#: Two or more digit groups joined by separators (- . / _ space, a bracketed area code): a single group is only
#: ever a long run (below). It starts with a digit, which Python's re finds with its fast scan (an optional '+'
#: or '(' first made it try every position, ten times slower); a leading '+' or '(' is taken in by :func:`_runs`.
_CLUSTER = lazy(r"[0-9]{1,15}\)?(?:(?: {0,2}[-./_] {0,2}| {1,2})\(?[0-9]{1,15}\)?){1,7}")
_GROUPS = lazy(r"[0-9]+")
_SEPS = lazy(r"[0-9]+\)?([^0-9]*)")
#: A unit or word after a measurement: a run followed by it is not a date or phone number (on lower case).
_UNIT_AFTER = lazy(
    r" {0,2}(?:min|mins|minutes|s|sec|secs|seconds|h|hr|hrs|hours|days?|weeks?|wks?|months?|years?|yrs?|"
    r"mm|cm|m|km|mg|g|kg|mcg|ug|ng|ml|l|dl|mmol|umol|gy|cgy|fx|fractions?|%|°|c|f|w|j|kv|ma|psi|bar|"
    r"units?|u|iu|cores?|cycles?|probes?|needles?|sessions?|mmhg|bpm)(?![a-z])"
)
#: Public codes whose digits are nobody's: trial, terminology and bibliographic ids (on lower case).
_PUBLIC_CODE_BEFORE = lazy(r"(?:nct|snomed(?:[ -]?ct)?|pmid|pmcid|isbn|issn|cpt|loinc|hcpcs) {0,2}[:#]? {0,2}$")
_DOI = lazy(r"10\.[0-9]{4,9}/[^\s]{1,200}")
_LONG_RUN = lazy(r"[0-9]{7,}")

PHONE = "a phone or fax number"
DATE = "a full date"


def _is_year(group: str) -> bool:
    return len(group) == 4 and 1850 <= int(group) <= 2199


def _date_parts(a: str, b: str, c: str) -> bool:
    """Three numbers that read as a calendar date in one of the common orders (Y-M-D, D-M-Y, M-D-Y)."""
    if len(a) == 4:
        return _is_year(a) and len(b) <= 2 and len(c) <= 2 and 1 <= int(b) <= 12 and 1 <= int(c) <= 31
    if len(a) > 2 or len(b) > 2 or len(c) not in (2, 4) or (len(c) == 4 and not _is_year(c)):
        return False
    x, y = int(a), int(b)
    return (1 <= x <= 31 and 1 <= y <= 12) or (1 <= x <= 12 and 1 <= y <= 31)


class _Run:
    """One run of digit groups, its separators and what follows it."""

    def __init__(self, run: str, groups: list[str], low: str, end: int, strict: bool):
        self.run = run
        self.groups = groups
        self.lens = [len(g) for g in self.groups]
        self.seps = [s.strip(" ()") for s in _SEPS.findall(run)[:-1]]
        self.same_sep = len(set(self.seps)) == 1
        self.unit_after = not strict and _UNIT_AFTER.match(low, end) is not None
        self.ip_continues = low.startswith(".", end) and low[end + 1:end + 2].isdigit()


def _shape_kind(r: _Run) -> str | None:
    """SSN, a 3-3-4 phone number, an IPv4 address (or a dotted run that is none: '' stops the search)."""
    if r.lens == [3, 2, 4] and r.same_sep and r.seps[0] != "/":
        return "a US social security number"
    if r.lens == [3, 3, 4] and r.same_sep and not r.unit_after:  # 312/555/0199
        return PHONE
    if len(r.groups) == 4 and r.same_sep and r.seps[0] == "." and max(r.lens) <= 3:
        if all(int(g) <= 255 for g in r.groups) and not r.ip_continues:
            return "an IP address"
        return ""
    return None


def _date_kind(r: _Run) -> str | None:
    """Any three groups in a row with one separator that make a calendar date (9_26_78_07 too)."""
    for i in range(len(r.groups) - 2):
        if r.unit_after and r.lens[i + 2] == 2:
            continue  # 10-8-10 min: freeze-thaw-freeze minutes
        if r.seps[i] == r.seps[i + 1] and r.seps[i] in ("-", "/", ".", "_", "") and _date_parts(*r.groups[i:i + 3]):
            return DATE
    return None


def _not_a_phone(r: _Run) -> bool:
    """The clinical shapes of 7 to 15 digits in notes: years, pages, measurements, decimals, short pairs."""
    groups, lens, seps = r.groups, r.lens, r.seps
    if len(groups) == 2 and _is_year(groups[0]) and _is_year(groups[1]):
        return True  # a range of years, e.g. 2015-2019
    if lens == [4, 4] and seps[0] == "-" and int(groups[0]) < int(groups[1]) <= 2 * int(groups[0]):
        return True  # a range such as pages 1168-1184
    if r.unit_after and "+" not in r.run and "(" not in r.run:
        return True  # a measurement, e.g. 1000-2000 mg
    if all(s == "." for s in seps) and lens[0] <= 3 and min(lens[1:]) <= 2:
        return True  # decimals in a row
    return "+" not in r.run and len(groups) == 2 and (min(lens) < 3 or (seps[0] == "." and lens != [3, 4]))


def _phone_kind(r: _Run, strict: bool) -> str | None:
    if not 7 <= sum(r.lens) <= 15 or "/" in r.seps:
        return None
    if strict and max(r.lens) >= 3 and not (len(r.groups) == 2 and min(r.lens) < 3):
        return PHONE  # labels: none of the note exceptions
    if _not_a_phone(r):
        return None
    return PHONE if "+" in r.run or max(r.lens) >= 3 else None


def _classify(run: str, low: str, start: int, end: int, strict: bool) -> str | None:
    groups = _GROUPS.findall(run)
    if len(groups) < 2:
        return None  # a single group: only the long-run rule (7 digits or more) applies
    if not strict and _PUBLIC_CODE_BEFORE.search(low, max(0, start - 14), start):
        return None
    r = _Run(run, groups, low, end, strict)
    kind = _shape_kind(r)
    if kind is not None:
        return kind or None
    return _date_kind(r) or _phone_kind(r, strict)


def _runs(text: str) -> list[tuple[str, int, int]]:
    """Each run of digit groups long enough to matter, with its span and a leading '+', '+ ' or '('; a run glued
    to a word ('SpO2 98', 'NCT0262...') loses its first group."""
    out = []
    for match in _CLUSTER.finditer(text):
        start, end, run = match.start(), match.end(), match.group()
        lead = 2 if text[max(0, start - 2):start] == "+ " else 1 if start and text[start - 1] in "+(" else 0
        if end - start + lead < 6:  # too short for a date (1-2-50) or 7 digits
            continue
        if lead:
            start, run = start - lead, text[start - lead:end]
        elif start and text[start - 1].isalnum():
            rest = run[_GROUPS.match(run).end():].lstrip(" -./_")  # type: ignore[union-attr]
            if not rest or not rest[0].isdigit():
                continue
            start, run = end - len(rest), rest
        run = run.rstrip()
        out.append((run, start, start + len(run)))
    return out


def digit_kind(text: str, low: str, strict: bool = False) -> str | None:
    """The kind of identifier a run of digits in the text looks like, or None."""
    doi = _DOI.search(low) if "10." in low else None
    for run, start, end in _runs(text):
        if doi and doi.start() <= start < doi.end():
            continue
        kind = _classify(run, low, start, end, strict)
        if kind:
            return kind
    for match in _LONG_RUN.finditer(text):
        if not strict and (_PUBLIC_CODE_BEFORE.search(low, max(0, match.start() - 14), match.start())
                           or (doi and doi.start() <= match.start() < doi.end())):
            continue
        return "a long digit run (record number)"
    return None
