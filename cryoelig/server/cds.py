"""CDS Hooks 2.0: discovery, a ``patient-view`` and an ``order-select`` service, feedback.

Why it answers as it does: cards are information only (see ``render/cds_cards.py``). Each hook has
its own service id (a client that keys services by id, as the public sandbox does, sees both);
the first id, which once listed both hooks, still answers ``order-select`` calls (an alias, not
listed). Each response's card uuids are random (uuid4): two patients or two calls never share one,
and the audit trail (``audit.py``) ties them to the hookInstance and the pack. Prefetch is read as the
specification allows it to arrive (``prefetch.py``: not sent, null, empty, paged, large); when the
conditions (needed to know the tumor site) can be had neither way the answer is the spec's 412 with
an OperationOutcome. Requests and feedback are checked against the models the OpenAPI document
publishes (``hookmodels.py``). ``order-select`` speaks only when a selected draft ServiceRequest is a
cryoablation or thermal ablation order from the mapping table; its body site, when coded, picks the
summary's site. The orders and the record are read through the input layer's one FHIR entry
(``cryoelig.inputs.fhir.mapping``: ``order_sites``, ``read_fhir``), as a case file and the API are.
Nothing of the request (ids, tokens, resources) is logged or echoed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ..errors import InputError
from ..render.cds_cards import cards_for, content_key, summary, unread_card, uuid_for
from ..render.common import md
from .http import ApiError, decode_body

SERVICE_ID = "cryoelig-discussion-points"
ORDER_SERVICE_ID = "cryoelig-order-discussion-points"
HOOKS = ("patient-view", "order-select")
#: service id -> the hooks it answers; discovery lists each id with its first hook only.
SERVICES = {SERVICE_ID: ("patient-view", "order-select"), ORDER_SERVICE_ID: ("order-select",)}
PREFETCH = {
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": ("Observation?patient={{context.patientId}}&code=http://loinc.org|21889-1,"
                     "http://loinc.org|89247-1,http://loinc.org|72514-3"),
    "procedures": "Procedure?patient={{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    "bodyStructures": "BodyStructure?patient={{context.patientId}}",
}
REQUIRED = ("conditions",)
ServiceId = Annotated[str, Path(json_schema_extra={"enum": list(SERVICES)}, description="A service id from discovery")]
DESCRIPTION = ("Points to discuss with the multidisciplinary team about cryoablation, from the documented "
               "factors of the cryoelig rule pack, each with its rule, the record values and the source quote; "
               "missing information is listed. Information cards only: it informs and places no order.")


def discovery() -> dict[str, Any]:
    return {"services": [
        {"hook": "patient-view", "id": SERVICE_ID, "title": "cryoelig: points to discuss (cryoablation)",
         "description": DESCRIPTION, "prefetch": PREFETCH},
        {"hook": "order-select", "id": ORDER_SERVICE_ID,
         "title": "cryoelig: points to discuss for an ablation order",
         "description": DESCRIPTION + " Called for draft cryoablation or thermal ablation ServiceRequests.",
         "prefetch": PREFETCH},
    ]}


def outcome_412(message: str) -> ApiError:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "incomplete", "diagnostics": message}]}
    return ApiError(412, json.dumps(body).encode(), media_type="application/json")


async def gather(state: Any, request: dict[str, Any]) -> Any:
    """The record's documents, each under its position name (``prefetch conditions entry``), and what
    each key that gives nothing means (``prefetch.py``); the spec's 412 when the conditions cannot be had."""
    from .prefetch import Missing
    from .prefetch import gather as gather_prefetch

    try:
        return await gather_prefetch(state.config, request, PREFETCH, REQUIRED)
    except Missing as error:
        raise outcome_412(str(error)) from None


def _selected_orders(context: dict[str, Any]) -> list[dict[str, Any]]:
    draft = context.get("draftOrders")
    selections = context.get("selections")
    if not isinstance(draft, dict) or not isinstance(draft.get("entry"), list):
        raise ApiError.of(422, "order-select needs context.draftOrders, a Bundle of draft orders", "context")
    wanted = {s for s in selections if isinstance(s, str)} if isinstance(selections, list) else None
    out = []
    for entry in draft["entry"]:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "ServiceRequest" and (
                wanted is None or f"ServiceRequest/{resource.get('id')}" in wanted):
            out.append(resource)
    return out


