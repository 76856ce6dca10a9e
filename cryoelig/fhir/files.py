"""One case file that may be a FHIR Bundle: the bridge `check` uses until the input layer lands.

Why here: `cryoelig check bundle.json` detects FHIR by ``resourceType`` and maps it; any other
document goes to the case contract unchanged. The input layer (``cryoelig.inputs``) will take
this over as one more reader; then this module shrinks to the mapping call.
"""

from __future__ import annotations

from collections.abc import Callable

from ..case import Case, parse_case
from ..errors import InputError, Problem
from . import is_fhir


def read_case(path: str, on_provenance: Callable[[list[str]], None] | None = None) -> Case:
    """A Case from a YAML/JSON case file or a FHIR JSON document ('-' for standard input)."""
    from ..readers import parse_document, read_text

    name = "<stdin>" if path == "-" else path
    data = parse_document(read_text(path), name)
    if data is None:
        raise InputError([Problem("the file is empty", file=name)])
    if not is_fhir(data):
        return parse_case(data, file=name)
    from .mapping import bundle_to_case_data

    try:
        case_data, provenance = bundle_to_case_data(data)
    except InputError as error:
        raise InputError([Problem(p.message, file=name, field=p.field, reason=p.reason)
                          for p in error.problems]) from None
    if on_provenance is not None:
        on_provenance(provenance.lines())
    return parse_case(case_data, file=name)
