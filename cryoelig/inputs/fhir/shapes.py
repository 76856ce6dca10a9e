"""The shape of every FHIR element the reader reads, checked before anything reads it.

Why by hand and not with whole-resource models: the reader uses a dozen elements of eight
resource types, and validating whole resources cost half of a CDS call's CPU. Each element read
is checked here for its JSON type and, where FHIR fixes it, its syntax (``dateTime``, ``id``)
or its value set (the ``status`` codes of R4, a required binding); ``check`` returns the first
element that fails, named by its path (``component[1].valueQuantity.value``), never by its
value, so no input text can come back through a problem. Only elements listed in ``SHAPES`` are
ever read (``record.py``); everything else in a resource is never looked at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

#: FHIR resource type names (R4B 4.3.0, as the fhir.resources 8.3.0 R4B models list them): a
#: resourceType is printed only when it is one of these.
RESOURCE_TYPES = frozenset((
    "Account", "ActivityDefinition", "AdministrableProductDefinition", "AdverseEvent", "AllergyIntolerance",
    "Appointment", "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry", "ChargeItem",
    "ChargeItemDefinition", "Citation", "Claim", "ClaimResponse", "ClinicalImpression", "ClinicalUseDefinition",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition", "Composition", "ConceptMap",
    "Condition", "Consent", "Contract", "Coverage", "CoverageEligibilityRequest", "CoverageEligibilityResponse",
    "DetectedIssue", "Device", "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
    "DiagnosticReport", "DocumentManifest", "DocumentReference", "Encounter", "Endpoint", "EnrollmentRequest",
    "EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence", "EvidenceReport", "EvidenceVariable",
    "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal", "GraphDefinition", "Group",
    "GuidanceResponse", "HealthcareService", "ImagingStudy", "Immunization", "ImmunizationEvaluation",
    "ImmunizationRecommendation", "ImplementationGuide", "Ingredient", "InsurancePlan", "Invoice", "Library",
    "Linkage", "List", "Location", "ManufacturedItemDefinition", "Measure", "MeasureReport", "Media", "Medication",
    "MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
    "MedicationStatement", "MedicinalProductDefinition", "MessageDefinition", "MessageHeader", "MolecularSequence",
    "NamingSystem", "NutritionOrder", "NutritionProduct", "Observation", "ObservationDefinition",
    "OperationDefinition", "OperationOutcome", "Organization", "OrganizationAffiliation", "PackagedProductDefinition",
    "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner",
    "PractitionerRole", "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse", "RegulatedAuthorization",
    "RelatedPerson", "RequestGroup", "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy",
    "ResearchSubject", "RiskAssessment", "Schedule", "SearchParameter", "ServiceRequest", "Slot", "Specimen",
    "SpecimenDefinition", "StructureDefinition", "StructureMap", "Subscription", "SubscriptionStatus",
    "SubscriptionTopic", "Substance", "SubstanceDefinition", "SupplyDelivery", "SupplyRequest", "Task",
    "TerminologyCapabilities", "TestReport", "TestScript", "ValueSet", "VerificationResult", "VisionPrescription"
))

#: R4 status value sets (required bindings; http://hl7.org/fhir/R4/valueset-<name>.html).
OBSERVATION_STATUS = ("registered", "preliminary", "final", "amended", "corrected", "cancelled",
                      "entered-in-error", "unknown")
PROCEDURE_STATUS = ("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                    "entered-in-error", "unknown")
MEDICATION_REQUEST_STATUS = ("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft",
                             "unknown")
MEDICATION_STATEMENT_STATUS = ("active", "completed", "entered-in-error", "intended", "stopped", "on-hold",
                               "unknown", "not-taken")
MEDICATION_ADMINISTRATION_STATUS = ("in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped",
                                    "unknown")
SERVICE_REQUEST_STATUS = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
REQUEST_INTENT = ("proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
                  "instance-order", "option")

_DATE_TIME = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_INT32 = 2**31

Check = Callable[[Any], str | None]  # None when the value fits; else the path below it that does not ("" = itself)


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else ""


def _id(value: Any) -> str | None:
    return None if isinstance(value, str) and _ID.fullmatch(value) else ""


def _date_time(value: Any) -> str | None:
    return None if isinstance(value, str) and _DATE_TIME.fullmatch(value) else ""


def _integer(value: Any) -> str | None:
    return None if type(value) is int and -_INT32 <= value < _INT32 else ""


def _decimal(value: Any) -> str | None:
    ok = type(value) in (int, float) and math.isfinite(value) and abs(value) < 1e15
    return None if ok else ""


def one_of(codes: tuple[str, ...]) -> Check:
    """A code from a required value set (compared, so printed only when it is one of ``codes``)."""
    return lambda value: None if isinstance(value, str) and value in codes else ""


def obj(**fields: Check) -> Check:
    """A JSON object whose listed elements, when present, fit their checks (others are never read)."""
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return ""
        for name, item in value.items():  # the element's own keys: fewer than the listed ones
            inner = fields.get(name)
            if inner is not None and (bad := inner(item)) is not None:
                return name + ("." + bad if bad and not bad.startswith("[") else bad)
        return None
    return check


def many(inner: Check) -> Check:
    """A JSON array of items that fit ``inner``; the failing item is named by its position from 1."""
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return ""
        for i, item in enumerate(value, 1):
            if (bad := inner(item)) is not None:
                return f"[{i}]" + ("." + bad if bad and not bad.startswith("[") else bad)
        return None
    return check


CODING = obj(system=_string, code=_string)
REFERENCE = obj(reference=_string)
CONCEPT_PLAIN = obj(coding=many(CODING))
EXTENSION = obj(url=_string, valueCodeableConcept=CONCEPT_PLAIN, valueReference=REFERENCE)
CONCEPT = obj(coding=many(CODING), extension=many(EXTENSION))
QUANTITY = obj(value=_decimal, system=_string, code=_string)
PERIOD = obj(start=_date_time, end=_date_time)
META = obj(profile=many(_string))
COMPONENT = obj(code=CONCEPT, valueQuantity=QUANTITY)
_COMMON: dict[str, Check] = {"id": _id, "meta": META, "extension": many(EXTENSION)}


def _medication(status: tuple[str, ...], **more: Check) -> dict[str, Check]:
    return {**_COMMON, "status": one_of(status), "statusReason": CONCEPT, "medicationCodeableConcept": CONCEPT,
            "medicationReference": REFERENCE, "subject": REFERENCE, **more}


#: Every element the reader reads, per resource type.
SHAPES: dict[str, dict[str, Check]] = {
    "Condition": {**_COMMON, "clinicalStatus": CONCEPT, "verificationStatus": CONCEPT, "code": CONCEPT,
                  "bodySite": many(CONCEPT), "subject": REFERENCE},
    "Observation": {**_COMMON, "status": one_of(OBSERVATION_STATUS), "code": CONCEPT, "subject": REFERENCE,
                    "focus": many(REFERENCE), "bodySite": CONCEPT, "effectiveDateTime": _date_time,
                    "effectiveInstant": _date_time, "effectivePeriod": PERIOD, "issued": _date_time,
                    "valueInteger": _integer, "valueQuantity": QUANTITY, "component": many(COMPONENT)},
    "Procedure": {**_COMMON, "status": one_of(PROCEDURE_STATUS), "statusReason": CONCEPT, "code": CONCEPT,
                  "subject": REFERENCE, "bodySite": many(CONCEPT), "performedDateTime": _date_time,
                  "performedPeriod": PERIOD},
    "MedicationRequest": _medication(MEDICATION_REQUEST_STATUS, intent=one_of(REQUEST_INTENT)),
    "MedicationStatement": _medication(MEDICATION_STATEMENT_STATUS, statusReason=many(CONCEPT)),
    "MedicationAdministration": _medication(MEDICATION_ADMINISTRATION_STATUS, statusReason=many(CONCEPT),
                                            effectiveDateTime=_date_time, effectivePeriod=PERIOD),
    "ServiceRequest": {**_COMMON, "status": one_of(SERVICE_REQUEST_STATUS), "intent": one_of(REQUEST_INTENT),
                       "code": CONCEPT, "bodySite": many(CONCEPT), "subject": REFERENCE},
    "BodyStructure": {**_COMMON, "location": CONCEPT, "locationQualifier": many(CONCEPT), "patient": REFERENCE},
}
#: Elements R4 requires (cardinality 1..1); a choice element is listed as its alternatives.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "Condition": (("subject",),),
    "Observation": (("status",), ("code",)),
    "Procedure": (("status",), ("subject",)),
    "MedicationRequest": (("status",), ("intent",), ("subject",), ("medicationCodeableConcept", "medicationReference")),
    "MedicationStatement": (("status",), ("subject",), ("medicationCodeableConcept", "medicationReference")),
    "MedicationAdministration": (("status",), ("subject",), ("medicationCodeableConcept", "medicationReference"),
                                 ("effectiveDateTime", "effectivePeriod")),
    "ServiceRequest": (("status",), ("intent",), ("subject",)),
    "BodyStructure": (("patient",),),
}


_RESOURCE_CHECKS = {rtype: obj(**checks) for rtype, checks in SHAPES.items()}


def check(rtype: str, resource: dict[str, Any]) -> str | None:
    """None when every element the reader reads fits; else a short phrase naming the first that does not."""
    for alternatives in REQUIRED[rtype]:
        if not any(name in resource for name in alternatives):
            return f"{' or '.join(alternatives)} is missing"
    bad = _RESOURCE_CHECKS[rtype](resource)
    if bad is None:
        return None
    top = re.split(r"[.\[]", bad, maxsplit=1)[0]
    what = "not one of the R4 codes" if top in ("status", "intent") and bad == top else "not of the FHIR type"
    return f"{bad} is {what}"
