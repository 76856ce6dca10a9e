"""Guard against identifying data in input that claims to be anonymized.

Why: a de-identified tool must refuse, not store, what looks like a person. The field
names follow the case contract; the value patterns follow the HIPAA Safe Harbor
identifier kinds that can be recognised in free text (dates, phone/fax numbers,
e-mail addresses, SSNs, URLs, IP addresses, record numbers as long digit runs).
Messages name the field and the kind of identifier, never the value.
"""

from __future__ import annotations

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

_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")),
    ("a URL", re.compile(r"(?i)\b(?:https?://|ftp://|www\.)\S+")),
    ("an IP address", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("a US social security number", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "a full date",
        re.compile(
            r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"
            r"|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"
            r"|(?i:\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b)"
            r"|(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\b)"
        ),
    ),
    (
        "a phone or fax number",
        re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\b\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b"),
    ),
    ("a long digit run (record number)", re.compile(r"\d{7,}")),
)


def normalise_field_name(name: str) -> str:
    """Lower-case and unify separators so that 'Patient-Name' and 'patient_name' compare equal."""
    return re.sub(r"[\s.\-]+", "_", name.strip().lower())


def is_identifying_field(name: str) -> bool:
    """True when the last part of a (possibly dotted) field name is an identifying field name."""
    last = name.rsplit(".", 1)[-1]
    return normalise_field_name(last) in IDENTIFYING_FIELDS


def find_identifier(value: str) -> str | None:
    """The kind of identifier a free-text value looks like, or None. Never returns the value."""
    for kind, pattern in _VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    return None
