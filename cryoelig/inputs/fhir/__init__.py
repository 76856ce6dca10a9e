"""FHIR R4 input: a Bundle (or CDS Hooks prefetch) turned into the nested case form.

Why its own package: the mapping reads only coded fields it knows (docs/fhir-mapping.md) and
never touches demographics; it plugs into the input layer as one more reader. Its libraries
(``python-stdnum`` for the check digits of codes it shows, ``simple-icd-10-cm`` for ICD-10-CM codes
its shipped table lacks) are imported lazily, so the core installs and runs without the ``[fhir]``
extra and says which extra to install when a FHIR document arrives.
"""

from __future__ import annotations

from typing import Any

from ...errors import CryoeligError

EXTRA_HINT = "FHIR input needs the optional extra: pip install 'cryoelig[fhir]'"


class MissingExtraError(CryoeligError):
    """An optional dependency is not installed; the message names the extra to install."""


def is_fhir(document: Any) -> bool:
    """True for a FHIR resource (a JSON object with a ``resourceType``), never for a case."""
    return isinstance(document, dict) and isinstance(document.get("resourceType"), str)


def bundle_to_case_data(bundle: dict, *, site: str | None = None):  # noqa: ANN201 - (dict, Provenance)
    """The nested case dict and the provenance (resources read, resources ignored) of a Bundle."""
    from .mapping import bundle_to_case_data as _map

    return _map(bundle, site=site)


__all__ = ["EXTRA_HINT", "MissingExtraError", "bundle_to_case_data", "is_fhir"]
