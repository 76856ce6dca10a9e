"""FHIR resources as the reader sees them: which types are read, positions in a Bundle,
provenance, and small readers of the elements ``shapes.py`` has checked.

Why a module of its own: the record (``record.py``) and the case assembly (``assemble.py``) share
these; none of them copies free text (names, narrative, notes, displays) anywhere: only codes
are compared, positions (``entry 3``) name a resource, never its id or content, and a code is
shown (system and code only) only when it is well formed for a code system the reader knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError, Problem
from .codes import (
    CPT,
    EXT_LATERALITY,
    EXT_TERMINATION_REASON,
    ICD10,
    ICD10CM,
    LOINC,
    NCIT,
    RXNORM,
    SNOMED,
    SYSTEM_NAMES,
    UCUM,
    Code,
    lookup,
)
from .icd10cm import NOT_CANCER
from .shapes import RESOURCE_TYPES

#: Resource types whose content is read (the elements of ``shapes.SHAPES``).
READ_TYPES = ("Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement",
              "MedicationAdministration", "BodyStructure", "ServiceRequest")
#: Resource types never looked into at all: people and administration.
NOT_READ = {
    "Patient": "demographics and identifiers are never read",
    "Person": "demographics and identifiers are never read",
    "RelatedPerson": "demographics and identifiers are never read",
    "Practitioner": "people and administration are not read",
    "PractitionerRole": "people and administration are not read",
    "Organization": "people and administration are not read",
    "Encounter": "people and administration are not read",
    "Location": "people and administration are not read",
    "OperationOutcome": "the sender reports data it could not provide",
}
MAX_ENTRIES = 5000
MAX_BUNDLE_DEPTH = 4
#: The syntax of a code per system: a code from the record is shown only when it fits (and, for
#: SNOMED CT and LOINC, its check digit is right), so no free text can pass as a code.
_CODE_SYNTAX = {SNOMED: re.compile(r"[1-9][0-9]{5,17}"), LOINC: re.compile(r"[0-9]{1,7}-[0-9]"),
                ICD10CM: re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?"),
                ICD10: re.compile(r"[A-Z][0-9]{2}(\.[0-9]{1,2})?"), RXNORM: re.compile(r"[1-9][0-9]{0,7}"),
                NCIT: re.compile(r"C[0-9]{1,7}"), CPT: re.compile(r"[0-9]{4}[0-9FTU]"),
                UCUM: re.compile(r"(mm|cm|m|\{score\}|1)")}


@dataclass(frozen=True)
class ReadResource:
    resource: str
    where: str
    fields: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IgnoredResource:
    resource: str
    where: str
    reason: str


@dataclass
class Provenance:
    """Which resources gave which case fields (with notes), which were ignored and why (no content)."""

    read: list[ReadResource] = field(default_factory=list)
    ignored: list[IgnoredResource] = field(default_factory=list)
    #: Active treatments the case has no value for (not classified, targeted therapy...), as the reader names them.
    active_not_classified: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "read": [{"resource": r.resource, "where": r.where, "fields": list(r.fields)}
                     | ({"notes": list(r.notes)} if r.notes else {}) for r in self.read],
            "ignored": [{"resource": i.resource, "where": i.where, "reason": i.reason} for i in self.ignored],
        }
        if self.active_not_classified:
            out["active_treatments_not_classified"] = list(self.active_not_classified)
        return out

    def lines(self) -> list[str]:
        out = [f"read {r.resource} ({r.where}): {', '.join(r.fields) or 'no case field'}"
               + "".join(f"; {n}" for n in r.notes) for r in self.read]
        out += [f"ignored {i.resource} ({i.where}): {i.reason}" for i in self.ignored]
        return out


@dataclass(frozen=True)
class Entry:
    where: str
    resource: Any


# ---------------------------------------------------------------- readers of checked elements

def type_name(name: Any) -> str:
    """A resourceType fit to print: a FHIR resource type name, else a neutral word."""
    return name if isinstance(name, str) and name in RESOURCE_TYPES else "unknown resource type"


def code_text(system: Any, code: Any) -> str:
    """A coding as it may be shown: the system's name and the code when the code is well formed for a
    system the reader knows; else words that say what it was, never its text."""
    name = SYSTEM_NAMES.get(system) if isinstance(system, str) else None
    if name is None:
        return "a code of a system cryoelig does not read"
    if not isinstance(code, str) or not _CODE_SYNTAX[system].fullmatch(code) or not _check_digit(system, code):
        return f"{'an' if name[0] in 'IRN' else 'a'} {name} code that is not well formed"  # an ICD-10-CM, an RxNorm
    return f"{name} {code}"


def _check_digit(system: str, code: str) -> bool:
    if system == SNOMED:
        from stdnum import verhoeff

        return code[-3:-1] in ("00", "10") and verhoeff.is_valid(code)  # a concept id: partition 00 or 10
    if system == LOINC:
        from stdnum import luhn

        return luhn.is_valid(code.replace("-", ""))
    return True


def codings(concepts: Any) -> Iterator[tuple[str, str]]:
    """(system, code) of each coding with both, of a CodeableConcept or a list of them (shapes checked)."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if isinstance(concept, dict):
            for coding in concept.get("coding") or []:
                system, code = coding.get("system"), coding.get("code")
                if system and code:
                    yield system, code


