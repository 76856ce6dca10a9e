"""One patient record: the FHIR resources read once, as cancers, values and treatments.

Why: a record holds many resources and the case is one tumor site. ``Record`` parses the
resources it reads (with the ``fhir.resources`` R4B models, only the elements it uses), keeps
what each one says in coded form, and finds the cancer sites the record describes;
``assemble.case_data(record, site)`` builds the case for one site. Only coded fields listed in
``codes.py`` are read; anything else leaves the field unknown and the resource is listed as
ignored with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import InputError, Problem
from .codes import (
    EXT_HISTOLOGY,
    EXT_RELATED_PRIMARY,
    EXT_TERMINATION_REASON,
    PROFILE_PRIMARY,
    PROFILE_RADIOTHERAPY,
    PROFILE_SECONDARY,
    PROFILE_SURGERY,
    UCUM,
    lookup,
)
from .resources import (
    MAX_ENTRIES,
    NOT_READ,
    READ_TYPES,
    Entry,
    date_key,
    extensions,
    fhir_code,
    find,
    models,
    narrow,
    profiles,
    ref_id,
    safe_type,
)


@dataclass
class Cancer:
    index: int
    ident: str | None
    kind: str
    site: str
    primary_cancer: str | None
    histology: str | None
    related: str | None


@dataclass
class Value:
    index: int
    field: str
    value: Any
    date: str | None
    site: str | None = None  # attributed site, when the resource says it
    attributable: bool = True


@dataclass
class Treatment:
    index: int
    kind: str  # cryoablation, radiation, chemotherapy, surgery, thermal_ablation
    state: str  # current, done, failed
    site: str | None


class Record:
    """The resources of one patient record, read once (``assemble.case_data`` builds one case)."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = list(entries)
        if len(self.entries) > MAX_ENTRIES:
            raise InputError([Problem(f"more than {MAX_ENTRIES} resources in one request", field="entry")])
        self.types: list[str] = []
        self.cancers: list[Cancer] = []
        self.values: list[Value] = []
        self.treatments: list[Treatment] = []
        self.orders: list[tuple[int, str, str | None]] = []  # (index, treatment kind, site)
        self.body_sites: dict[str, str] = {}  # BodyStructure id -> site
        self.body_structure_index: dict[str, int] = {}
        self.reasons: dict[int, str] = {}  # ignored resources: index -> reason
        get_model = models()
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
                    parsed[i] = get_model(rtype).model_validate(narrow(rtype, data))
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
        hit = find("body_site", getattr(model, "location", None))
        if model.id and hit is not None and hit.get("site"):
            self.body_sites[str(model.id)] = hit.get("site") or ""
            self.body_structure_index[str(model.id)] = i
        else:
            self._ignore(i, "location code not in the mapping table")

    def _read_BodyStructure(self, i: int, model: Any) -> None:  # noqa: N802 - dispatched by type name
        pass  # read in _body_structure; counted as read when a tumor size uses it

    def _read_Condition(self, i: int, model: Any) -> None:  # noqa: N802
        verification = fhir_code(model.verificationStatus)
        if verification in ("refuted", "entered-in-error"):
            return self._ignore(i, f"verificationStatus {verification}")
        clinical = fhir_code(model.clinicalStatus)
        if clinical in ("inactive", "remission", "resolved"):
            return self._ignore(i, f"clinicalStatus {clinical}: not a current cancer")
        code_hit = find("condition", model.code)
        declared = profiles(model)
        kind = code_hit.get("kind") if code_hit else None
        if kind is None and PROFILE_SECONDARY in declared:
            kind = "secondary"
        if kind is None and PROFILE_PRIMARY in declared:
            kind = "primary"
        if kind is None:
            return self._ignore(i, "Condition code not in the mapping table")
        site_hit = find("body_site", model.bodySite)
        site = (site_hit.get("site") if site_hit else None) or (code_hit.get("site") if code_hit else None)
        if site is None:
            return self._ignore(i, f"{kind} cancer without a body site or code from the mapping table")
        primary = None
        if kind == "primary":
            primary = (code_hit.get("primary_cancer") if code_hit else None) or (
                site_hit.get("primary_cancer") if site_hit else None)
        histology = None
        for ext in extensions(model, EXT_HISTOLOGY):
            hit = find("histology", ext.valueCodeableConcept)
            if hit is not None:
                histology = hit.get("histology")
        if histology is None and code_hit is not None:
            histology = code_hit.get("histology")
        related = None
        for ext in extensions(model, EXT_RELATED_PRIMARY):
            related = ref_id(ext.valueReference)
        self.cancers.append(Cancer(i, str(model.id) if model.id else None, kind, site, primary, histology, related))

    def _read_Observation(self, i: int, model: Any) -> None:  # noqa: N802
        if model.status not in ("final", "amended", "corrected"):
            return self._ignore(i, f"status {model.status}: only final results are read")
        hit = find("observation", model.code)
        if hit is None:
            return self._ignore(i, "Observation code not in the mapping table")
        name = hit.get("field")
        date = date_key(model)
        if name == "ecog":
            value = model.valueInteger
            if value is None or not 0 <= value <= 4:
                return self._ignore(i, "ECOG value missing or outside 0-4 (the case range)")
            self.values.append(Value(i, "ecog", int(value), date))
        elif name == "symptoms.pain_score":
            value = model.valueInteger
            if value is None and model.valueQuantity is not None and model.valueQuantity.value is not None:
                number = float(model.valueQuantity.value)
                value = int(number) if number.is_integer() else None
            if value is None or not 0 <= value <= 10:
                return self._ignore(i, "pain score missing or not a whole number 0-10")
            self.values.append(Value(i, "symptoms.pain_score", int(value), date))
        elif name == "tumor.size":
            self._tumor_size(i, model, date)

    def _tumor_size(self, i: int, model: Any, date: str | None) -> None:
        size = None
        for component in model.component or []:
            if find("component", component.code) is None or component.valueQuantity is None:
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
            ident = ref_id(ref)
            if ident and ident in self.body_sites:
                site = self.body_sites[ident]
        if site is None:
            hit = find("body_site", model.bodySite)
            site = hit.get("site") if hit else None
        self.values.append(Value(i, size[0] or "", size[1], date, site=site))

    def _read_Procedure(self, i: int, model: Any) -> None:  # noqa: N802
        hit = find("procedure", model.code)
        kind = hit.get("treatment") if hit else None
        declared = profiles(model)
        if kind is None and PROFILE_RADIOTHERAPY in declared:
            kind = "radiation"
        if kind is None and PROFILE_SURGERY in declared:
            kind = "surgery"
        if kind is None:
            return self._ignore(i, "Procedure code not in the mapping table")
        site_hit = find("body_site", model.bodySite)
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
        self.treatments.append(Treatment(i, kind, state, site))

    def _did_not_work(self, model: Any) -> bool:
        reasons = [model.statusReason] if getattr(model, "statusReason", None) is not None else []
        reasons += [e.valueCodeableConcept for e in extensions(model, EXT_TERMINATION_REASON)]
        return any((hit := find("reason", r)) is not None and hit.get("outcome") == "did_not_work"
                   for r in reasons if r is not None)

    def _medication(self, i: int, model: Any, current: tuple[str, ...], done: tuple[str, ...]) -> None:
        concept = getattr(model, "medicationCodeableConcept", None)
        if concept is None:
            return self._ignore(i, "medication given by reference or not coded: not read")
        hit = find("medication", concept)
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
        self.treatments.append(Treatment(i, hit.get("treatment") or "", state, None))

    def _read_MedicationRequest(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("active", "on-hold"), ("completed",))

    def _read_MedicationStatement(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("active", "intended", "on-hold"), ("completed",))

    def _read_MedicationAdministration(self, i: int, model: Any) -> None:  # noqa: N802
        self._medication(i, model, ("in-progress", "on-hold"), ("completed",))

    def _read_ServiceRequest(self, i: int, model: Any) -> None:  # noqa: N802
        hit = find("procedure", model.code)
        if hit is None or hit.get("treatment") not in ("cryoablation", "thermal_ablation"):
            return self._ignore(i, "order code not in the mapping table")
        site_hit = find("body_site", model.bodySite)
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
