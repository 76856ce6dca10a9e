"""Guard against identifying data in input that claims to be anonymized.

Why: a de-identified tool must refuse, not store, what looks like a person. The field
names follow the case contract; the value patterns follow the HIPAA Safe Harbor
identifier kinds that can be recognised in text (dates, phone/fax numbers, e-mail
addresses, SSNs, URLs, IP addresses, record numbers as long digit runs, ZIP codes) plus,
for labels such as ``case_id``, names written as ``First_Last``.
Messages name the field and the kind of identifier, never the value.

Why the patterns look the way they do:
- digit groups are delimited by "not a digit" and words by "not a letter", never by ``\\b``:
  in ``C_2025-03-14`` the ``_`` is a word character, so ``\\b`` saw no boundary;
- the separators ``-``, ``_``, ``.``, ``/`` and a space all count between date or number parts;
- every repetition is bounded, and callers bound the length of what they scan, so a scan is
  linear in the length of the text (a 100,000-character key is never scanned at all).
"""

from __future__ import annotations

import functools
import re

#: Field names refused anywhere in a case (compared after normalising case and separators).
IDENTIFYING_FIELDS: frozenset[str] = frozenset(
    {
        "name", "patient_name", "first_name", "last_name", "surname", "given_name", "full_name",
        "mrn", "medical_record_number", "record_number", "dob", "date_of_birth", "birth_date",
        "birthdate", "ssn", "social_security_number", "address", "street", "street_address",
        "city", "phone", "telephone", "phone_number", "mobile", "fax", "email", "e_mail",
        "zip", "zipcode", "zip_code", "postcode", "postal_code", "health_plan_number",
        "account_number", "license_number", "ip_address", "url", "photo",
    }
)

#: Longest text a label check scans; longer labels are refused for their length before any scan.
MAX_LABEL_SCAN = 256

_SEP = r"[-_./ ]"
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?"
_MSEP = r"[-_./ ,]{0,3}"  # between a month name and a number the separator may be left out
#: A month name; :func:`find_identifier` replaces each by ``\x01`` so that the date pattern stays small
#: (compiling three copies of the month alternation cost more at start-up than all the other patterns).
_MONTH = re.compile(
    r"(?<![a-z])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?",
    re.IGNORECASE,
)
_M = "\x01"

_DATE = re.compile(
    "|".join([
        # 2025-03-14, 2025_03_14, 2025/3/14 (the same separator twice)
        rf"(?<!\d)\d{{4}}(?P<s1>{_SEP})\d{{1,2}}(?P=s1)\d{{1,2}}(?!\d)",
        # 14-03-2025, 03/14/25, 14.3.2025
        rf"(?<!\d)\d{{1,2}}(?P<s2>{_SEP})\d{{1,2}}(?P=s2)(?:\d{{4}}|\d{{2}})(?!\d)",
        # 14-Mar-2025, 14 March 2025, 14Mar25, 1st May 2024 (a month name is {_M} here)
        rf"(?<![\da-z]){_DAY}{_MSEP}{_M}{_MSEP}(?:\d{{4}}|\d{{2}})(?!\d)",
        # Mar-14-2025, March 14, 2025 (two numbers in a row need a separator between them)
        rf"{_M}{_MSEP}{_DAY}[-_./ ,]{{1,3}}(?:\d{{4}}|\d{{2}})(?!\d)",
        # 2025-Mar-14, 2025 March 14
        rf"(?<!\d)\d{{4}}{_MSEP}{_M}{_MSEP}{_DAY}(?![\da-z])",
    ]),
    re.IGNORECASE,
)

_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")),
    ("a URL", re.compile(r"(?i)(?<![\w.])(?:https?://|ftp://|www\.)[^\s]{1,2048}")),
    ("an IP address", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")),
    ("a US social security number", re.compile(r"(?<!\d)\d{3}(?P<s>[-_. ])\d{2}(?P=s)\d{4}(?!\d)")),
    ("a full date", _DATE),
    (
        "a phone or fax number",
        re.compile(
            r"(?<![\d+])(?:\+\d{1,3}[-_. ]?)?(?:\(\d{2,4}\)[-_. ]?|\d{2,4}[-_. ])?"
            r"\d{3,4}[-_. ]\d{4}(?!\d)"
        ),
    ),
    ("a ZIP code", re.compile(r"(?<!\d)\d{5}-\d{4}(?!\d)")),
    ("a long digit run (record number)", re.compile(r"\d{7}")),
)

#: What every pattern of _VALUE_PATTERNS needs somewhere in the text: an '@' (e-mail), '://' or 'www.' (URL),
#: the month mark (a date written with a month name), two digits with one separator between them (IP address,
#: SSN, numeric date, phone, ZIP+4) or seven digits in a row. A label such as ``case-000123`` has none, so one
#: search replaces eight (the identifier check was a sixth of validating a batch row); the tests compare
#: :func:`find_identifier` with the eight-search loop on generated text.
_VALUE_HINT = re.compile(r"[@\x01]|://|(?i:www\.)|\d[-_./ ]\d|\d{7}")

#: Only for labels (case_id, field names): a whole label of 5 digits is a ZIP code, and two
#: capitalised words joined by a separator read as a person's name.
_ZIP_LABEL = re.compile(r"\d{5}(?:[-_. ]\d{4})?")
_NAME_LABEL = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[A-Z][a-z]+)?[-_. ]{1,2}[A-Z][a-z]+(?:[A-Z][a-z]+)?(?![a-z])")


def normalise_field_name(name: str) -> str:
    """Lower-case and unify separators so that 'Patient-Name' and 'patient_name' compare equal."""
    return re.sub(r"[\s.\-]+", "_", name.strip().lower())


@functools.lru_cache(maxsize=4096)
def _identifying_name(last: str) -> bool:
    return normalise_field_name(last) in IDENTIFYING_FIELDS


def is_identifying_field(name: str) -> bool:
    """True when the last part of a (possibly dotted) field name is an identifying field name."""
    if len(name) > MAX_LABEL_SCAN:
        return False
    return _identifying_name(name.rsplit(".", 1)[-1])


def find_identifier(value: str) -> str | None:
    """The kind of identifier a free-text value looks like, or None. Never returns the value."""
    if _VALUE_HINT.search(value):
        for kind, pattern in _VALUE_PATTERNS:
            if pattern.search(value):
                return kind
    if _MONTH.search(value) and _DATE.search(_MONTH.sub(_M, value.replace(_M, ""))):
        return "a full date"
    return None


def find_label_identifier(value: str) -> str | None:
    """Like :func:`find_identifier`, stricter for short labels (case_id, field names): also a
    label that is a ZIP code (``02139``, ``02139-4307``) and a ``First_Last`` name."""
    if len(value) > MAX_LABEL_SCAN:
        return "an over-long label"
    kind = find_identifier(value)
    if kind:
        return kind
    if _ZIP_LABEL.fullmatch(value.strip()):
        return "a ZIP code"
    if _NAME_LABEL.search(value):
        return "a person's name (First_Last)"
    return None


#: How a field name typed by a user may be shown: only the characters of the identifying-name list.
_SHOWABLE_NAME = re.compile(r"[A-Za-z][A-Za-z_. -]{0,40}")


def shown_identifying_name(name: str) -> str:
    """An identifying field name as shown in a refusal: as typed when it is only letters and separators
    (it is then a word of the list, spelled differently), else the list word it matched."""
    if _SHOWABLE_NAME.fullmatch(name):
        return name
    return normalise_field_name(name)
