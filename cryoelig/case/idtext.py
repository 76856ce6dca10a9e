"""Identifiers written with words around them: e-mail addresses (spelled out too), URLs, IPv6 addresses,
ages over 89, record and serial numbers after their keyword, ZIP codes in context, street addresses, UK
postcodes.

Why keywords and context instead of bare shapes: ``02139`` is a ZIP code after "lives in" and a count
elsewhere; ``jane dot doe at example dot com`` is an address only before a known top-level domain; an age is
identifying only over 89 (Safe Harbor keeps "90 or older" as one category). Python's ``re`` has no DFA, so
patterns start with a digit or a literal and run case-sensitively on the lower-cased copy (``low``, written
in lower case here) where they can; word boundaries are checked in Python on the few matches.
"""

from __future__ import annotations

import re

from .lazyre import lazy

_TLD = (r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|ca|au|de|fr|nl|ie|nz|es|it|ch|se|dk|fi|be|"
        r"at|jp|cn|br|mx|za|ru|pl|pt|gr|il|sg|hk|kr|tw|ar|cl|ly)")
_EMAIL = lazy(r"[a-z0-9._%+-]{1,64} {0,2}@ {0,2}[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,6}\.[a-z]{2,24}")
_SEP_DOT = r"(?:\.| {0,3}[\[({<]? {0,2}dot {0,2}[\])}>]? {0,3})"
#: The 'at' of a spelled-out address ('jane dot doe at example dot com', 'jane.doe [at] example.com').
_AT_TOKEN = lazy(r"at(?![a-z])")
_EMAIL_RIGHT = lazy(rf" {{0,2}}[\])}}>]? {{0,3}}[a-z0-9-]{{1,63}}(?:{_SEP_DOT}[a-z0-9-]{{1,63}}){{0,4}}"
                          rf"{_SEP_DOT}{_TLD}(?![a-z0-9])")
_EMAIL_LEFT = lazy(r"[a-z0-9_%+-] {0,3}[\[({<]? {0,2}$")
_URL_SCHEME = lazy(r"(?:https?|hxxps?|ftp|sftp) {0,2}: {0,2}//|(?<![a-z0-9.])www\.[a-z0-9-]")
_BARE_DOMAIN = lazy(rf"\.{_TLD}(?:/|(?![a-z0-9.-]))")  # '.com' etc.; the label before is checked
_LABEL_BEFORE = lazy(r"[a-z0-9-]*[a-z][a-z0-9-]*$")
_H = r"[0-9a-f]{1,4}"
_IPV6 = lazy(
    rf"(?<![0-9a-f:])(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,6}}:(?:{_H}(?::{_H}){{0,5}})?|::(?:{_H}:){{0,5}}{_H}"
    rf"|::ffff:[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}})(?![0-9a-f:])"
)

_AGE_NUMBER = lazy(  # the character before is checked in Python
    r"(?:9[0-9]|1[0-2][0-9])(?: {0,2}-? {0,2}(?:years?|yrs?|y\.? ?o\.?|y/o|yo)(?![a-z])(?:[- ]old)?"
    r"(?! {0,2}(?:or|and) (?:older|over|more|above))|(?=[mf](?![a-z0-9])))"
)
_AGE_WORD = lazy(r"ag(?:e|ed|es) {0,2}[:=]? {0,2}(?:9[0-9]|1[0-2][0-9])(?![0-9.%])")

