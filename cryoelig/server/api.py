"""The JSON API: ``/api/v1/check``, ``/api/v1/explain``, ``/api/v1/pack``, ``/healthz``.

Who may call: with ``--auth-config``, check and explain need the same signed JWT as CDS Hooks
(``aud``: the service URL of the endpoint), and each call is written to the audit trail.

Why these shapes: every answer comes from the one facade (``cryoelig.facade.review``) and is
rendered by the format registry (``cryoelig.render``) with the registry's media type, so
``/api/v1/check`` gives byte for byte what ``cryoelig check --format json`` prints (Markdown: with
``--sources``, the basis of every point being the point of the service) and ``format=html`` the
page of ``cryoelig report`` to the byte (``render.printable``, with the pack's field labels);
``/api/v1/explain`` gives ``explain``'s views. When the body was FHIR, which resources were read
and which ignored is added (``fhir_input`` in JSON, a section in Markdown and HTML).
"""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from .. import render
from .http import ApiError, case_from_body
from .security import page_headers

Format = Literal["json", "markdown", "html"]
SiteQuery = Annotated[str | None, Query(max_length=40, description="FHIR input only: the tumor site to summarize "
                                                                   "(one of the pack's sites)")]
PROBLEMS = {"$ref": "#/components/schemas/Problems"}
ERRORS = {
    "401": {"description": "Client authentication failed (with --auth-config)",
            "content": {"application/json": {"schema": PROBLEMS}}},
    "413": {"description": "Body over the size limit", "content": {"application/json": {"schema": PROBLEMS}}},
    "415": {"description": "Body not sent as JSON or YAML",
            "content": {"application/json": {"schema": PROBLEMS}}},
    "422": {"description": "Bad input: one problem per field", "content": {"application/json": {"schema": PROBLEMS}}},
}
#: A case, or a FHIR document: a Bundle or one resource (``fhirshape.py``); a Case has no other fields.
_CASE_OR_BUNDLE = {"oneOf": [{"$ref": "#/components/schemas/Case"}, {"$ref": "#/components/schemas/FhirResource"}]}
CASE_OR_BUNDLE = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _CASE_OR_BUNDLE},
    "application/yaml": {"schema": {"$ref": "#/components/schemas/Case"}}}}}
#: ?format= -> (registry view, format name) per endpoint. explain's HTML is not in the registry
#: (yet): the service wraps its Markdown in a page (``_explanation_page``) until it is.
VIEWS = {
    "check": {"json": ("report", "json"), "markdown": ("report", "markdown"), "html": ("printable", "html")},
    "explain": {"json": ("explanation", "json"), "markdown": ("explanation", "markdown"),
                "html": ("explanation", "html")},
}


def fhir_markdown(provenance: dict[str, Any]) -> str:
    from ..render.common import md

    out = ["## FHIR input", "", "| resource | where | case fields or why not used |", "|---|---|---|"]
    out += [f"| {r['resource']} | {md(r['where'])} | {md(', '.join(r['fields']))} |" for r in provenance["read"]]
    out += [f"| {i['resource']} | {md(i['where'])} | not used: {md(i['reason'])} |" for i in provenance["ignored"]]
    return "\n".join(out) + "\n"


def fhir_html(provenance: dict[str, Any]) -> str:
    rows = [f"<tr><td>{html.escape(r['resource'])}</td><td>{html.escape(r['where'])}</td>"
            f"<td>{html.escape(', '.join(r['fields']))}</td></tr>" for r in provenance["read"]]
    rows += [f"<tr><td>{html.escape(i['resource'])}</td><td>{html.escape(i['where'])}</td>"
             f"<td>not used: {html.escape(i['reason'])}</td></tr>" for i in provenance["ignored"]]
    return ('<section id="fhir-input"><h2>FHIR input</h2><table><thead><tr><th>resource</th><th>where</th>'
            "<th>case fields or why not used</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>")


def with_fhir_json(payload: str, provenance: dict[str, Any]) -> str:
    """The rendered JSON object with ``fhir_input`` as its last key (the rest byte for byte)."""
    head = payload.rstrip()
    inner = json.dumps(provenance, indent=2).replace("\n", "\n  ")
    return head[:-1].rstrip() + ',\n  "fhir_input": ' + inner + "\n}\n"


