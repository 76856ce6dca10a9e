"""One patient record: the FHIR resources read once, as cancers, values and treatments.

Why: a record holds many resources and the case is one tumor site. ``Record`` checks the shape of
every element it reads (``shapes.py``) before reading it, keeps what each resource says in coded
form, and finds the cancer sites the record describes; ``assemble.case_data(record, site)`` builds
the case for one site. Only codes of ``codes.csv`` and ICD-10-CM's neoplasm chapter are read. A
current Condition that may be a cancer but cannot be placed at a site is kept as *unplaced*, with
the codes it carries (shown only when well formed): it stops a summary that it might contradict
(``other``, when the unread cancer may be at a documented site) and it is what the honest answer
names (``NotPlaced``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError, Problem
from . import shapes
from .codes import (
    EXT_HISTOLOGY,
    EXT_RELATED_PRIMARY,
    PROFILE_PRIMARY,
    PROFILE_RADIOTHERAPY,
    PROFILE_SECONDARY,
    PROFILE_SURGERY,
    UCUM,
    Code,
    lookup,
)
from .icd10cm import NOT_CANCER
from .resources import (
    MAX_ENTRIES,
    NOT_READ,
    READ_TYPES,
    Entry,
    code_text,
    codings,
    condition_code,
    date_key,
    did_not_work,
    extensions,
    fhir_code,
    find,
    profiles,
    qualifier,
    ref_id,
    treatment_state,
    type_name,
)

HOW_TO_READ = ("cryoelig places a cancer Condition by a code of docs/fhir-mapping.md (SNOMED CT, WHO ICD-10), "
               "an ICD-10-CM code of the neoplasm chapter, or an mCODE cancer profile (or cancer code) with a "
               "bodySite from that table")


@dataclass
class Cancer:
    index: int
    ident: str | None
    kind: str  # primary, secondary, in_situ, unspecified
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
    kind: str | None  # cryoablation, radiation, chemotherapy, hormone_therapy, surgery...; None: no case value
    state: str  # current, done, failed
    site: str | None
    named: str = ""  # what it is when it has no case value: "not classified (RxNorm 123)", "targeted therapy ..."


@dataclass
class Unplaced:
    """A current Condition that may be a cancer but is not placed at a site: why, and the codes it carries."""

    index: int
    why: str
    codes: list[str] = field(default_factory=list)


class NotPlaced(InputError):
    """No case can be built: the record's cancer Conditions (or what may be one) are not placed at a site."""

    def __init__(self, message: str, rows: list[tuple[str, str, list[str]]], problems: list[Problem] | None = None):
        super().__init__(problems or [Problem(message, field="site")])
        self.rows = rows  # (position, why it was not placed, codes seen), in the tool's words
        self.how = HOW_TO_READ

    def __reduce__(self) -> tuple:
        """Pickled whole (a batch worker hands its errors to the parent process)."""
        return type(self), (self.problems[0].message, self.rows, self.problems)


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
        self.notes: dict[int, list[str]] = {}  # read resources: index -> what the reader noted
        self.unplaced: list[Unplaced] = []
        checked = [self._checked(i, entry.resource) for i, entry in enumerate(self.entries)]
        for i, resource in enumerate(checked):
            if resource is not None and self.types[i] == "BodyStructure":
                self._body_structure(i, resource)
        for i, resource in enumerate(checked):
            if resource is not None:
                getattr(self, f"_read_{self.types[i]}")(i, resource)

    def _checked(self, i: int, data: Any) -> dict[str, Any] | None:
        """The resource when it is of a type read and every element read has its FHIR shape; else None
        with the reason (a Condition that cannot be read may be a cancer: it is kept as unplaced)."""
        rtype = data.get("resourceType") if isinstance(data, dict) else None
        self.types.append(type_name(rtype) if rtype is not None else "no resource")
        if not isinstance(data, dict):
            self.reasons[i] = "an entry without a resource"
        elif not isinstance(rtype, str) or rtype not in shapes.RESOURCE_TYPES:
            self.reasons[i] = "its resourceType is not a FHIR resource type"
        elif rtype in NOT_READ:
            self.reasons[i] = NOT_READ[rtype]
        elif rtype not in READ_TYPES:
            self.reasons[i] = "resource type not read by cryoelig"
        elif (bad := shapes.check(rtype, data)) is not None:
            self.reasons[i] = f"not a valid FHIR R4 {rtype}: {bad}"
            if rtype == "Condition":
                self.unplaced.append(Unplaced(i, self.reasons[i]))
        else:
            return data
        return None

    def _ignore(self, i: int, reason: str) -> None:
        self.reasons[i] = reason

    def note(self, i: int, text: str) -> None:
        if text not in self.notes.setdefault(i, []):
            self.notes[i].append(text)

    # -------------------------------------------------------- per resource type

    def _body_structure(self, i: int, resource: dict[str, Any]) -> None:
        hit = find("body_site", resource.get("location"))
        if resource.get("id") and hit is not None and hit.get("site"):
            self.body_sites[resource["id"]] = hit.get("site") or ""
            self.body_structure_index[resource["id"]] = i
        else:
            self._ignore(i, "location code not in the mapping table")

    def _read_BodyStructure(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802 - dispatched by type name
        pass  # read in _body_structure; counted as read when a tumor size uses it

    def _read_Condition(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        verification = fhir_code(resource.get("verificationStatus"))
        if verification in ("refuted", "entered-in-error"):
            return self._ignore(i, f"verificationStatus {verification}")
        clinical = fhir_code(resource.get("clinicalStatus"))
        if clinical in ("inactive", "remission", "resolved"):
            return self._ignore(i, f"clinicalStatus {clinical}: not a current cancer")
        code_hit = condition_code(resource.get("code"))
        kind = code_hit.get("kind") if code_hit else None
        declared = profiles(resource)
        if kind in NOT_CANCER and not declared & {PROFILE_PRIMARY, PROFILE_SECONDARY}:
            return self._ignore(i, "not a cancer (an ICD-10-CM code outside the malignant and in situ neoplasms)")
        if kind is None or kind in NOT_CANCER:
            code_hit, kind = None, ("secondary" if PROFILE_SECONDARY in declared
                                    else "primary" if PROFILE_PRIMARY in declared else None)
        if kind is None:
            return self._unplaced(i, resource, "Condition code not in the mapping table")
        site = self._condition_site(i, resource, code_hit, kind)
        if site is not None:
            self._cancer(i, resource, code_hit, kind, site)

    def _condition_site(self, i: int, resource: dict[str, Any], code_hit: Code | None, kind: str) -> str | None:
        """The site a cancer Condition names, by its code, else by its bodySite (with a note); None when
        it names none or two (the Condition is then unplaced)."""
        site_hit = find("body_site", resource.get("bodySite"))
        by_code = code_hit.get("site") if code_hit else None
        by_body = site_hit.get("site") if site_hit else None
        if by_code and by_body and by_code != by_body:
            self._unplaced(i, resource, f"its code places it at {by_code} and its bodySite at {by_body}")
            return None
        if not by_code and not by_body:
            self._unplaced(i, resource, f"{kind} cancer without a body site or code from the mapping table")
            return None
        if not by_code:
            self.note(i, f"placed at {by_body} by its bodySite (its code names no site cryoelig reads)")
        laterality = (code_hit.get("laterality") if code_hit else None) or (
            site_hit.get("laterality") if site_hit else None) or qualifier(resource.get("bodySite"))
        if laterality:
            self.note(i, f"laterality {laterality} (no case field)")
        if kind in ("in_situ", "unspecified"):
            self.note(i, "in situ" if kind == "in_situ" else "not specified as primary or secondary")
        return by_code or by_body

    def _cancer(self, i: int, resource: dict[str, Any], code_hit: Code | None, kind: str, site: str) -> None:
        site_hit = find("body_site", resource.get("bodySite"))
        primary = None
        if kind == "primary":
            primary = (code_hit.get("primary_cancer") if code_hit else None) or (
                site_hit.get("primary_cancer") if site_hit else None)
        histology = None
        for ext in extensions(resource, EXT_HISTOLOGY):
            hit = find("histology", ext.get("valueCodeableConcept"))
            if hit is not None:
                histology = hit.get("histology")
        if histology is None and code_hit is not None:
            histology = code_hit.get("histology")
        related = None
        for ext in extensions(resource, EXT_RELATED_PRIMARY):
            related = ref_id(ext.get("valueReference"))
        self.cancers.append(Cancer(i, resource.get("id"), kind, site, primary, histology, related))

    def _unplaced(self, i: int, resource: dict[str, Any], why: str) -> None:
        """A current Condition that may be a cancer and is not placed: the reason and the codes it carries."""
        self._ignore(i, why)
        seen = [f"{code_text(s, c)} (code)" for s, c in codings(resource.get("code"))]
        seen += [f"{code_text(s, c)} (bodySite)" for s, c in codings(resource.get("bodySite"))]
        self.unplaced.append(Unplaced(i, why, seen))

    def _read_Observation(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        status = resource.get("status")  # one of the R4 codes (shapes.py): safe to name
        if status not in ("final", "amended", "corrected"):
            return self._ignore(i, f"status {status}: only final results are read")
        hit = find("observation", resource.get("code"))
        if hit is None:
            return self._ignore(i, "Observation code not in the mapping table")
        name, date = hit.get("field"), date_key(resource)
        if name == "tumor.size":
            return self._tumor_size(i, resource, date)
        value = resource.get("valueInteger")
        quantity = resource.get("valueQuantity") or {}
        if value is None and name == "symptoms.pain_score" and quantity.get("value") is not None:
            number = float(quantity["value"])
            value = int(number) if number.is_integer() else None
        if value is None or not _in_range(name, value):
            return self._ignore(i, _RANGE_WORDS[name])
        self.values.append(Value(i, name or "", int(value), date))

    def _tumor_size(self, i: int, resource: dict[str, Any], date: str | None) -> None:
        size = None
        for component in resource.get("component") or []:
            quantity = component.get("valueQuantity")
            if find("component", component.get("code")) is None or quantity is None:
                continue
            unit = lookup("unit", quantity.get("system"), quantity.get("code")) if quantity.get(
                "system") == UCUM else None
            if unit is None or quantity.get("value") is None or quantity["value"] <= 0:
                return self._ignore(i, "tumor size without a value in mm or cm (UCUM)")
            size = (unit.get("field"), float(quantity["value"]))
        if size is None:
            return self._ignore(i, "tumor size without its longest dimension (LOINC 33728-7)")
        site = None
        for ref in resource.get("focus") or []:
            ident = ref_id(ref)
            if ident and ident in self.body_sites:
                site = self.body_sites[ident]
        if site is None:
            hit = find("body_site", resource.get("bodySite"))
            site = hit.get("site") if hit else None
        self.values.append(Value(i, size[0] or "", size[1], date, site=site))

    def _read_Procedure(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        hit = find("procedure", resource.get("code"))
        kind = hit.get("treatment") if hit else None
        declared = profiles(resource)
        if kind is None and PROFILE_RADIOTHERAPY in declared:
            kind = "radiation"
        if kind is None and PROFILE_SURGERY in declared:
            kind = "surgery"
        if kind is None:
            return self._ignore(i, "Procedure code not in the mapping table")
        site_hit = find("body_site", resource.get("bodySite"))
        site = (site_hit.get("site") if site_hit else None) or (hit.get("site") if hit else None)
        state = treatment_state(resource["status"], ("in-progress", "preparation", "on-hold"), ("completed",),
                       did_not_work(resource))
        if state is None:
            return self._ignore(i, f"status {resource['status']}: neither done, current nor stopped for no response")
        self.treatments.append(Treatment(i, kind, state, site))

    def _medication(self, i: int, resource: dict[str, Any], current: tuple[str, ...]) -> None:
        state = treatment_state(resource["status"], current, ("completed",), did_not_work(resource))
        if state is None:
            return self._ignore(i, f"status {resource['status']}: neither current, done nor stopped for no response")
        concept = resource.get("medicationCodeableConcept")
        hit = find("medication", concept)
        if hit is not None and hit.get("treatment"):
            return self.treatments.append(Treatment(i, hit.get("treatment"), state, None))
        if hit is not None:
            kind = (hit.get("class") or "anticancer medication").replace("_", " ")
            named = f"{kind} ({code_text(hit.system, hit.code)}), no case value"
        elif concept is None:
            named = "not classified (given by reference to a Medication resource, which is not read)"
        else:
            shown = [code_text(s, c) for s, c in codings(concept)] or ["no code"]
            named = "not classified (" + ", ".join(shown) + ")"
        self.treatments.append(Treatment(i, None, state, None, named))

    def _read_MedicationRequest(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        self._medication(i, resource, ("active", "on-hold"))

    def _read_MedicationStatement(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        self._medication(i, resource, ("active", "intended", "on-hold"))

    def _read_MedicationAdministration(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        self._medication(i, resource, ("in-progress", "on-hold"))

    def _read_ServiceRequest(self, i: int, resource: dict[str, Any]) -> None:  # noqa: N802
        hit = find("procedure", resource.get("code"))
        if hit is None or hit.get("treatment") not in ("cryoablation", "thermal_ablation"):
            return self._ignore(i, "order code not in the mapping table")
        site_hit = find("body_site", resource.get("bodySite"))
        site = (site_hit.get("site") if site_hit else None) or hit.get("site")
        self.orders.append((i, hit.get("treatment") or "", site))
        self._ignore(i, "an order: the summary reads the record, the order names the site")

    # -------------------------------------------------------- sites and cases

    @property
    def sites(self) -> list[str]:
        """The documented sites this record describes a cancer at; ``other`` only when it is the one site
        and no Condition that may be a cancer is unplaced (it could be at a documented site)."""
        found = list(dict.fromkeys(cancer.site for cancer in self.cancers))
        documented = [s for s in found if s != "other"]
        return documented or (found if not self.unplaced else [])

    def not_placed(self) -> NotPlaced | None:
        """The honest answer when no site can be summarized though the record may hold a cancer; None when
        it holds no current Condition that is or may be a cancer."""
        if self.sites or not (self.unplaced or self.cancers):
            return None
        seen = [f"{code} in {self.entries[u.index].where}" for u in self.unplaced for code in u.codes]
        shown = "; ".join(seen[:12]) + (f"; and {len(seen) - 12} more" if len(seen) > 12 else "")
        head = ("the record has cancer only at a site outside the pack's documented sites (other), and a "
                "Condition that may be a cancer at a documented site could not be read, so it is not summarized"
                if self.cancers else "no current cancer Condition in the record could be placed at a site")
        message = f"{head}: codes seen: {shown or 'none'}; {HOW_TO_READ}"
        rows = [(self.entries[u.index].where, u.why, u.codes) for u in self.unplaced]
        rows += [(self.entries[c.index].where, "a cancer at a site outside the documented sites (other)", [])
                 for c in self.cancers]
        return NotPlaced(message, rows)

    def pick_site(self, site: str | None) -> str:
        if site is not None:
            return site
        sites = self.sites
        if not sites:
            raise self.not_placed() or InputError([Problem(
                "no current cancer Condition in the record: the site cannot be derived", field="site")])
        if len(sites) > 1:
            raise InputError([Problem(
                f"the record describes cancer at {len(sites)} sites ({', '.join(sites)}); cryoelig summarizes "
                "one site per case: choose one (the API takes ?site=)", field="site")])
        return sites[0]


_RANGE_WORDS = {"ecog": "ECOG value missing or outside 0-4 (the case range)",
                "kps": "Karnofsky value missing or not 10-100 in steps of 10",
                "symptoms.pain_score": "pain score missing or not a whole number 0-10"}


def _in_range(name: str | None, value: int) -> bool:
    if name == "ecog":
        return 0 <= value <= 4
    if name == "kps":
        return 10 <= value <= 100 and value % 10 == 0
    return 0 <= value <= 10
