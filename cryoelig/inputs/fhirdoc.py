"""FHIR R4 input as one more reader: a JSON document with a ``resourceType`` is a FHIR resource
(a Bundle, or one resource) and becomes the nested case form through ``cryoelig.inputs.fhir``.

Why an interpreter (``inputs.documents``): it then applies wherever a case document is read, a
case file or ``-`` (``check``, ``explain``, ``report``), a JSONL line and each file of a folder
(``batch``), with the same size caps and the same JSON grammar; the case it builds goes through
``parse_case`` like any other. It replaces the built-in interpreter of the same name, which
only says that FHIR is not read. ``fhir.resources`` (the ``[fhir]`` extra) is imported when a
FHIR document arrives; without it the document gets one problem naming the extra.

Which resources were read and which ignored (types and positions, never content) is the
provenance of the mapping: a caller that shows it wraps the read in :func:`collect_provenance`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from ..errors import InputError, Problem
from .documents import Interpreter, register_interpreter
from .fhir import MissingExtraError, is_fhir

_collected: ContextVar[list[list[str]] | None] = ContextVar("cryoelig_fhir_provenance", default=None)


@contextlib.contextmanager
def collect_provenance() -> Iterator[list[list[str]]]:
    """Within the block, each FHIR document read appends its provenance lines (one list per document)."""
    found: list[list[str]] = []
    token = _collected.set(found)
    try:
        yield found
    finally:
        _collected.reset(token)


def fhir_to_case_data(document: Any, name: str) -> dict[str, Any]:
    """The nested case form of a FHIR document; problems name the file."""
    from .fhir.mapping import bundle_to_case_data

    try:
        data, provenance = bundle_to_case_data(document)
    except MissingExtraError as error:
        raise InputError([Problem(str(error), file=name)]) from None
    except InputError as error:
        raise InputError([Problem(p.message, file=p.file or name, field=p.field, reason=p.reason)
                          for p in error.problems]) from None
    sink = _collected.get()
    if sink is not None:
        sink.append(provenance.lines())
    return data


register_interpreter(Interpreter("fhir", is_fhir, fhir_to_case_data))