def _explanation_page(text: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
            f"<title>cryoelig explanation</title></head><body><pre>{html.escape(text)}</pre></body></html>\n")


def rendered(endpoint: str, fmt: str, obj: Any, provenance: dict[str, Any] | None, pack: Any = None,
             **options: Any) -> Response:
    """One view of a Report or an explanation, in the registry's format and media type; a printable page is
    ``cryoelig report``'s (``pack`` gives its field labels)."""
    view, name = VIEWS[endpoint][fmt]
    if view == "explanation" and name == "html" and name not in render.names(view):
        text = rendered(endpoint, "markdown", obj, provenance, **options).body.decode("utf-8")
        page = _explanation_page(text)
        return Response(page, media_type="text/html", headers=page_headers(page))
    output = render.get(view, name)
    if view == "printable":
        text = render.printable(obj, pack, name, why_not=options.get("why_not", False))
    else:
        text = output.render(obj, **options)
    if provenance is not None:
        if name == "json":
            text = with_fhir_json(text, provenance)
        elif name == "markdown":
            text = text.rstrip("\n") + "\n\n" + fhir_markdown(provenance)
        elif name == "html":
            text = text.replace("</main>", fhir_html(provenance) + "</main>", 1)
    headers = page_headers(text) if name == "html" else None
    return Response(text, media_type=output.media_type, headers=headers)


@contextlib.contextmanager
def audited(state: Any, endpoint: str) -> Iterator[None]:
    """An API call in the audit trail: the endpoint, the pack and the outcome (never the case)."""
    try:
        yield
    except ApiError as error:
        state.audit.record("api-call", endpoint=endpoint, pack=state.pack.sha256, outcome=f"{error.status} refused")
        raise
    state.audit.record("api-call", endpoint=endpoint, pack=state.pack.sha256, outcome="200 report")


def router(state: Any) -> APIRouter:
    """The API: check and explain (behind the client authentication when it is on), the pack, health."""
    from ..facade import review
    from ..report.projection import pack_ref
    from ..views.explanation import explanation_of
    from .auth import require

    r = APIRouter()
    pack = state.pack
    identity = pack_ref(pack).model_dump()  # the set's sha256 and its parts', as every report names them

    @r.get("/healthz", tags=["service"], summary="Liveness, the pack in use, feedback counts")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "pack": identity, "feedback": dict(state.feedback)}

    @r.get("/api/v1/pack", tags=["api"], summary="The rule pack: name, version, sha256, sites, cited sources")
    async def pack_info() -> dict[str, Any]:
        return {**identity, "sites": list(pack.site_ids),
                "sources": [{"id": s.id, "title": s.title, "publisher": s.publisher, "provenance": s.provenance}
                            for s in pack.meta.sources]}

    @r.post("/api/v1/check", tags=["api"], openapi_extra=CASE_OR_BUNDLE, summary="A Case or FHIR Bundle -> Report",
            responses={200: {"description": "The Report (JSON), or Markdown / HTML by format", "content": {
                "application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/Report"},
                                                          {"$ref": "#/components/schemas/FhirReport"}]}},
                "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}},
                **ERRORS})
    async def check(request: Request, format: Format = "json",  # noqa: A002 - the public parameter name
                    site: SiteQuery = None, why_not: bool = False) -> Response:
        await require(state, request)
        with audited(state, "/api/v1/check"):
            case, provenance = case_from_body(await request.body(), request.headers.get("content-type"), site, pack)
            report = review(case, pack).report
            return rendered("check", format, report, provenance, pack, sources=True, why_not=why_not)

    @r.post("/api/v1/explain", tags=["api"], openapi_extra=CASE_OR_BUNDLE,
            summary="A Case or FHIR Bundle -> every rule checked, clause by clause",
            responses={200: {"description": "The explanation (JSON), or Markdown / HTML by format", "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}},
                **ERRORS})
    async def explain(request: Request, format: Format = "json",  # noqa: A002
                      site: SiteQuery = None) -> Response:
        await require(state, request)
        with audited(state, "/api/v1/explain"):
            case, provenance = case_from_body(await request.body(), request.headers.get("content-type"), site, pack)
            result = review(case, pack)
            return rendered("explain", format, explanation_of(result.report, result.trace), provenance)

    return r
