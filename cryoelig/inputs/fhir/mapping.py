"""FHIR R4 resources (mCODE-shaped) to the nested case form, with provenance: the one entry.

Why this shape: ``flatten`` opens the Bundle (``resources.py``), ``Record`` reads the resources
once (``record.py``), ``case_data(record, site)`` builds the case of one site (``assemble.py``). Only coded
fields listed in ``codes.py`` are read; Patient and other administrative resources are never
parsed, and no free text (names, narrative ``text.div``, notes, displays) is ever copied: the
case gets only enum values and numbers. Provenance names each resource by its type and position
(``entry 3``), never by its id or content, and says which case fields it gave or why it was ignored.
"""

from __future__ import annotations

from typing import Any

from ...errors import InputError, Problem
from .assemble import case_data, case_label
from .record import Record
from .resources import Entry, Provenance, flatten, models

__all__ = ["Entry", "Provenance", "Record", "bundle_to_case_data", "case_data", "case_label", "flatten", "models"]


def bundle_to_case_data(bundle: dict, *, site: str | None = None) -> tuple[dict[str, Any], Provenance]:
    """The nested case dict of a FHIR Bundle (or one resource) and its provenance."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("resourceType"), str):
        raise InputError([Problem("not a FHIR resource (no resourceType)", field="resourceType")])
    return case_data(Record(flatten(bundle)), site)