_NUMBER_WORD = r"(?: {1,2}(?:number|no\.?|#))?"
#: A record, account, serial or licence keyword and its value (3 digits or more in it). The keywords are grouped by
#: their first letter: re then tries one group at a position, not 35 keywords (five times faster on a note).
_RECORD = lazy(
    r"(?:m(?:rn|r ?#|r ?no\.?|edical {1,2}record" + _NUMBER_WORD + r"|ember {1,2}(?:id|number|no\.?)"
    r"|edica(?:re|id)(?: {1,2}(?:number|no\.?|id))?)"
    r"|record {1,2}(?:number|no\.?|#)"
    r"|h(?:ospital {1,2}(?:number|no\.?|#|id)|ealth {1,2}plan(?: {1,2}(?:number|no\.?|id))?)"
    r"|nhs {1,2}(?:number|no\.?)"
    r"|c(?:hi {1,2}(?:number|no\.?)|hart" + _NUMBER_WORD + r")"
    r"|p(?:atient {1,2}(?:id|number|no\.?|#)|olicy {1,2}(?:number|no\.?)|assport" + _NUMBER_WORD
    + r"|late(?: {1,2}(?:number|no\.?))?|t\.? {0,2}(?:id|no\.?|number|#))"
    r"|a(?:cct|ccount" + _NUMBER_WORD + r"|ccession" + _NUMBER_WORD + r")"
    r"|insurance {1,2}(?:id|number|no\.?)"
    r"|s(?:erial" + _NUMBER_WORD + r"|/n|n|pecimen {1,2}(?:id|number|no\.?)|sn|s ?#"
    r"|ocial {1,2}security(?: {1,2}(?:number|no\.?))?)"
    r"|l(?:ot" + _NUMBER_WORD + r"|icen[cs]e" + _NUMBER_WORD + r")"
    r"|device {1,2}(?:id|serial))"
    r"(?![a-z]) {0,2}[:#=]? {0,2}(?:is {1,2})?"
    r"(?=[a-z0-9-]{0,24}[0-9][a-z0-9-]{0,24}[0-9][a-z0-9-]{0,24}[0-9])[a-z0-9][a-z0-9-]{2,30}"
)

#: US state codes (before a ZIP code, after a town).
STATES = frozenset(re.findall(r"[A-Z]{2}", "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN "
                                           "MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV "
                                           "WI WY PR"))
_FIVE = lazy(r"[0-9]{5}(?:-[0-9]{4})?")
_ZIP_CONTEXT = lazy(  # on the 40 characters before the five digits
    r"(?:(?<![a-z])(?:lives?|living|resides?|residing|moved|relocated|located|home|address)\b[^.;:\n0-9]{0,20}?"
    r"\b(?:in|at|to|near|area) {1,3}|(?<![a-z])(?:zip|postal|post)(?: {0,2}code)? {0,2}(?:is {1,2})?[:#]? {0,2})$"
)
_UK_POSTCODE = lazy(r"[A-Z](?:[A-Z]?[0-9][A-Z0-9]?|(?<=G)IR) {0,2}[0-9][A-Z]{2}(?![A-Za-z0-9])")

_STREET_FULL = (r"Street|Road|Avenue|Lane|Drive|Boulevard|Terrace|Close|Crescent|Court|Place|Square|Gardens|"
                r"Parkway|Highway|Way|Row|Mews|Grove|Walk|Hill|Rise|Green|Park|Vale|View|Circle|Trail|Alley|Plaza|"
                r"Loop|Quay|Wharf")
_STREET_ABBR = r"St|Rd|Ave|Av|Ln|Dr|Blvd|Ter|Terr|Cl|Cres|Ct|Pl|Sq|Gdns|Pkwy|Hwy|Cir|Trl"
_STREET_HINT = lazy(rf"(?:{_STREET_FULL}|{_STREET_ABBR})(?![a-z])")
#: 221B Baker Street, 12 Oak Dr., 1600 Pennsylvania Avenue: a number, 1-3 capitalised words, a street word.
_ADDRESS = lazy(
    rf"[0-9]{{1,5}}[A-Za-z]?(?:-[0-9]{{1,4}})?,? {{1,3}}(?:(?:[A-Z][A-Za-z'.-]{{0,30}}|[0-9]{{1,3}}(?:st|nd|rd|th))"
    rf" {{1,3}}){{1,3}}(?:{_STREET_FULL}|(?:{_STREET_ABBR})\b\.?)(?![a-z])"
)
#: 221b baker street in any case, for the street words that are nothing else.
_ADDRESS_LOW = lazy(r"[0-9]{1,5}[a-z]?,? {1,3}(?:[a-z][a-z'.-]{0,30} {1,3}){1,3}"
                          r"(?:street|avenue|boulevard|terrace|crescent)(?![a-z])")
