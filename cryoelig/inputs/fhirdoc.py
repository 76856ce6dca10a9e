"""FHIR R4 input as one more reader: a JSON document with a ``resourceType`` is a FHIR resource
(a Bundle, or one resource) and becomes the nested case form through the one FHIR entry,
``cryoelig.inputs.fhir.mapping.read_fhir`` (the API and the CDS service call it too).

Why an interpreter (``inputs.documents``): it then applies wherever a case document is read, a
case file or ``-`` (``check``, ``explain``, ``report``), a JSONL line and each file of a folder
(``batch``), with the same size caps and the same JSON grammar; the case it builds goes through
``parse_case`` like any other. It replaces the built-in interpreter of the same name, which
only says that FHIR is not read. The ``[fhir]`` extra's libraries are imported when a
FHIR document arrives; without it the document gets one problem naming the extra.

Which resources were read and which ignored (types and positions, never content) is the
provenance of the mapping: a caller that shows it wraps the read in :func:`collect_provenance`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from .documents import Interpreter, register_interpreter
from .fhir import is_fhir

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
    """The nested case form of a FHIR document (the record's one site); problems name the file."""
    from .fhir.mapping import read_fhir

    case = read_fhir({"entry": document}, name=name)[0]
    sink = _collected.get()
    if sink is not None:
        sink.append(case.provenance.lines())
    return case.data


register_interpreter(Interpreter("fhir", is_fhir, fhir_to_case_data))
