"""The JSON API: ``/api/v1/check``, ``/api/v1/explain``, ``/api/v1/pack``, ``/healthz``.

Why these shapes: ``check`` answers with the same Report JSON as ``cryoelig check --format
json`` (plus ``fhir_input``, which resources were read and ignored, when the body was FHIR);
``format=markdown|html`` reuses the command line's renderers.
"""

from __future__ import annotations

import html
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..case import Site
from .evaluate import explanation_for, report_for
from .http import case_from_document, parse_json

Format = Literal["json", "markdown", "html"]
SiteQuery = Annotated[Site | None, Query(description="FHIR input only: the tumor site to summarize")]
PROBLEMS = {"$ref": "#/components/schemas/Problems"}
ERRORS = {
    "413": {"description": "Body over the size limit", "content": {"application/json": {"schema": PROBLEMS}}},
    "415": {"description": "Body not sent as JSON", "content": {"application/json": {"schema": PROBLEMS}}},
    "422": {"description": "Bad input: one problem per field", "content": {"application/json": {"schema": PROBLEMS}}},
}
CASE_OR_BUNDLE = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [{"$ref": "#/components/schemas/Case"}, {"$ref": "#/components/schemas/FhirBundle"}]}}}}}


def fhir_markdown(provenance: dict[str, Any]) -> str:
    from .cards import md

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


def with_fhir(payload: str, provenance: dict[str, Any] | None) -> str:
    if provenance is None:
        return payload
    return payload.rstrip().removesuffix("}") + ',"fhir_input":' + json.dumps(provenance) + "}"


def router(state: Any) -> APIRouter:
    r = APIRouter()
    pack = state.pack

    @r.get("/healthz", tags=["service"], summary="Liveness, the pack in use, feedback counts")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "pack": {"name": pack.name, "version": pack.version, "sha256": pack.sha256},
                "feedback": dict(state.feedback)}

    @r.get("/api/v1/pack", tags=["api"], summary="The rule pack: name, version, sha256, cited sources")
    async def pack_info() -> dict[str, Any]:
        return {"name": pack.name, "version": pack.version, "sha256": pack.sha256,
                "sources": [{"id": s.id, "title": s.title, "publisher": s.publisher, "provenance": s.provenance}
                            for s in pack.meta.sources]}

    @r.post("/api/v1/check", tags=["api"], openapi_extra=CASE_OR_BUNDLE, summary="A Case or FHIR Bundle -> Report",
            responses={200: {"description": "The Report (JSON), or Markdown / HTML by format", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Report"}},
                "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}},
                **ERRORS})
    async def check(request: Request, format: Format = "json",  # noqa: A002 - the public parameter name
                    site: SiteQuery = None, why_not: bool = False) -> Response:
        case, provenance = case_from_document(parse_json(await request.body(), request.headers.get("content-type")),
                                              site)
        report = report_for(case, pack)
        if format == "markdown":
            from ..render.markdown import to_markdown

            text = to_markdown(report, sources=True, why_not=why_not)
            if provenance is not None:
                text += "\n" + fhir_markdown(provenance)
            return Response(text, media_type="text/markdown; charset=utf-8")
        if format == "html":
            from ..render.html import to_html

            page = to_html(report, why_not=why_not)
            if provenance is not None:
                page = page.replace("</main>", fhir_html(provenance) + "</main>", 1)
            return Response(page, media_type="text/html; charset=utf-8")
        return Response(with_fhir(report.model_dump_json(), provenance), media_type="application/json")

    @r.post("/api/v1/explain", tags=["api"], openapi_extra=CASE_OR_BUNDLE,
            summary="A Case or FHIR Bundle -> every rule checked, clause by clause",
            responses={200: {"description": "The explanation (JSON), or Markdown / HTML by format", "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}},
                **ERRORS})
    async def explain(request: Request, format: Format = "json",  # noqa: A002
                      site: SiteQuery = None) -> Response:
        case, provenance = case_from_document(parse_json(await request.body(), request.headers.get("content-type")),
                                              site)
        ex = explanation_for(case, pack)
        if format == "json":
            return Response(with_fhir(ex.model_dump_json(), provenance), media_type="application/json")
        from ..render.explain import to_markdown

        text = to_markdown(ex)
        if provenance is not None:
            text += "\n" + fhir_markdown(provenance)
        if format == "markdown":
            return Response(text, media_type="text/markdown; charset=utf-8")
        page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
                f"<title>cryoelig explanation</title></head><body><pre>{html.escape(text)}</pre></body></html>")
        return Response(page, media_type="text/html; charset=utf-8")

    return r
