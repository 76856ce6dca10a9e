"""The identifier guard: identifying data in input that claims to be de-identified is refused, never stored.

Why: a de-identified tool must refuse, not store, what looks like a person. Field names follow the case
contract; values are read for the HIPAA Safe Harbor identifier kinds that can be recognised in text, as
people write them (the text is Unicode-folded first, ``textfold``): phone and fax numbers, SSNs, dates and
every element of a date but the year (a month and year too: ``RFA March 2019``; a year alone is allowed),
e-mail addresses (also spelled out), URLs, IP addresses, record and serial numbers, ZIP codes and UK
postcodes in context, street addresses, ages over 89, people's names and home towns. Messages name the
field and the kind of identifier, never the value. The patterns (``idscan`` and the modules it reads) are
compiled and the name lists read on first use, so ``import cryoelig`` stays cheap. Measured misses and
false alarms: docs/case-schema.md, "Identifiers in free text".

File names pass the same guard before any message, error record or summary shows them (``shown_file_name``):
a path with any part that looks identifying is named by its place (``file 12 of the folder``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ..safetext import install_file_name_guard
from .textfold import fold

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


_scan: Callable[[str, bool], str | None] | None = None


def _scanner() -> Callable[[str, bool], str | None]:
    """The guard's scan (cryoelig.case.idscan), imported on first use: it compiles about 50 patterns."""
    global _scan
    if _scan is None:
        from .idscan import scan

        _scan = scan
    return _scan


def find_identifier(value: str) -> str | None:
    """The kind of identifier a free-text value (notes) looks like, or None. Never returns the value."""
    return (_scan or _scanner())(value, False)


#: Only for labels: a whole label of 5 digits is a ZIP code, and two capitalised words joined by a separator
#: read as a person's name whether listed or not.
_ZIP_LABEL = re.compile(r"[0-9]{5}(?:[-_. ][0-9]{4})?")
_NAME_LABEL = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[A-Z][a-z]+)?[-_. ]{1,2}[A-Z][a-z]+(?:[A-Z][a-z]+)?(?![a-z])")


def find_label_identifier(value: str) -> str | None:
    """Like :func:`find_identifier`, stricter for short labels (case_id, field names, file names): no
    exception for clinical number shapes (a year range, a value before a unit), '_' read as a space, a
    label that is a ZIP code (``02139``) and a ``First_Last`` name."""
    if len(value) > MAX_LABEL_SCAN:
        return "an over-long label"
    text = fold(value)
    kind = (_scan or _scanner())(text.replace("_", " ") if "_" in text else text, True)
    if kind:
        return kind
    if _ZIP_LABEL.fullmatch(text.strip()):
        return "a ZIP code"
    if _NAME_LABEL.search(text):
        return "a person's name (First_Last)"
    return None


_PATH_PARTS = re.compile(r"[\\/]+")
_SUFFIX = re.compile(r"(?i)\.(?:ya?ml|json|jsonl|ndjson|csv|tsv|txt|xlsx|parquet|html?|pdf|md)(?:\.gz)?$")


@functools.lru_cache(maxsize=1024)
def file_name_identifier(path: str) -> str | None:
    """The kind of identifier any part of a path looks like (read as a label and as free text), or None."""
    for part in _PATH_PARTS.split(path):
        if part in ("", ".", ".."):
            continue
        stem = _SUFFIX.sub("", part)
        kind = find_label_identifier(stem) or (_scan or _scanner())(stem, False)
        if kind:
            return kind
    return None


def shown_file_name(path: str, place: str) -> str:
    """A file as a message or an output names it: its path when no part of it looks identifying, else its
    place (``place``: 'file 12 of the folder', 'the case file given'). Never the name itself."""
    return path if file_name_identifier(path) is None else place


install_file_name_guard(lambda path: file_name_identifier(path) is None)


#: How a field name typed by a user may be shown: only the characters of the identifying-name list.
_SHOWABLE_NAME = re.compile(r"[A-Za-z][A-Za-z_. -]{0,40}")


def shown_identifying_name(name: str) -> str:
    """An identifying field name as shown in a refusal: as typed when it is only letters and separators
    (it is then a word of the list, spelled differently), else the list word it matched."""
    if _SHOWABLE_NAME.fullmatch(name):
        return name
    return normalise_field_name(name)
