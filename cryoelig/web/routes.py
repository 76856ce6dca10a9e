"""The browser pages: the clinician's checklist (``/``) and the educator's explorer (``/explore``).

Why server-rendered: every page is the Review, the Trace or the pack laid out by a Jinja2
template (autoescape on, no ``|safe`` on case or pack text); the checklist's only script
(``/static/checklist.js``) sends the form after each answer and swaps in the two fragments the
server renders from it, and without JavaScript the same form is submitted whole. Nothing is
stored: each request carries the answers, and answers are never logged (the access log shows
the service's own paths only).

Policy (``PAGE_POLICY``): scripts, styles, images and fetches from this service only, forms
posted to it only; no inline script, style or event handler exists to allow.

Who may post: the posts and downloads take case data, so with ``--auth-config`` they need what the
API needs, a signed JWT, which a browser cannot present: they answer 401 with a page saying so,
unless the service runs with ``--pages-behind-auth-proxy`` (the operator's sign-in proxy in front
authenticates people; ``docs/deploy.md``). The pages that show only the pack (the start page, an
empty checklist, the explorer) stay open.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..errors import CryoeligError, InputError, Problem
from . import pages
from .form import MAX_FIELDS, form_values

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_STATIC_CACHE = "public, max-age=3600"
#: The downloads of the checklist: fixed paths, so no file name from a request reaches anything.
DOWNLOADS = ("case.yaml", "case.json", "report.html", "report.md", "report.pdf")


def html(page: str, status: int = 200) -> Response:
    return Response(page, status_code=status, media_type="text/html", headers={"content-security-policy": PAGE_POLICY})


async def form_of(request: Request) -> dict[str, list[str]]:
    """The fields of a posted form (application/x-www-form-urlencoded, as browsers send it)."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in ("application/x-www-form-urlencoded", ""):
        raise InputError([Problem("the page sends its form as application/x-www-form-urlencoded")])
    try:
        text = (await request.body()).decode("utf-8")
        return form_values(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except (UnicodeDecodeError, ValueError):
        raise InputError([Problem("the form could not be read")]) from None


AUTH_REQUIRED = ("This service requires client authentication (a signed token), which a web browser cannot "
                 "present, so the checklist and the explorer's case pages are turned off here. The operator can "
                 "serve them behind the hospital's sign-in proxy (cryoelig serve --pages-behind-auth-proxy); "
                 "see docs/deploy.md.")


def gate(state: Any, site: pages.Site) -> Any:
    """The dependency of every post and download: the client authentication, when it is on (the
    service's ``state.refusal``); a refusal is a 401 page (``PageError``, shown by the app's handler)."""

    async def authorized(request: Request) -> None:
        if state.config.pages_behind_auth_proxy:
            return
        if await state.refusal(request) is not None:
            raise pages.PageError(site.message("Authentication required", AUTH_REQUIRED), 401)
    return Depends(authorized)


def router(state: Any) -> APIRouter:
    """The pages of the served pack: the checklist with its downloads, the explorer, the static files."""
    site = pages.Site(state.pack)
    r = APIRouter(include_in_schema=False)
    posts = [gate(state, site)]
    _checklist_routes(r, site, posts)
    _explorer_routes(r, site, posts)
    for name in pages.STATIC:
        r.add_api_route(f"/static/{name}", _static_route(name), methods=["GET"])
    return r


def _checklist_routes(r: APIRouter, site: pages.Site, posts: list[Any]) -> None:
    """The start page, the checklist (whole, or its two fragments after each answer) and its downloads."""

    @r.get("/")
    async def start() -> Response:
        return html(site.start())

    @r.get("/checklist")
    async def checklist_new(request: Request) -> Response:
        return _checklist(site, {"site": request.query_params.getlist("site")[:1]})

    @r.post("/checklist", dependencies=posts)
    async def checklist_post(request: Request) -> Response:
        return _checklist(site, await _values(request))

    @r.post("/checklist/update", dependencies=posts)
    async def checklist_update(request: Request) -> Response:
        try:
            return html(site.fragments(await form_of(request)))
        except InputError as error:
            return html(site.problem_fragment(error), status=422)

    for name in DOWNLOADS:
        r.add_api_route(f"/checklist/download/{name}", _download_route(site, name), methods=["POST"],
                        dependencies=posts)


def _download_route(site: pages.Site, name: str) -> Any:
    async def download(request: Request) -> Response:
        values = await _values(request)
        try:
            body, media, filename = site.download(values, name)
        except pages.PageError as error:
            return html(error.page, status=error.status)
        return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})
    return download


def _explorer_routes(r: APIRouter, site: pages.Site, posts: list[Any]) -> None:
    """The educator's explorer: the pack, a rule, a source, a scenario, a case's reasoning, what if, the graph."""

    @r.get("/explore")
    async def explore() -> Response:
        return html(site.explore())

    @r.get("/explore/rules/{rule_id}")
    async def rule(rule_id: str) -> Response:
        return _page(lambda: site.rule(rule_id))

    @r.get("/explore/sources/{source_id}")
    async def source(source_id: str) -> Response:
        return _page(lambda: site.source(source_id))

    @r.get("/explore/scenarios/{name}")
    async def scenario(name: str) -> Response:
        return _page(lambda: site.scenario(name))

    @r.post("/explore/case", dependencies=posts)
    async def reasoning(request: Request) -> Response:
        values = await _values(request)
        return _page(lambda: site.reasoning_of_form(values))

    @r.post("/explore/whatif", dependencies=posts)
    async def whatif(request: Request) -> Response:
        values = await _values(request)
        return _page(lambda: site.what_if(values))

    @r.get("/explore/graph.svg")
    async def graph() -> Response:
        svg = site.graph()
        if svg is None:
            return html(site.not_found("The rule graph picture needs the figures extra and Graphviz."), 404)
        return Response(svg, media_type="image/svg+xml", headers={"cache-control": _STATIC_CACHE})


def _static_route(name: str) -> Any:
    async def asset() -> Response:
        body, media = pages.STATIC[name]
        return Response(body, media_type=media, headers={"cache-control": _STATIC_CACHE})
    return asset


async def _values(request: Request) -> dict[str, list[str]]:
    try:
        return await form_of(request)
    except InputError:
        return {}


def _checklist(site: pages.Site, values: dict[str, list[str]]) -> Response:
    try:
        return html(site.checklist(values))
    except InputError as error:
        return html(site.start(error.problems), status=422)


def _page(build: Any) -> Response:
    try:
        return html(build())
    except pages.PageError as error:
        return html(error.page, status=error.status)
    except CryoeligError as error:  # pragma: no cover - every known refusal is a PageError
        return html(json.dumps(str(error)), status=422)
