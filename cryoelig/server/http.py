"""Request bodies in, problems out: the helpers every route shares.

Why here: a body is read once by the guard; these helpers check its content type, decode it
as JSON without echoing it (deep nesting, huge numbers, NaN and bad UTF-8 become one-line
problems), and turn a Case or a FHIR document into a validated Case.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError, Problem
from . import problems

#: Content types taken as a JSON body. curl -d sends form-urlencoded by default; the body is still JSON.
JSON_TYPES = ("application/json", "application/fhir+json", "text/plain", "application/x-www-form-urlencoded", "")


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


def _no_constants(name: str) -> Any:
    raise ValueError(name)


def parse_json(raw: bytes, content_type: str | None) -> Any:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in JSON_TYPES:
        raise ApiError.of(415, "the body is JSON: send Content-Type application/json (or application/fhir+json)")
    if not raw.strip():
        raise ApiError.of(422, "the request body is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError.of(422, "the body is not UTF-8 text") from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ApiError.of(422, "the JSON is nested too deeply") from None
    except ValueError:
        raise ApiError.of(422, "the body is not valid JSON (over-long numbers, NaN and Infinity are refused)") from None


def case_from_document(data: Any, site: str | None):  # noqa: ANN201 - (Case, provenance dict | None)
    """A validated Case from a case document or a FHIR document (with its provenance)."""
    from ..case import parse_case
    from ..fhir import is_fhir

    try:
        if is_fhir(data):
            from ..fhir.mapping import bundle_to_case_data

            case_data, provenance = bundle_to_case_data(data, site=site)
            return parse_case(case_data), provenance.as_dict()
        if site is not None:
            raise InputError([Problem("site= applies to FHIR input; a case gives its own site", field="site")])
        return parse_case(data), None
    except InputError as error:
        raise ApiError.input(error) from None