_PO_BOX = lazy(r"p\.? ?o\.? {0,2}box {0,2}[0-9]{1,6}")


def _starts_word(text: str, pos: int, also: str = "") -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in also)


def email_kind(low: str) -> str | None:
    if "@" in low and _EMAIL.search(low):
        return "an e-mail address"
    if "at" in low and ("dot" in low or "." in low):
        for match in _AT_TOKEN.finditer(low):
            start = match.start()
            if start == 0 or low[start - 1].isalpha():
                continue  # 'at' ending a word ('that', 'cat')
            if _EMAIL_RIGHT.match(low, match.end()) and _EMAIL_LEFT.search(low, max(0, start - 8), start):
                return "an e-mail address"
    return None


def url_kind(low: str, strict: bool = False) -> str | None:
    """A URL; in notes also a bare domain ('example.org/x'). Labels (``strict``) such as 'case.kidney.it' are
    not read as domains."""
    if ("//" in low or "www." in low) and _URL_SCHEME.search(low):
        return "a URL"
    if "." in low and not strict:
        for match in _BARE_DOMAIN.finditer(low):
            label = _LABEL_BEFORE.search(low, max(0, match.start() - 63), match.start())
            if label and len(label.group()) >= 2:
                return "a URL"
    return None


def ipv6_kind(low: str) -> str | None:
    if ":" in low and ("::" in low or low.count(":") >= 7) and _IPV6.search(low):
        return "an IP address"
    return None


def age_kind(text: str, low: str) -> str | None:
    """An age over 89 with a unit ('93 years old', '92M') or after 'age' ('aged 95')."""
    for match in _AGE_NUMBER.finditer(low):
        start, end = match.span()
        if not _starts_word(low, start, ".,"):
            continue
        if low[end:end + 1] in ("m", "f") and not text[end:end + 1].isupper():
            continue  # '92m' in lower case is a length, '92M' a man of 92
        return "an age over 89"
    if "ag" in low:
        for match in _AGE_WORD.finditer(low):
            if match.start() == 0 or not low[match.start() - 1].isalpha():  # not 'storage: 120 GB'
                return "an age over 89"
    return None


def record_kind(low: str) -> str | None:
    for match in _RECORD.finditer(low):
        if match.start() == 0 or not low[match.start() - 1].isalpha():
            return "a record, account or serial number"
    return None


def zip_kind(text: str, low: str) -> str | None:
    """ZIP+4 anywhere; five digits after 'lives in', 'zip' and the like, or after a state code."""
    for match in _FIVE.finditer(text):
        start, end = match.span()
        if (start and text[start - 1].isdigit()) or text[end:end + 1].isdigit():
            continue
        if "-" in match.group() or _ZIP_CONTEXT.search(low, max(0, start - 40), start):
            return "a ZIP code"
        state = text[max(0, start - 4):start].rstrip()
        if state[-2:] in STATES and (len(state) < 3 or not state[-3].isalpha()):
            return "a ZIP code"
    return None


def address_kind(text: str, low: str) -> str | None:
    """A street address (a number, capitalised words, a street word; or a PO box), or a UK postcode."""
    capitals = not text.islower()  # the capitalised forms and postcodes need a capital letter
    for match in (_ADDRESS.finditer(text) if capitals and _STREET_HINT.search(text) else ()):
        if _starts_word(text, match.start(), "."):
            return "a street address"
    if "street" in low or "avenue" in low or "boulevard" in low or "terrace" in low or "crescent" in low:
        for match in _ADDRESS_LOW.finditer(low):
            if _starts_word(low, match.start(), "."):
                return "a street address"
    if "box" in low and _PO_BOX.search(low):
        return "a street address"
    for match in (_UK_POSTCODE.finditer(text) if capitals else ()):
        if match.start() == 0 or not text[match.start() - 1].isalnum():
            return "a UK postcode"
    return None
