"""The CDS Hooks 2.0 request and feedback bodies as pydantic models: one source for the check and for
the OpenAPI schema, so what the document says is what the service accepts.

Why strict: the specification's required fields are required, its types are the types (a
``fhirServer`` that is not a string, a value of one of the service's prefetch keys that is neither a
FHIR resource nor null, an ``outcomeTimestamp`` that is not an RFC 3339 date-time are refused, never
read as absent), and JSON ``null`` is refused where the specification gives no null ("JSON elements
SHALL NOT be null, unless otherwise specified"; a prefetch key's ``null`` is its exception). Unknown
fields (extensions) and prefetch keys the service did not ask for (the specification's own example
sends ``"user": "123"``) are allowed and ignored. A refusal names the field by schema names and
positions only (``feedback.#1.outcomeTimestamp``); a key a client chose is never shown.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from ..errors import Problem
from ..safetext import clean_line
from ..wording import neutral_message

_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))",
                        re.ASCII)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_rfc3339(text: str) -> bool:
    """An RFC 3339 section 5.6 date-time: a real calendar date, a time (leap second allowed), an offset."""
    m = _DATE_TIME.fullmatch(text)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else 28 if month == 2 else _DAYS[month - 1] if 1 <= month <= 12 else 0
    offset_ok = m.group(9) is None or (int(m.group(9)) <= 23 and int(m.group(10)) <= 59)
    return 1 <= day <= days and hour <= 23 and minute <= 59 and second <= 60 and offset_ok


def _timestamp(value: str) -> str:
    if not is_rfc3339(value):
        raise ValueError("expected an RFC 3339 date-time with its offset, for example 2020-12-11T00:00:00Z")
    return value


def _uuid(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise ValueError("expected a UUID (the card.uuid or suggestion.uuid of a cryoelig response)")
    return value


Text = Annotated[StrictStr, Field(min_length=1)]
Timestamp = Annotated[StrictStr, AfterValidator(_timestamp), Field(json_schema_extra={"format": "date-time"})]
Uuid = Annotated[StrictStr, AfterValidator(_uuid), Field(json_schema_extra={"format": "uuid"})]
_OPEN = ConfigDict(extra="allow")


def _absent(**extra: Any) -> Any:
    """An optional field that, when given, is of its type (never null); no default in the schema."""
    return Field(default=None, json_schema_extra=lambda schema: schema.pop("default", None), **extra)


class CdsFhirAuthorization(BaseModel):
    model_config = _OPEN
    access_token: Text
    token_type: Literal["Bearer"]
    expires_in: StrictInt
    scope: Text
    subject: Text
    patient: Text = _absent()


#: order-select's context (CDS Hooks Library 1.0.1): the draft orders, a Bundle, and the selected ones.
_ORDER_CONTEXT = {"required": ["draftOrders", "selections"], "properties": {
    "draftOrders": {"type": "object", "required": ["entry"], "properties": {"entry": {"type": "array"}}},
    "selections": {"type": "array", "items": {"type": "string"}}}}


class CdsHooksRequest(BaseModel):
    """A CDS Hooks 2.0 service call (the hooks this service answers); order-select's context holds the
    draft orders (a Bundle with entries) and the selections (a list of references)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "if": {"properties": {"hook": {"const": "order-select"}}, "required": ["hook"]},
        "then": {"properties": {"context": _ORDER_CONTEXT}}})
    hook: Literal["patient-view", "order-select"]
    hookInstance: Text  # noqa: N815 - the specification's names
    fhirServer: Text = _absent()  # noqa: N815
    fhirAuthorization: CdsFhirAuthorization = _absent()  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] = _absent()

    @model_validator(mode="after")
    def _order_context(self) -> CdsHooksRequest:
        if self.hook == "order-select":
            draft, selections = self.context.get("draftOrders"), self.context.get("selections")
            if not isinstance(draft, dict) or not isinstance(draft.get("entry"), list):
                raise ValueError("order-select needs context.draftOrders, a Bundle of draft orders (with entry)")
            if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
                raise ValueError("order-select needs context.selections, a list of references")
        return self


class CdsSuggestionRef(BaseModel):
    model_config = _OPEN
    id: Uuid


class CdsCoding(BaseModel):
    model_config = _OPEN
    code: Text
    system: Text
    display: Text = _absent()


class CdsOverrideReason(BaseModel):
    model_config = _OPEN
    reason: CdsCoding = _absent()
    userComment: StrictStr = _absent()  # noqa: N815


class CdsFeedbackItem(BaseModel):
    """One card's outcome; ``acceptedSuggestions`` is required when the outcome is ``accepted``."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "if": {"properties": {"outcome": {"const": "accepted"}}, "required": ["outcome"]},
        "then": {"required": ["acceptedSuggestions"]}})
    card: Uuid
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[CdsSuggestionRef] = _absent(min_length=1)  # noqa: N815
    overrideReason: CdsOverrideReason = _absent()  # noqa: N815
    outcomeTimestamp: Timestamp  # noqa: N815

    @model_validator(mode="after")
    def _accepted_names_its_suggestions(self) -> CdsFeedbackItem:
        if self.outcome == "accepted" and self.acceptedSuggestions is None:
            raise ValueError("acceptedSuggestions is required when the outcome is accepted")
        return self


class CdsHooksFeedback(BaseModel):
    """The body of a feedback call: a non-empty list of card outcomes."""

    model_config = _OPEN
    feedback: list[CdsFeedbackItem] = Field(min_length=1)


MODELS = (CdsHooksRequest, CdsHooksFeedback)
_NAMES = frozenset(name for model in (CdsFhirAuthorization, CdsHooksRequest, CdsSuggestionRef, CdsCoding,
                                      CdsOverrideReason, CdsFeedbackItem, CdsHooksFeedback)
                   for name in model.model_fields)


def problems_of(error: ValidationError) -> list[Problem]:
    """pydantic's errors as problems: schema names and positions, never a key or a value of the body."""
    out = []
    for item in error.errors(include_input=False, include_url=False):
        loc = [f"#{p + 1}" if isinstance(p, int) else p if p in _NAMES else "(a key)" for p in item.get("loc", ())]
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        out.append(Problem(clean_line(neutral_message(message)), field=".".join(loc) or None))
    return out


def schemas(prefetch_keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """The components of the OpenAPI document: each model and the models it nests; ``prefetch_keys``:
    the service's own keys, each a FHIR resource or null."""
    out: dict[str, Any] = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    # the service's keys: a FHIR resource in the outline of ``fhirshape.py`` (checked too), or null
    out["CdsHooksRequest"]["properties"]["prefetch"]["properties"] = dict.fromkeys(prefetch_keys, {
        "anyOf": [{"$ref": "#/components/schemas/FhirResource"}, {"type": "null"}]})
    out["CdsOrderSelectRequest"] = {"title": "CDS Hooks order-select request", "allOf": [
        {"$ref": "#/components/schemas/CdsHooksRequest"}, {"properties": {"hook": {"const": "order-select"}}}]}
    return out