def find(role: str, concepts: Any) -> Code | None:
    for system, code in codings(concepts):
        hit = lookup(role, system, code)
        if hit is not None:
            return hit
    return None


def fhir_code(concept: Any) -> str | None:
    """The first code of a concept from a FHIR-defined code system (statuses): compared, never printed."""
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            return coding["code"]
    return None


def profiles(resource: dict[str, Any]) -> set[str]:
    return set((resource.get("meta") or {}).get("profile") or [])


def extensions(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension") or [] if e.get("url") == url]


def ref_id(reference: Any) -> str | None:
    ref = reference.get("reference") if isinstance(reference, dict) else None
    if not ref:
        return None
    return ref.rstrip("/").rsplit("/", 1)[-1].removeprefix("urn:uuid:")


def date_key(resource: dict[str, Any]) -> str | None:
    """An orderable date of an observation or procedure (compared, never copied)."""
    for name in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "issued"):
        if resource.get(name):
            return resource[name]
    for name in ("effectivePeriod", "performedPeriod"):
        period = resource.get(name) or {}
        if period.get("end") or period.get("start"):
            return period.get("end") or period.get("start")
    return None


def condition_code(concept: Any) -> Code | None:
    """The code's entry, a cancer before a code that says "not a cancer" (a record may send both systems)."""
    hits = [hit for s, c in codings(concept) if (hit := lookup("condition", s, c)) is not None]
    return next((h for h in hits if h.get("kind") not in NOT_CANCER), hits[0] if hits else None)


def qualifier(body_sites: Any) -> str | None:
    """The laterality of an mCODE bodySite qualifier extension (7771000 Left, 24028007 Right...)."""
    for concept in body_sites or []:
        for ext in extensions(concept, EXT_LATERALITY):
            hit = find("qualifier", ext.get("valueCodeableConcept"))
            if hit is not None:
                return hit.get("laterality")
    return None


def treatment_state(status: str, current: tuple[str, ...], done: tuple[str, ...], failed: bool) -> str | None:
    if status in current:
        return "current"
    if status in done:
        return "done"
    return "failed" if status == "stopped" and failed else None


def did_not_work(resource: dict[str, Any]) -> bool:
    reasons = resource.get("statusReason")
    reasons = reasons if isinstance(reasons, list) else [reasons] if reasons is not None else []
    reasons += [e.get("valueCodeableConcept") for e in extensions(resource, EXT_TERMINATION_REASON)]
    return any((hit := find("reason", r)) is not None and hit.get("outcome") == "did_not_work"
               for r in reasons if r is not None)


# ---------------------------------------------------------------- flattening

def flatten(document: Any, where: str = "entry", depth: int = 0) -> Iterator[Entry]:
    """Every resource of a document, Bundles (nested ones too) opened, with its position."""
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        if depth >= MAX_BUNDLE_DEPTH:
            raise InputError([Problem(f"Bundles nested more than {MAX_BUNDLE_DEPTH} deep", field="entry")])
        entries = document.get("entry")
        if entries is None:
            return
        if not isinstance(entries, list):
            raise InputError([Problem("a Bundle's entry is a list", field="entry")])
        for i, entry in enumerate(entries, 1):
            label = f"{where} {i}" if depth == 0 else f"{where}.{i}"
            resource = entry.get("resource") if isinstance(entry, dict) else None
            yield from flatten(resource, label, depth + 1) if resource is not None else iter(
                [Entry(label, None)])
    else:
        yield Entry("resource" if where == "entry" else where, document)
