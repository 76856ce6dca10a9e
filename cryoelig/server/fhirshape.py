"""The outline of a FHIR document the service accepts, as published (``SCHEMA``) and as checked (``problems``).

Why at the door: the OpenAPI document says a FHIR body or prefetch value is a resource whose
``resourceType`` is text and, for a Bundle, whose ``entry`` is a list of objects holding objects;
a body that is not (``{"resourceType": {}}``) is refused here with a 422 naming its position, so that
what the document promises is what the service does. What a Bundle's resources hold is the FHIR
reader's business (``cryoelig.inputs.fhir``, which type-checks every element it reads): a resource
it cannot read is named in the record data, or the record gets the card saying it could not be read.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import Problem

SCHEMA: dict[str, Any] = {
    "FhirResource": {
        "title": "FHIR R4 resource", "type": "object", "required": ["resourceType"],
        "description": "A FHIR R4 resource (a Bundle's entries hold resources); read as described in "
                       "docs/fhir-mapping.md.",
        "properties": {"resourceType": {"type": "string", "minLength": 1}},
        "if": {"properties": {"resourceType": {"const": "Bundle"}}, "required": ["resourceType"]},
        "then": {"properties": {"type": {"type": "string"}, "entry": {"type": "array", "items": {
            "type": "object", "properties": {"resource": {"type": "object"}}}}}},
    },
    "FhirBundle": {
        "title": "FHIR R4 Bundle", "type": "object", "required": ["resourceType"],
        "description": "A FHIR R4 Bundle; read as described in docs/fhir-mapping.md.",
        "allOf": [{"$ref": "#/components/schemas/FhirResource"}],
        "properties": {"resourceType": {"type": "string", "enum": ["Bundle"]}},
    },
}


_ROWS = {"type": "array", "items": {"type": "object", "additionalProperties": False}}


def report_schemas(report: dict[str, Any]) -> dict[str, Any]:
    """The API's answer to a FHIR body: the Report with ``fhir_input``, the resources read and ignored."""
    read, ignored = copy.deepcopy(_ROWS), copy.deepcopy(_ROWS)
    read["items"].update(required=["resource", "where", "fields"], properties={
        "resource": {"type": "string"}, "where": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "string"}}})
    ignored["items"].update(required=["resource", "where", "reason"], properties={
        "resource": {"type": "string"}, "where": {"type": "string"}, "reason": {"type": "string"}})
    fhir_report = copy.deepcopy(report)
    fhir_report.update(title="Report of a FHIR record", required=[*report.get("required", []), "fhir_input"])
    fhir_report["properties"]["fhir_input"] = {"$ref": "#/components/schemas/FhirInput"}
    return {"FhirInput": {"title": "FHIR input", "type": "object", "additionalProperties": False,
                          "required": ["read", "ignored"], "properties": {"read": read, "ignored": ignored}},
            "FhirReport": fhir_report}


def problems(document: Any, where: str = "") -> list[Problem]:
    """What in ``document`` breaks the outline, each named by its position (never its value)."""
    if not isinstance(document, dict):
        return [Problem("expected a FHIR resource (an object)", field=where or None)]
    kind = document.get("resourceType")
    if not isinstance(kind, str) or not kind:
        return [Problem("expected a resourceType (text)", field=_join(where, "resourceType"))]
    if kind != "Bundle":
        return []
    out = []
    if "type" in document and not isinstance(document["type"], str):
        out.append(Problem("expected text", field=_join(where, "type")))
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        return [*out, Problem("expected a list of entries", field=_join(where, "entry"))]
    for n, entry in enumerate(entries, 1):
        place = _join(where, f"entry.#{n}")
        if not isinstance(entry, dict):
            out.append(Problem("expected an entry (an object)", field=place))
        elif "resource" in entry and not isinstance(entry["resource"], dict):
            out.append(Problem("expected a FHIR resource (an object)", field=_join(place, "resource")))
    return out


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
