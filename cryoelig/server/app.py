"""The FastAPI application: routes, error handlers, OpenAPI with the Case and Report schemas.

Why ``create_app`` returns the app wrapped in ``Guard``: the size limit, the security headers
and the last catch sit outside everything. The pack is loaded and the engine compiled once, at
start-up, in each worker process. ``app_from_env`` is the factory uvicorn imports in each worker.

Adding routes: write a module with ``router(state) -> APIRouter`` and include it in ``_routes`` next
to ``api``, ``cds``, ``docs`` and the pages (``cryoelig.web.routes``); ``state.pack`` is the loaded pack, and
``cryoelig.facade.review(case, state.pack)`` the one evaluation. An HTML answer sets its own
Content-Security-Policy (``security.page_headers(page)`` allows the page's inline styles by hash);
every other answer gets ``default-src 'none'`` from the guard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from . import problems
from .audit import Audit
from .config import ServerConfig
from .guard import Guard
from .http import ApiError


@dataclass
class State:
    config: ServerConfig
    pack: Any
    auth: Any = None
    feedback: Counter = field(default_factory=Counter)
    audit: Audit = field(default_factory=lambda: Audit(None))

    async def refusal(self, request: Any) -> str | None:
        """Why a request is refused by the client authentication, or None (the pages ask: ``web/routes.py``)."""
        from .auth import refusal

        return await refusal(self, request)


def _components(app_openapi: dict[str, Any], pack: Any) -> dict[str, Any]:
    from ..case.contract import Case
    from ..report.projection import Report
    from ..views.schemas import fill_case_schema

    schemas = app_openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in (Case, Report):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    fill_case_schema(schemas["Case"], pack)  # the served pack's sites, as cryoelig schema case gives them
    from .fhirshape import SCHEMA as FHIR_SCHEMAS
    from .fhirshape import report_schemas

    schemas.update(FHIR_SCHEMAS)
    schemas.update(report_schemas(schemas["Report"]))
    schemas["Problems"] = {
        "title": "Problems", "type": "object", "required": ["problems"],
        "properties": {"problems": {"type": "array", "items": {"type": "object", "required": ["message"],
                       "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"},
                                      "line": {"type": "integer"}}}}}}
    from .cds import PREFETCH
    from .hookmodels import schemas as hook_schemas

    schemas.update(hook_schemas(tuple(PREFETCH)))
    return app_openapi


def create_app(config: ServerConfig | None = None) -> Guard:
    """The service as an ASGI app (FastAPI inside the size-limit guard)."""
    from fastapi import FastAPI

    from .. import __version__
    from ..inputs.fhir.mapping import models
    from ..reasoning.engine import engine_for
    from ..rulepack.load import load_pack
    from . import docs

    config = config or ServerConfig()
    pack = load_pack(config.pack_dir)
    engine_for(pack)  # compile once per process, before the first request
    models()  # import the FHIR models now, not on the first request
    state = _state(config, pack)

    assets = docs.load_assets()  # Swagger UI from the installed package, before the first request
    app = FastAPI(title="cryoelig", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Explained, non-diagnostic summaries of documented cryoablation factors: points to "
                              "discuss with the multidisciplinary team. JSON API and CDS Hooks 2.0 service.")
    _error_handlers(app)
    _routes(app, state, assets)
    _openapi(app, pack)
    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        # Starlette's own: answers preflights (OPTIONS) for the listed origins, refuses others (400).
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    from .cds import SERVICES

    larger = dict.fromkeys((f"/cds-services/{sid}" for sid in SERVICES), config.max_prefetch_bytes)
    guarded = Guard(app, config.max_body_bytes, larger)
    guarded.state = state  # type: ignore[attr-defined]
    return guarded


def _state(config: ServerConfig, pack: Any) -> State:
    """The service's state: the pack, the client authentication, the audit trail (warning on plain http)."""
    import logging

    state = State(config=config, pack=pack, audit=Audit(config.audit_log))
    if config.auth_config:
        from .auth import ClientAuth

        state.auth = ClientAuth(config.auth_config, allow_http=config.allow_http_fhir, ca_file=config.fhir_ca_file)
    if config.allow_http_fhir:
        logging.getLogger("cryoelig.server").warning(
            "--allow-http-fhir: FHIR servers and jku URLs may be read over plain http (tests only; "
            "the client's FHIR token is never sent over http)")
    return state


def _error_handlers(app: Any) -> None:
    """Every refusal as problems: the service's own, a bad parameter (named, never echoed), an unknown path."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException

    from ..web.pages import PageError
    from ..web.routes import PAGE_POLICY
    from ..wording import neutral_message

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> Response:
        return Response(error.content, status_code=error.status, media_type=error.media_type, headers=error.headers)

    @app.exception_handler(PageError)
    async def page_error(_request: Request, error: PageError) -> Response:
        # a page refused before its route ran (the pages' authentication): the page, with the pages' policy
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        return Response(error.page, status_code=error.status, media_type="text/html",
                        headers={**headers, "content-security-policy": PAGE_POLICY})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> Response:
        # FastAPI's own handler echoes the input; this one gives the parameter name and a neutral message only.
        found = []
        for item in error.errors():
            loc = [str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body", "header")]
            found.append(Problem(neutral_message(str(item.get("msg", "invalid value"))), field=".".join(loc) or None))
        return Response(problems.body(found), status_code=422, media_type="application/json")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> Response:
        words = {404: "no such path", 405: "method not allowed on this path"}
        return Response(problems.one(words.get(error.status_code, "request refused")), status_code=error.status_code,
                        media_type="application/json", headers=getattr(error, "headers", None))


def _routes(app: Any, state: State, assets: Any) -> None:
    """The API, CDS Hooks, the docs and the pages; their paths are the ones the access log names."""
    from ..web import routes as pages
    from . import api, cds, docs
    from .logs import KNOWN_PATHS

    KNOWN_PATHS.add(app.openapi_url or "")
    for router in (api.router(state), cds.router(state), docs.router(assets), pages.router(state)):
        app.include_router(router)
        KNOWN_PATHS.update(getattr(r, "path", "").replace("{service_id}", sid) for r in router.routes
                           for sid in cds.SERVICES)


def _openapi(app: Any, pack: Any) -> None:
    """The OpenAPI document built once, on first request, with the Case and Report schemas of the served pack."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _components(get_openapi(title=app.title, version=app.version,
                                                         description=app.description, routes=app.routes),
                                             pack)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> Guard:
    """uvicorn's factory in each worker process: the configuration comes from CRYOELIG_SERVER_CONFIG."""
    import logging

    logging.raiseExceptions = False  # a failing log record is dropped, never printed with its arguments
    return create_app(ServerConfig.from_env())
