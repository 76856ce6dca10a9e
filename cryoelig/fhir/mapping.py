"""FHIR R4 resources (mCODE-shaped) to the nested case form, with provenance.

Why this shape: a record holds many resources; the case is one tumor site. ``Record`` parses
the resources it reads once (with the ``fhir.resources`` R4B models), finds the cancer sites
the record describes, and builds the case data for one site. Only coded fields listed in
``codes.py`` are read; anything else leaves the field unknown. Patient, practitioner and other
administrative resources are never parsed, and no free text (names, narrative ``text.div``,
notes, displays) is ever copied: the case gets only enum values and numbers.

Provenance names each resource by its type and position (``entry 3``), never by its id or
content, and says which case fields it gave or why it was ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, Problem
from . import EXTRA_HINT, MissingExtraError
from .codes import (
    EXT_HISTOLOGY,
    EXT_RELATED_PRIMARY,
    EXT_TERMINATION_REASON,
    PROFILE_PRIMARY,
    PROFILE_RADIOTHERAPY,
    PROFILE_SECONDARY,
    PROFILE_SURGERY,
    UCUM,
    Code,
    lookup,
)

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
_LABEL_ALPHABET = "bcdfghjkmnpqrstvwxz"  # no digits, no vowels: never a record number, never a word


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

def _models():  # noqa: ANN202 - the R4B model lookup
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:
        raise MissingExtraError(EXTRA_HINT) from None
    return get_fhir_model_class


def safe_type(name: Any) -> str:
    """A resourceType fit to print: a FHIR type name the models know, else a neutral word."""
    if isinstance(name, str) and _TYPE_NAME.match(name):
        try:
            _models()(name)
            return name
        except (ValueError, AttributeError, TypeError):
            pass
    return "unknown resource type"


def _codings(concepts: Any) -> Iterator[tuple[str | None, str | None]]:
    if concepts is None:
        return
    if not isinstance(concepts, list | tuple):
        concepts = [concepts]
    for concept in concepts:
        for coding in getattr(concept, "coding", None) or []:
            yield coding.system, coding.code


def _find(role: str, concepts: Any) -> Code | None:
    for system, code in _codings(concepts):
        hit = lookup(role, system, code)
        if hit is not None:
            return hit
    return None


def _fhir_code(concept: Any) -> str | None:
    """A code from a FHIR-defined code system (statuses): only the code string is compared."""
    for _system, code in _codings(concept):
        if code:
            return code
    return None


def _profiles(model: Any) -> set[str]:
    meta = getattr(model, "meta", None)
    return {str(p) for p in (getattr(meta, "profile", None) or [])}


def _extensions(model: Any, url: str) -> list[Any]:
    return [e for e in (getattr(model, "extension", None) or []) if e.url == url]


def _ref_id(reference: Any) -> str | None:
    ref = getattr(reference, "reference", None)
    if not ref:
        return None
    return str(ref).rstrip("/").rsplit("/", 1)[-1].removeprefix("urn:uuid:")


def _date_key(model: Any) -> str | None:
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


def case_label(data: dict[str, Any]) -> str:
    """A non-identifying, deterministic case_id: ``fhir-`` + a hash of the de-identified case content.

    Why the content and not the resource ids: ids are record numbers in many systems and a hash
    of a short id space is reversed by trying every number; the case content is already in the
    report, so hashing it reveals nothing more and gives the same label for the same facts.
    Letters only (no digits, no vowels), so the label can never look like a record number.
    """
    canonical = json.dumps({k: v for k, v in data.items() if k != "case_id"}, sort_keys=True, separators=(",", ":"))
    number = int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:12], "big")
    chars = []
    for _ in range(16):
        number, rest = divmod(number, len(_LABEL_ALPHABET))
        chars.append(_LABEL_ALPHABET[rest])
    return "fhir-" + "".join(chars)


def _narrow(rtype: str, data: dict[str, Any]) -> dict[str, Any]:
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


# ---------------------------------------------------------------- parsed facts

@dataclass
class _Cancer:
    index: int
    ident: str | None
    kind: str
    site: str
    primary_cancer: str | None
    histology: str | None
    related: str | None


@dataclass
class _Value:
    index: int
    field: str
    value: Any
    date: str | None
    site: str | None = None  # attributed site, when the resource says it
    attributable: bool = True


@dataclass
class _Treatment:
    index: int
    kind: str  # cryoablation, radiation, chemotherapy, surgery, thermal_ablation
    state: str  # current, done, failed
    site: str | None


class Record:
    """The resources of one patient record, read once; ``case_data(site)`` builds one case."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = list(entries)
        if len(self.entries) > MAX_ENTRIES:
            raise InputError([Problem(f"more than {MAX_ENTRIES} resources in one request", field="entry")])
        self.types: list[str] = []
        self.cancers: list[_Cancer] = []
        self.values: list[_Value] = []
        self.treatments: list[_Treatment] = []
        self.orders: list[tuple[int, str, str | None]] = []  # (index, treatment kind, site)
        self.body_sites: dict[str, str] = {}  # BodyStructure id -> site
        self.body_structure_index: dict[str, int] = {}
        self.reasons: dict[int, str] = {}  # ignored resources: index -> reason
        get_model = _models()
        parsed: list[Any] = []
        for i, entry in enumerate(self.entries):
            data = entry.resource
            rtype = data.get("resourceType") if isinstance(data, dict) else None
            self.types.append(safe_type(rtype) if rtype is not None else "no resource")
            parsed.append(None)
            if not isinstance(data, dict):
                self.reasons[i] = "an entry without a resource"
            elif rtype in NOT_READ:
                self.reasons[i] = NOT_READ[rtype]
            elif rtype not in READ_TYPES:
                self.reasons[i] = "resource type not read by cryoelig"
            else:
                try:
                    parsed[i] = get_model(rtype).model_validate(_narrow(rtype, data))
                except ValueError as error:  # pydantic ValidationError; its text holds input values: not shown
                    count = len(error.errors()) if hasattr(error, "errors") else 1
                    self.reasons[i] = f"not a valid FHIR R4 {rtype} ({count} problem{'s' * (count != 1)})"
        for i, model in enumerate(parsed):
            if model is not None and self.types[i] == "BodyStructure":
                self._body_structure(i, model)
        for i, model in enumerate(parsed):
            if model is None:
                continue
            handler = getattr(self, f"_read_{self.types[i]}", None)
            if handler is not None:
                handler(i, model)

    # -------------------------------------------------------- per resource type

    def _ignore(self, i: int, reason: str) -> None:
        self.reasons[i] = reason

    def _body_structure(self, i: int, model: Any) -> None:
        hit = _find("body_site", getattr(model, "location", None))
        if model.id and hit is not None and hit.get("site"):
            self.body_sites[str(model.id)] = hit.get("site") or ""
            self.body_structure_index[str(model.id)] = i
        else:
            self._ignore(i, "location code not in the mapping table")

    def _read_BodyStructure(self, i: int, model: Any) -> None:  # noqa: N802 - dispatched by type name
        pass  # read in _body_structure; counted as read when a tumor size uses it

    def _read_Condition(self, i: int, model: Any) -> None:  # noqa: N802
        verification = _fhir_code(model.verificationStatus)
        if verification in ("refuted", "entered-in-error"):
            return self._ignore(i, f"verificationStatus {verification}")
        clinical = _fhir_code(model.clinicalStatus)
        if clinical in ("inactive", "remission", "resolved"):
            return self._ignore(i, f"clinicalStatus {clinical}: not a current cancer")
        code_hit = _find("condition", model.code)
        profiles = _profiles(model)
        kind = code_hit.get("kind") if code_hit else None
        if kind is None and PROFILE_SECONDARY in profiles:
            kind = "secondary"
        if kind is None and PROFILE_PRIMARY in profiles:
            kind = "primary"
        if kind is None:
            return self._ignore(i, "Condition code not in the mapping table")
        site_hit = _find("body_site", model.bodySite)
        site = (site_hit.get("site") if site_hit else None) or (code_hit.get("site") if code_hit else None)
        if site is None:
            return self._ignore(i, f"{kind} cancer without a body site or code from the mapping table")
        primary = None
        if kind == "primary":
            primary = (code_hit.get("primary_cancer") if code_hit else None) or (
                site_hit.get("primary_cancer") if site_hit else None)
        histology = None
        for ext in _extensions(model, EXT_HISTOLOGY):
            hit = _find("histology", ext.valueCodeableConcept)
            if hit is not None:
                histology = hit.get("histology")
        if histology is None and code_hit is not None:
            histology = code_hit.get("histology")
        related = None
        for ext in _extensions(model, EXT_RELATED_PRIMARY):
            related = _ref_id(ext.valueReference)
        self.cancers.append(_Cancer(i, str(model.id) if model.id else None, kind, site, primary, histology, related))

    def _read_Observation(self, i: int, model: Any) -> None:  # noqa: N802
        if model.status not in ("final", "amended", "corrected"):
            return self._ignore(i, f"status {model.status}: only final results are read")
        hit = _find("observation", model.code)
        if hit is None:
            return self._ignore(i, "Observation code not in the mapping table")
        name = hit.get("field")
        date = _date_key(model)
        if name == "ecog":
            value = model.valueInteger
            if value is None or not 0 <= value <= 4:
                return self._ignore(i, "ECOG value missing or outside 0-4 (the case range)")
            self.values.append(_Value(i, "ecog", int(value), date))
        elif name == "symptoms.pain_score":
            value = model.valueInteger
            if value is None and model.valueQuantity is not None and model.valueQuantity.value is not None:
                number = float(model.valueQuantity.value)
                value = int(number) if number.is_integer() else None
            if value is None or not 0 <= value <= 10:
                return self._ignore(i, "pain score missing or not a whole number 0-10")
            self.values.append(_Value(i, "symptoms.pain_score", int(value), date))
        elif name == "tumor.size":
            self._tumor_size(i, model, date)

    def _tumor_size(self, i: int, model: Any, date: str | None) -> None:
        size = None
        for component in model.component or []:
            if _find("component", component.code) is None or component.valueQuantity is None:
                continue
            quantity = component.valueQuantity
            unit = lookup("unit", quantity.system, quantity.code) if quantity.system == UCUM else None
            if unit is None or quantity.value is None:
                return self._ignore(i, "tumor size without a value in mm or cm (UCUM)")
            size = (unit.get("field"), float(quantity.value))
        if size is None:
            return self._ignore(i, "tumor size without its longest dimension (LOINC 33728-7)")
        site = None
        for ref in [model.focus] if not isinstance(model.focus, list) else model.focus:
            ident = _ref_id(ref)
            if ident and ident in self.body_sites:
                site = self.body_sites[ident]
        if site is None:
            hit = _find("body_site", model.bodySite)
            site = hit.get("site") if hit else None
        self.values.append(_Value(i, size[0] or "", size[1], date, site=site))

    def _read_Procedure(self, i: int, model: Any) -> None:  # noqa: N802
        hit = _find("procedure", model.code)
        kind = hit.get("treatment") if hit else None
        profiles = _profiles(model)
        if kind is None and PROFILE_RADIOTHERAPY in profiles:
            kind = "radiation"
        if kind is None and PROFILE_SURGERY in profiles:
            kind = "surgery"
        if kind is None:
            return self._ignore(i, "Procedure code not in the mapping table")
        site_hit = _find("body_site", model.bodySite)
        site = (site_hit.get("site") if site_hit else None) or (hit.get("site") if hit else None)
        status = model.status
        failed = self._did_not_work(model)
        if status in ("in-progress", "preparation", "on-hold"):
            state = "current"
        elif status == "completed":
            state = "done"
        elif status == "stopped" and failed:
            state = "failed"
        else:
            return self._ignore(i, f"status {status}: neither done, current nor stopped for no response")
        self.treatments.append(_Treatment(i, kind, state, site))

    def _did_not_work(self, model: Any) -> bool:
        reasons = [model.statusReason] if getattr(model, "statusReason", None) is not None else []
        reasons += [e.valueCodeableConcept for e in _extensions(model, EXT_TERMINATION_REASON)]
        return any((hit := _find("reason", r)) is not None and hit.get("outcome") == "did_not_work"
                   for r in reasons if r is not None)

    def _medication(self, i: int, model: Any, current: tuple[str, ...], done: tuple[str, ...]) -> None:
        concept = getattr(model, "medicationCodeableConcept", None)
        if concept is None:
            return self._ignore(i, "medication given by reference or not coded: not read")
        hit = _find("medication", concept)
        if hit is None:
            return self._ignore(i, "medication code not in the mapping table")
        status = model.status
        if status in current:
            state = "current"
        elif status in done:
            state = "done"
        elif status == "stopped" and self._did_not_work(model):
            state = "failed"
        else:
            return self._ignore(i, f"status {status}: neither current, done nor stopped for no response")
        self.treatments.append(_Treatment(i, hit.get("treatment") or "", state, None))

    def _read_MedicationRequest(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("active", "on-hold"), ("completed",))

    def _read_MedicationStatement(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("active", "intended", "on-hold"), ("completed",))

    def _read_MedicationAdministration(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("in-progress", "on-hold"), ("completed",))

    def _read_ServiceRequest(self, i: int, model: Any) -> None:  # noqa: N802
        hit = _find("procedure", model.code)
        if hit is None or hit.get("treatment") not in ("cryoablation", "thermal_ablation"):
            return self._ignore(i, "order code not in the mapping table")
        site_hit = _find("body_site", model.bodySite)
        site = (site_hit.get("site") if site_hit else None) or hit.get("site")
        self.orders.append((i, hit.get("treatment") or "", site))
        self._ignore(i, "an order: the summary reads the record, the order names the site")

    # -------------------------------------------------------- sites and cases

    @property
    def sites(self) -> list[str]:
        """The documented sites this record describes a cancer at (``other`` only when alone)."""
        found: list[str] = []
        for cancer in self.cancers:
            if cancer.site not in found:
                found.append(cancer.site)
        documented = [s for s in found if s != "other"]
        return documented or found

    def pick_site(self, site: str | None) -> str:
        if site is not None:
            return site
        sites = self.sites
        if not sites:
            raise InputError([Problem(
                "no current cancer Condition in the record has a body site or code from the mapping table "
                "(docs/fhir-mapping.md): the site cannot be derived", field="site")])
        if len(sites) > 1:
            raise InputError([Problem(
                f"the record describes cancer at {len(sites)} sites ({', '.join(sites)}); cryoelig summarizes "
                "one site per case: choose one (the API takes ?site=)", field="site")])
        return sites[0]

    def case_data(self, site: str | None = None) -> tuple[dict[str, Any], Provenance]:
        """The nested case dict for one site, and which resources gave what."""
        site = self.pick_site(site)
        single_site = len(self.sites) <= 1
        gave: dict[int, list[str]] = {}
        notes: dict[int, str] = {}

        def give(index: int, name: str) -> None:
            gave.setdefault(index, [])
            if name not in gave[index]:
                gave[index].append(name)

        data: dict[str, Any] = {"site": site}
        tumor: dict[str, Any] = {}
        at_site = [c for c in self.cancers if c.site == site]
        by_id = {c.ident: c for c in self.cancers if c.ident}
        for cancer in at_site:
            give(cancer.index, "site")
        if site == "bone":
            secondary = [c for c in at_site if c.kind == "secondary"]
            if secondary:
                tumor["metastatic"] = True
                for c in secondary:
                    give(c.index, "tumor.metastatic")
                related = [by_id[c.related] for c in secondary if c.related in by_id]
                primaries = {r.primary_cancer for r in related if r.primary_cancer}
                if len(primaries) == 1:
                    tumor["primary_cancer"] = primaries.pop()
                    for r in related:
                        give(r.index, "tumor.primary_cancer")
        if site == "skin":
            kinds = {c.histology for c in at_site if c.histology}
            if len(kinds) == 1:
                tumor["histology"] = kinds.pop()
                for c in at_site:
                    if c.histology:
                        give(c.index, "tumor.histology")
        if site == "prostate":
            prostate_ids = {c.ident for c in at_site if c.kind == "primary" and c.ident}
            spread = [c for c in self.cancers if c.kind == "secondary" and c.related in prostate_ids]
            if spread:
                tumor["stage"] = "metastatic"
                for c in spread:
                    give(c.index, "tumor.stage")
        for c in self.cancers:
            if c.site != site and c.index not in gave:
                notes[c.index] = f"a cancer at another site ({c.site})"

        # Observations: the latest value per field; tumor sizes only when they belong to this site.
        chosen: dict[str, list[_Value]] = {}
        for value in self.values:
            if value.field.startswith("tumor."):
                if value.site is not None and value.site != site:
                    notes[value.index] = f"tumor size of a tumor at another site ({value.site})"
                    continue
                if value.site is None and not single_site:
                    notes[value.index] = "tumor size that does not say which tumor it measures"
                    continue
            chosen.setdefault("tumor.size" if value.field.startswith("tumor.") else value.field, []).append(value)
        for name, values in chosen.items():
            pick = self._latest(values, notes)
            if pick is None:
                continue
            target_field = pick.field
            if target_field.startswith("tumor."):
                tumor[target_field.removeprefix("tumor.")] = _number(pick.value)
            elif target_field == "symptoms.pain_score":
                data.setdefault("symptoms", {})["pain_score"] = pick.value
            else:
                data[target_field] = pick.value
            give(pick.index, target_field)
            if name == "tumor.size":
                for ident, index in self.body_structure_index.items():
                    if self.body_sites.get(ident) == site:
                        give(index, "tumor.size (location)")

        # Treatments: prior cryoablation at this site, current treatments, treatments that did not work.
        current: list[str] = []
        failed: list[str] = []
        for t in self.treatments:
            if t.kind == "cryoablation":
                if t.state != "done":
                    notes[t.index] = "cryoablation not completed"
                elif t.site is not None and t.site != site:
                    notes[t.index] = f"cryoablation at another site ({t.site})"
                elif t.site is None and not single_site:
                    notes[t.index] = "cryoablation that does not say at which site"
                else:
                    data.setdefault("history", {})["prior_cryoablation"] = True
                    give(t.index, "history.prior_cryoablation")
            elif t.kind == "thermal_ablation":
                notes[t.index] = "thermal ablation has no case field"
            elif t.state == "current":
                if t.kind not in current:
                    current.append(t.kind)
                give(t.index, "treatments")
            elif t.state == "failed":
                if t.kind not in failed:
                    failed.append(t.kind)
                give(t.index, "history.failed_treatments")
            else:
                notes[t.index] = ("completed treatment: the case records current treatments and "
                                  "treatments that did not work")
        if current:
            data["treatments"] = current
        if failed:
            data.setdefault("history", {})["failed_treatments"] = failed
        if tumor:
            data["tumor"] = tumor
        data = {"case_id": case_label(data), **data}

        provenance = Provenance()
        for i, entry in enumerate(self.entries):
            if i in gave:
                provenance.read.append(ReadResource(self.types[i], entry.where, tuple(gave[i])))
            else:
                reason = notes.get(i) or self.reasons.get(i) or "nothing in it maps to a case field"
                provenance.ignored.append(IgnoredResource(self.types[i], entry.where, reason))
        return data, provenance

    @staticmethod
    def _latest(values: list[_Value], notes: dict[int, str]) -> _Value | None:
        """The most recent value; undated values that disagree leave the field unknown."""
        if len(values) == 1:
            return values[0]
        dated = sorted((v for v in values if v.date), key=lambda v: v.date or "")
        if dated and (len(dated) == 1 or dated[-1].date != dated[-2].date):
            pick = dated[-1]
            for v in values:
                if v is not pick:
                    notes[v.index] = "an earlier or undated value (the latest dated one is used)"
            return pick
        if len({(v.field, v.value) for v in values}) == 1:
            return values[0]
        for v in values:
            notes[v.index] = "values disagree and no date says which is the latest: left unknown"
        return None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def bundle_to_case_data(bundle: dict, *, site: str | None = None) -> tuple[dict[str, Any], Provenance]:
    """The nested case dict of a FHIR Bundle (or one resource) and its provenance."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("resourceType"), str):
        raise InputError([Problem("not a FHIR resource (no resourceType)", field="resourceType")])
    return Record(flatten(bundle)).case_data(site)
