"""FHIR R4 resources (mCODE-shaped) to the nested case form, with provenance: the one way in.

Why one entry, :func:`read_fhir`: a case file, an API body and a CDS Hooks prefetch are all FHIR
documents named by where they came from, so the command line (through the input plug-in
``inputs/fhirdoc.py``), the API (``server/http.py``) and the CDS service (``server/cds.py``) read
them with this one function, and a resource is read, named and refused the same way whichever door
it came in by. Inside: ``flatten`` opens each document (``resources.py``), ``Record`` reads the
resources once (``record.py``), ``case_data(record, site)`` builds the case of one site
(``assemble.py``). Only coded fields listed in ``codes.py`` are read; Patient and other
administrative resources are never parsed, and no free text (names, narrative ``text.div``, notes,
displays) is ever copied: the case gets only enum values and numbers. Provenance names each resource
by its document and position (``entry 3``, ``prefetch conditions entry 2``), never by its id or
content, and says which case fields it gave or why it was ignored.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import InputError, Problem
from . import EXTRA_HINT, MissingExtraError, icd10cm, is_fhir
from .assemble import case_data, case_label
from .codes import table
from .record import NotPlaced, Record
from .resources import Entry, Provenance, flatten

__all__ = ["FhirCase", "NotPlaced", "Provenance", "Sites", "bundle_to_case_data", "case_label", "models",
           "order_sites", "read_fhir"]


class Sites(enum.Enum):
    """Which cases :func:`read_fhir` builds when the caller names no site."""

    ONE = "the one site the record describes"  # a problem when it describes none or several
    EVERY = "every site the record describes"  # no case when it describes none


@dataclasses.dataclass(frozen=True)
class FhirCase:
    """The case of one site read from FHIR: the nested case form (not yet validated) and its provenance."""

    site: str
    data: dict[str, Any]
    provenance: Provenance


def read_fhir(parts: Mapping[str, Any], sites: Sequence[str] | Sites = Sites.ONE, *,
              name: str | None = None) -> list[FhirCase]:
    """The case of each site from FHIR documents read as one record.

    ``parts`` maps a position name to a document (a Bundle, nested ones opened, or one resource); a
    resource is named by it and its place: ``{"entry": bundle}`` gives ``entry 2`` (``resource`` for a
    lone resource), a CDS prefetch ``{"prefetch conditions entry": bundle}`` gives ``prefetch conditions
    entry 2``. ``sites``: the sites named, or :class:`Sites`. ``name``: the file the problems name. Every
    refusal, a missing ``[fhir]`` extra too, is one InputError; a record that may hold a cancer but where
    none can be placed at a site is :class:`NotPlaced` (an InputError naming the codes seen), never an
    empty answer and never another site's summary.
    """
    try:
        models()
        record = Record(entry for where, document in parts.items() for entry in flatten(document, where))
        chosen = [None] if sites is Sites.ONE else record.sites if sites is Sites.EVERY else sites
        if not chosen and (unread := record.not_placed()) is not None:
            raise unread
        return [FhirCase(data["site"], data, provenance)
                for data, provenance in (case_data(record, site) for site in chosen)]
    except MissingExtraError as error:
        raise InputError([Problem(str(error), file=name)]) from None
    except InputError as error:
        if name is None:
            raise
        error.problems = [dataclasses.replace(p, file=p.file or name) for p in error.problems]
        error.args = ("\n".join(str(p) for p in error.problems),)
        raise error from None


def models() -> None:
    """Load what the reader needs (the ``[fhir]`` extra's check-digit library, the code tables) now,
    so a service's first request does not pay for it; a missing extra is one MissingExtraError."""
    try:
        import stdnum.luhn  # noqa: F401 - the check digits of the codes a record may show
        import stdnum.verhoeff  # noqa: F401
    except ImportError:
        raise MissingExtraError(EXTRA_HINT) from None
    table()
    icd10cm.table()


def order_sites(orders: Sequence[Any]) -> list[str | None]:
    """The sites of the cryoablation and thermal ablation orders among draft orders (ServiceRequests),
    each once, in order; None for such an order whose body site is not coded. Refusals are InputErrors."""
    try:
        models()
        record = Record(Entry("draft order", order) for order in orders)
    except MissingExtraError as error:
        raise InputError([Problem(str(error))]) from None
    return list(dict.fromkeys(site for _, _, site in record.orders))


def bundle_to_case_data(bundle: dict, *, site: str | None = None) -> tuple[dict[str, Any], Provenance]:
    """The nested case dict of one FHIR document (a Bundle or one resource) and its provenance:
    :func:`read_fhir` for ``site``, or the one site the record describes."""
    if not is_fhir(bundle):
        raise InputError([Problem("not a FHIR resource (no resourceType)", field="resourceType")])
    case = read_fhir({"entry": bundle}, Sites.ONE if site is None else [site])[0]
    return case.data, case.provenance