def _failure_card(state: Any, site: str, error: InputError) -> dict[str, Any]:
    lines = [f"**The {site} record could not be summarized**", "",
             "These values are outside the cryoelig case contract (values not shown):", ""]
    lines += [f"- {md(p.field or 'record')}: {md(p.message)}" for p in error.problems]
    pack = state.pack
    return {"uuid": uuid_for(pack.sha256, "record-not-summarized", content_key(site, {})), "indicator": "info",
            "summary": summary(f"cryoelig could not summarize the {site} record: a value is outside the case contract"),
            "detail": "\n".join(lines), "source": {"label": f"cryoelig rule pack {pack.name} {pack.version}"}}


async def call(state: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The cards of one hook call: a summary per site the record (or the selected order) names, or one
    card saying the record could not be read for this purpose (never silence for a cancer record)."""
    from ..inputs.fhir.mapping import NotPlaced, Sites, order_sites, read_fhir

    hook = body.get("hook")
    if hook not in HOOKS:
        raise ApiError.of(422, f"hook not served by this service (it serves {', '.join(HOOKS)})", "hook")
    if not isinstance(body.get("hookInstance"), str) or not isinstance(body.get("context"), dict):
        raise ApiError.of(422, "a CDS Hooks request has a hookInstance (string) and a context (object)", "context")
    try:
        sites: list[str] | Sites = Sites.EVERY
        if hook == "order-select":
            ordered = order_sites(_selected_orders(body["context"]))
            if not ordered:
                return {"cards": []}
            sites = [site for site in ordered if site is not None] or Sites.EVERY
        gathered = await gather(state, body)
        return {"cards": [card for case in read_fhir(gathered.parts, sites)
                          for card in _site_cards(state, case, gathered.notes)]}
    except NotPlaced as error:
        return {"cards": [unread_card(state.pack, error.how, error.rows)]}
    except InputError as error:
        raise ApiError.input(error) from None


def _site_cards(state: Any, case: Any, notes: Sequence[dict[str, str]] = ()) -> list[dict[str, Any]]:
    """The cards of one site's case (a FhirCase): its summary, or one card saying why there is none.
    ``notes``: the prefetch keys that gave nothing to read, and why (in the record data card)."""
    from ..case.contract import parse_case
    from ..facade import review

    try:
        parsed = parse_case(case.data, state.pack)
    except InputError as error:
        return [_failure_card(state, case.site, error)]
    provenance = case.provenance.as_dict()
    provenance["ignored"] += list(notes)
    return cards_for(review(parsed, state.pack).report, state.pack, provenance)


def feedback(state: Any, service_id: str, body: Any) -> None:
    """Feedback checked as the specification gives it (400 otherwise), counted, and written to the audit
    trail: card and suggestion uuids, outcome, time, whether a reason was given (never its comment)."""
    from pydantic import ValidationError

    from . import problems
    from .hookmodels import CdsHooksFeedback, problems_of

    try:
        items = CdsHooksFeedback.model_validate(body).feedback
    except ValidationError as error:
        state.audit.record("cds-feedback", service=service_id, outcome="400 refused")
        raise ApiError(400, problems.body(problems_of(error))) from None
    for item in items:
        state.feedback[item.outcome] += 1
    state.audit.record("cds-feedback", service=service_id, outcome="200 recorded", items=[
        {"card": item.card.lower(), "outcome": item.outcome, "outcomeTimestamp": item.outcomeTimestamp,
         "acceptedSuggestions": [s.id.lower() for s in item.acceptedSuggestions or ()],
         "overrideReason": item.overrideReason is not None} for item in items])


async def _service_body(service_id: str, request: Request) -> Any:
    """The decoded JSON body of a call to this service (404 for another service id)."""
    if service_id not in SERVICES:
        raise ApiError.of(404, "no CDS service with this id (see GET /cds-services)")
    return decode_body(await request.body(), request.headers.get("content-type"))


def _checked(service_id: str, body: Any) -> dict[str, Any]:
    """The request, checked against the published model and the hooks of this service id (422 otherwise)."""
    from pydantic import ValidationError

    from . import problems
    from .fhirshape import problems as fhir_problems
    from .hookmodels import CdsHooksRequest, problems_of

    try:
        CdsHooksRequest.model_validate(body)
    except ValidationError as error:
        raise ApiError(422, problems.body(problems_of(error))) from None
    prefetch = body.get("prefetch") or {}
    found = [p for key in PREFETCH if prefetch.get(key) is not None for p in fhir_problems(prefetch[key],
                                                                                          f"prefetch.{key}")]
    if found:
        raise ApiError(422, problems.body(found))
    if body["hook"] not in SERVICES[service_id]:
        other = next(sid for sid, hooks in SERVICES.items() if hooks[0] == body["hook"])
        raise ApiError.of(422, f"this service answers {SERVICES[service_id][0]} calls; "
                               f"{body['hook']} calls go to /cds-services/{other}", "hook")
    return body


async def answer(state: Any, service_id: str, body: Any) -> dict[str, Any]:
    """One service call: checked, answered with fresh card uuids, and written to the audit trail."""
    from .audit import uuid_or_none

    trail = {"service": service_id, "pack": state.pack.sha256,
             "hook": body.get("hook") if isinstance(body, dict) and body.get("hook") in HOOKS else None,
             "hookInstance": uuid_or_none(body.get("hookInstance")) if isinstance(body, dict) else None}
    try:
        response = await call(state, _checked(service_id, body))
    except ApiError as error:
        state.audit.record("cds-call", **trail, outcome=f"{error.status} refused", cards=[])
        raise
    for card in response["cards"]:
        card["uuid"] = str(uuid.uuid4())
    state.audit.record("cds-call", **trail, outcome="200 cards", cards=[c["uuid"] for c in response["cards"]])
    return response


#: The published request body of each service: the one hook it answers (the old id: both).
REQUEST_SCHEMA = {("patient-view", "order-select"): "CdsHooksRequest", ("order-select",): "CdsOrderSelectRequest"}
SERVICE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Cards (information only)"}, 401: {"description": "Client authentication failed"},
    412: {"description": "Required prefetch missing and no allowed fhirServer (OperationOutcome)"},
    413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON"},
    422: {"description": "Bad request"}}


def _service_route(state: Any, service_id: str) -> Any:
    from .auth import require

    async def service(request: Request) -> Response:
        await require(state, request)
        body = await _service_body(service_id, request)
        return Response(json.dumps(await answer(state, service_id, body)), media_type="application/json")
    return service


def router(state: Any) -> APIRouter:
    """Discovery, the services and their feedback, each behind the client authentication."""
    from .auth import require

    r = APIRouter(tags=["cds-hooks"])

    @r.get("/cds-services", summary="CDS Hooks discovery", responses={401: {"description": "Authentication failed"}})
    async def services(request: Request) -> dict[str, Any]:
        await require(state, request)
        return discovery()

    for service_id, hooks in SERVICES.items():
        r.add_api_route(f"/cds-services/{service_id}", _service_route(state, service_id), methods=["POST"],
                        summary=f"CDS Hooks service call ({' or '.join(hooks)}): information cards",
                        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                            "schema": {"$ref": f"#/components/schemas/{REQUEST_SCHEMA[hooks]}"}}}}},
                        responses=SERVICE_RESPONSES)

    @r.post("/cds-services/{service_id}/feedback", summary="CDS Hooks feedback: checked, counted, audited",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CdsHooksFeedback"}}}}},
            responses={400: {"description": "Feedback not as the specification gives it"},
                       401: {"description": "Client authentication failed"}, 404: {"description": "No such service"},
                       413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON"},
                       422: {"description": "Body not JSON"}})
    async def feedback_call(service_id: ServiceId, request: Request) -> dict[str, Any]:
        await require(state, request)
        feedback(state, service_id, await _service_body(service_id, request))
        return {}

    return r
