"""Request bodies in, problems out: the helpers every route shares.

Why through the input layer: a body is one case document, read exactly as ``cryoelig check``
reads a file: UTF-8 (a byte order mark dropped), JSON or YAML under the one input grammar
(``cryoelig.inputs``: duplicate keys, exponent numbers, NaN and over-deep nesting refused with
one-line problems), then ``parse_case`` with the bounds of ``cryoelig.case.limits`` and the identifier
checks. A client over HTTP therefore gets the same messages and the same refusals as the command
line, and nothing it sent is echoed. A FHIR document goes through the one FHIR entry,
``cryoelig.inputs.fhir.mapping.read_fhir`` (with the ``?site=`` a client may give), before ``parse_case``.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Problem
from . import problems

#: Media type -> the name the body is read under: its suffix picks the document format, as a file
#: name does for ``check``. curl -d sends form-urlencoded by default; with no suffix, the content
#: decides (JSON when it starts with '{' or '[', else YAML), as for ``check -``.
BODY_NAMES = {
    "application/json": "request.json", "application/fhir+json": "request.json",
    "application/yaml": "request.yaml", "application/x-yaml": "request.yaml", "text/yaml": "request.yaml",
    "text/x-yaml": "request.yaml", "text/plain": "request", "application/x-www-form-urlencoded": "request",
    "": "request",
}
JSON_ONLY = {k: "request.json" for k, v in BODY_NAMES.items() if not v.endswith(".yaml")}


class ApiError(Exception):
    """An answer other than 200: a status and problems (or a ready body)."""

    def __init__(self, status: int, content: bytes, media_type: str = "application/json",
                 headers: dict[str, str] | None = None):
        self.status, self.content, self.media_type, self.headers = status, content, media_type, headers or {}

    @classmethod
    def of(cls, status: int, message: str, field: str | None = None) -> ApiError:
        return cls(status, problems.one(message, field))

    @classmethod
    def input(cls, error: InputError) -> ApiError:
        return cls(422, problems.body(error.problems))


def _body_name(content_type: str | None, accepted: dict[str, str]) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in accepted:
        kinds = "JSON or YAML" if accepted is BODY_NAMES else "JSON"
        raise ApiError.of(415, f"the body is {kinds}: send Content-Type application/json (or application/fhir+json"
                               + (", application/yaml)" if accepted is BODY_NAMES else ")"))
    return accepted[media]


def decode_body(raw: bytes, content_type: str | None, *, yaml: bool = False) -> Any:
    """The decoded document of a request body, under the input grammar (``cryoelig.inputs``).
    ``yaml``: YAML is accepted too (a case document); CDS Hooks requests are JSON only."""
    from ..inputs import decode_text, parse_text

    name = _body_name(content_type, BODY_NAMES if yaml else JSON_ONLY)
    if not raw.strip():
        raise ApiError.of(422, "the request body is empty")
    try:
        return parse_text(decode_text(raw, name), name)
    except InputError as error:
        raise ApiError.input(error) from None


def case_from_body(raw: bytes, content_type: str | None, site: str | None, pack: Any
                   ) -> tuple[Any, dict[str, Any] | None]:
    """A validated Case from a case document or a FHIR document, and the FHIR provenance (or None)."""
    from ..case.contract import parse_case
    from ..inputs.fhir import is_fhir

    data = decode_body(raw, content_type, yaml=True)
    try:
        if is_fhir(data):
            from ..inputs.fhir.mapping import Sites, read_fhir
            from .fhirshape import problems

            if found := problems(data):
                raise InputError(found)

            case = read_fhir({"entry": data}, Sites.ONE if site is None else [site])[0]
            return parse_case(case.data, pack), case.provenance.as_dict()
        if site is not None:
            raise InputError([Problem("site= applies to FHIR input; a case gives its own site", field="site")])
        if data is None:
            raise InputError([Problem("the request body is empty")])
        return parse_case(data, pack), None
    except InputError as error:
        raise ApiError.input(error) from None
