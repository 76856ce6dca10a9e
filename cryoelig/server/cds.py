"""CDS Hooks 2.0: discovery, the ``patient-view`` and ``order-select`` service, feedback.

Why it answers as it does: cards are information only (see ``render/cds_cards.py``). Prefetch is read
for the resources in the templates below; a template the client did not fill is fetched from
``fhirServer`` only when its host is on the allow-list; when the conditions (needed to know
the tumor site) can be had neither way the answer is the spec's 412 with an OperationOutcome.
``order-select`` speaks only when a selected draft ServiceRequest is a cryoablation or thermal
ablation order from the mapping table; its body site, when coded, picks the summary's site.
The orders and the record are read through the input layer's one FHIR entry
(``cryoelig.inputs.fhir.mapping``: ``order_sites``, ``read_fhir``), as a case file and the API are.
Nothing of the request (ids, tokens, resources) is logged or echoed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ..errors import InputError
from ..render.cds_cards import cards_for, content_key, summary, unread_card, uuid_for
from ..render.common import md
from .fhirfetch import FetchRefused, fetch_json, fill
from .http import ApiError, decode_body

SERVICE_ID = "cryoelig-discussion-points"
HOOKS = ("patient-view", "order-select")
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
ServiceId = Annotated[str, Path(json_schema_extra={"enum": [SERVICE_ID]}, description="The service id from discovery")]
DESCRIPTION = ("Points to discuss with the multidisciplinary team about cryoablation, from the documented "
               "factors of the cryoelig rule pack, each with its rule, the record values and the source quote; "
               "missing information is listed. Information cards only: it informs and places no order.")


def discovery() -> dict[str, Any]:
    return {"services": [
        {"hook": "patient-view", "id": SERVICE_ID, "title": "cryoelig: points to discuss (cryoablation)",
         "description": DESCRIPTION, "prefetch": PREFETCH},
        {"hook": "order-select", "id": SERVICE_ID, "title": "cryoelig: points to discuss for an ablation order",
         "description": DESCRIPTION + " Called for draft cryoablation or thermal ablation ServiceRequests.",
         "prefetch": PREFETCH},
    ]}


def outcome_412(message: str) -> ApiError:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "incomplete", "diagnostics": message}]}
    return ApiError(412, json.dumps(body).encode(), media_type="application/json")


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


async def gather(state: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The record's documents, each under its position name (``prefetch conditions entry``), from
    prefetch, fetching unfilled templates from an allowed fhirServer."""
    prefetch = request.get("prefetch") if isinstance(request.get("prefetch"), dict) else {}
    context = request.get("context") or {}
    server = request.get("fhirServer") if isinstance(request.get("fhirServer"), str) else None
    auth = request.get("fhirAuthorization") if isinstance(request.get("fhirAuthorization"), dict) else {}
    token = auth.get("access_token") if isinstance(auth.get("access_token"), str) else None
    config = state.config
    parts = {}
    for key, template in PREFETCH.items():
        value = prefetch.get(key, ...)
        if value is ... or _is_outcome(value):
            path = fill(template, context)
            if server is None or path is None:
                if key in REQUIRED:
                    raise outcome_412(f"prefetch '{key}' was not provided and there is no fhirServer to fetch it from")
                continue
            try:
                value = await fetch_json(server, path, token, config.fhir_allowed_hosts, config.max_body_bytes,
                                         config.fhir_timeout_seconds)
            except FetchRefused as error:
                if key in REQUIRED:
                    raise outcome_412(f"prefetch '{key}' was not provided and fetching it failed: {error}") from None
                continue
        if value is not None:
            parts[f"prefetch {key} entry"] = value
    return parts


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
        return {"cards": [card for case in read_fhir(await gather(state, body), sites)
                          for card in _site_cards(state, case)]}
    except NotPlaced as error:
        return {"cards": [unread_card(state.pack, error.how, error.rows)]}
    except InputError as error:
        raise ApiError.input(error) from None


def _site_cards(state: Any, case: Any) -> list[dict[str, Any]]:
    """The cards of one site's case (a FhirCase): its summary, or one card saying why there is none."""
    from ..case.contract import parse_case
    from ..facade import review

    try:
        parsed = parse_case(case.data, state.pack)
    except InputError as error:
        return [_failure_card(state, case.site, error)]
    return cards_for(review(parsed, state.pack).report, state.pack, case.provenance.as_dict())


async def authenticate(state: Any, request: Request) -> None:
    """The client's bearer token checked when ``--auth-config`` is given (401 otherwise)."""
    if state.auth is None:
        return
    from . import problems
    from .auth import AuthError

    try:
        await state.auth.verify(request.headers.get("authorization"), request.url.path)
    except AuthError as error:
        raise ApiError(401, problems.one(f"authentication failed: {error}"),
                       headers={"WWW-Authenticate": "Bearer"}) from None


def count_feedback(state: Any, body: Any) -> None:
    """Feedback counted by outcome; its content (card ids, times) is not kept."""
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("card"), str)
            and i.get("outcome") in ("accepted", "overridden") for i in items):
        raise ApiError.of(422, "feedback is a list of {card, outcome: accepted|overridden, outcomeTimestamp}",
                          "feedback")
    for outcome, n in Counter(i["outcome"] for i in items).items():
        state.feedback[outcome] += n


async def _service_body(service_id: str, request: Request) -> Any:
    """The decoded JSON body of a call to this service (404 for another service id)."""
    if service_id != SERVICE_ID:
        raise ApiError.of(404, "no CDS service with this id (see GET /cds-services)")
    return decode_body(await request.body(), request.headers.get("content-type"))


def router(state: Any) -> APIRouter:
    """Discovery, the service and its feedback, each behind the client authentication."""
    r = APIRouter(tags=["cds-hooks"])

    @r.get("/cds-services", summary="CDS Hooks discovery")
    async def services(request: Request) -> dict[str, Any]:
        await authenticate(state, request)
        return discovery()

    @r.post("/cds-services/{service_id}", summary="CDS Hooks service call: information cards",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CdsHooksRequest"}}}}},
            responses={200: {"description": "Cards (information only)"},
                       401: {"description": "Client authentication failed"},
                       404: {"description": "No such service"},
                       412: {"description": "Required prefetch missing and no allowed fhirServer (OperationOutcome)"},
                       413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON"},
                       422: {"description": "Bad request"}})
    async def service(service_id: ServiceId, request: Request) -> Response:
        await authenticate(state, request)
        body = await _service_body(service_id, request)
        if not isinstance(body, dict):
            raise ApiError.of(422, "a CDS Hooks request is a JSON object")
        return Response(json.dumps(await call(state, body)), media_type="application/json")

    @r.post("/cds-services/{service_id}/feedback", summary="CDS Hooks feedback: counted, content not kept",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/CdsHooksFeedback"}}}}},
            responses={401: {"description": "Client authentication failed"}, 404: {"description": "No such service"},
                       413: {"description": "Body over the size limit"}, 415: {"description": "Not JSON"},
                       422: {"description": "Bad feedback"}})
    async def feedback(service_id: ServiceId, request: Request) -> dict[str, Any]:
        await authenticate(state, request)
        count_feedback(state, await _service_body(service_id, request))
        return {}

    return r
