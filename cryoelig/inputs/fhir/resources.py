"""FHIR resources as the reader sees them: which types and elements are read, positions in a
Bundle, provenance, and small readers of the parsed ``fhir.resources`` R4B models.

Why a module of its own: the record (``record.py``) and the case assembly (``assemble.py``) share
these; none of them copies free text (names, narrative, notes, displays) anywhere: only codes
are compared, and positions (``entry 3``) name a resource, never its id or content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError, Problem
from . import EXTRA_HINT, MissingExtraError
from .codes import EXT_HISTOLOGY, EXT_RELATED_PRIMARY, EXT_TERMINATION_REASON, Code, lookup

#: Resource types whose content is read (parsed with the fhir.resources R4B models).
READ_TYPES = ("Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement",
              "MedicationAdministration", "BodyStructure", "ServiceRequest")
#: Resource types never parsed at all: people and administration.
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
#: The elements handed to the model per type: the ones read, and the ones R4 requires (so the
#: model still validates the resource's shape). Narrative, notes, dosage and the rest are never
#: parsed, which also keeps free text out of reach.
READ_ELEMENTS = {
    "Condition": ("id", "meta", "extension", "clinicalStatus", "verificationStatus", "code", "bodySite", "subject"),
    "Observation": ("id", "meta", "status", "code", "subject", "focus", "bodySite", "effectiveDateTime",
                    "effectiveInstant", "effectivePeriod", "issued", "valueInteger", "valueQuantity", "component"),
    "Procedure": ("id", "meta", "extension", "status", "statusReason", "code", "subject", "bodySite",
                  "performedDateTime", "performedPeriod"),
    "MedicationRequest": ("id", "meta", "status", "statusReason", "intent", "medicationCodeableConcept",
                          "medicationReference", "subject"),
    "MedicationStatement": ("id", "meta", "status", "statusReason", "medicationCodeableConcept",
                            "medicationReference", "subject"),
    "MedicationAdministration": ("id", "meta", "status", "statusReason", "medicationCodeableConcept",
                                 "medicationReference", "subject", "effectiveDateTime", "effectivePeriod"),
    "ServiceRequest": ("id", "meta", "status", "intent", "code", "bodySite", "subject"),
    "BodyStructure": ("id", "meta", "location", "patient"),
}
_OWN_EXTENSIONS = frozenset({EXT_HISTOLOGY, EXT_RELATED_PRIMARY, EXT_TERMINATION_REASON})
MAX_ENTRIES = 5000
MAX_BUNDLE_DEPTH = 4
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,63}$")


@dataclass(frozen=True)
class ReadResource:
    resource: str
    where: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class IgnoredResource:
    resource: str
    where: str
    reason: str


@dataclass
class Provenance:
    """Which resources gave which case fields, and which were ignored and why (no content)."""

    read: list[ReadResource] = field(default_factory=list)
    ignored: list[IgnoredResource] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": [{"resource": r.resource, "where": r.where, "fields": list(r.fields)} for r in self.read],
            "ignored": [{"resource": i.resource, "where": i.where, "reason": i.reason} for i in self.ignored],
        }

    def lines(self) -> list[str]:
        out = [f"read {r.resource} ({r.where}): {', '.join(r.fields)}" for r in self.read]
        out += [f"ignored {i.resource} ({i.where}): {i.reason}" for i in self.ignored]
        return out


@dataclass(frozen=True)
class Entry:
    where: str
    resource: Any


# ---------------------------------------------------------------- small readers of parsed models

def models():  # noqa: ANN202 - the R4B model lookup
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:
        raise MissingExtraError(EXTRA_HINT) from None
    return get_fhir_model_class


def safe_type(name: Any) -> str:
    """A resourceType fit to print: a FHIR type name the models know, else a neutral word."""
    if isinstance(name, str) and _TYPE_NAME.match(name):
        try:
            models()(name)
            return name
        except (ValueError, AttributeError, TypeError):
            pass
    return "unknown resource type"


def codings(concepts: Any) -> Iterator[tuple[str | None, str | None]]:
    if concepts is None:
        return
    if not isinstance(concepts, list | tuple):
        concepts = [concepts]
    for concept in concepts:
        for coding in getattr(concept, "coding", None) or []:
            yield coding.system, coding.code


def find(role: str, concepts: Any) -> Code | None:
    for system, code in codings(concepts):
        hit = lookup(role, system, code)
        if hit is not None:
            return hit
    return None


def fhir_code(concept: Any) -> str | None:
    """A code from a FHIR-defined code system (statuses): only the code string is compared."""
    for _system, code in codings(concept):
        if code:
            return code
    return None


def profiles(model: Any) -> set[str]:
    meta = getattr(model, "meta", None)
    return {str(p) for p in (getattr(meta, "profile", None) or [])}


def extensions(model: Any, url: str) -> list[Any]:
    return [e for e in (getattr(model, "extension", None) or []) if e.url == url]


def ref_id(reference: Any) -> str | None:
    ref = getattr(reference, "reference", None)
    if not ref:
        return None
    return str(ref).rstrip("/").rsplit("/", 1)[-1].removeprefix("urn:uuid:")


def date_key(model: Any) -> str | None:
    """An orderable date of an observation or procedure (compared, never copied)."""
    for name in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "issued", "occurrenceDateTime"):
        value = getattr(model, name, None)
        if value is not None:
            return value.isoformat() if hasattr(value, "isoformat") else str(value)
    for name in ("effectivePeriod", "performedPeriod"):
        period = getattr(model, name, None)
        if period is not None:
            value = period.end or period.start
            if value is not None:
                return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return None


def narrow(rtype: str, data: dict[str, Any]) -> dict[str, Any]:
    """The resource with only the elements the reader uses (and those R4 requires)."""
    out = {"resourceType": rtype}
    for name in READ_ELEMENTS[rtype]:
        if name in data:
            out[name] = data[name]
    if isinstance(out.get("meta"), dict):
        out["meta"] = {"profile": out["meta"]["profile"]} if "profile" in out["meta"] else {}
    if isinstance(out.get("extension"), list):
        out["extension"] = [e for e in out["extension"] if isinstance(e, dict) and e.get("url") in _OWN_EXTENSIONS]
    for key in ("subject", "patient"):
        if isinstance(out.get(key), dict) and "reference" in out[key]:
            out[key] = {"reference": out[key]["reference"]}
    return out


# ---------------------------------------------------------------- flattening

def flatten(document: Any, where: str = "entry", depth: int = 0) -> Iterator[Entry]:
    """Every resource of a document, Bundles (nested ones too) opened, with its position."""
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        if depth >= MAX_BUNDLE_DEPTH:
            raise InputError([Problem(f"Bundles nested more than {MAX_BUNDLE_DEPTH} deep", field="entry")])
        entries = document.get("entry") or []
        if not isinstance(entries, list):
            raise InputError([Problem("a Bundle's entry is a list", field="entry")])
        for i, entry in enumerate(entries, 1):
            label = f"{where} {i}" if depth == 0 else f"{where}.{i}"
            resource = entry.get("resource") if isinstance(entry, dict) else None
            yield from flatten(resource, label, depth + 1) if resource is not None else iter(
                [Entry(label, None)])
    else:
        yield Entry("resource" if where == "entry" else where, document)
