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
from .config import ServerConfig
from .guard import Guard
from .http import ApiError


@dataclass
class State:
    config: ServerConfig
    pack: Any
    auth: Any = None
    feedback: Counter = field(default_factory=Counter)


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
    schemas["FhirBundle"] = {
        "title": "FHIR R4 Bundle", "type": "object", "required": ["resourceType"],
        "description": "A FHIR R4 Bundle (or one resource); read as described in docs/fhir-mapping.md.",
        "properties": {"resourceType": {"type": "string", "enum": ["Bundle"]},
                       "type": {"type": "string"},
                       "entry": {"type": "array", "items": {"type": "object", "properties": {
                           "resource": {"type": "object", "required": ["resourceType"],
                                        "properties": {"resourceType": {"type": "string"}}}}}}}}
    schemas["Problems"] = {
        "title": "Problems", "type": "object", "required": ["problems"],
        "properties": {"problems": {"type": "array", "items": {"type": "object", "required": ["message"],
                       "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"},
                                      "line": {"type": "integer"}}}}}}
    schemas["CdsHooksRequest"] = {
        "title": "CDS Hooks request", "type": "object", "required": ["hook", "hookInstance", "context"],
        "properties": {"hook": {"type": "string", "enum": ["patient-view", "order-select"]},
                       "hookInstance": {"type": "string"}, "fhirServer": {"type": "string"},
                       "fhirAuthorization": {"type": "object"}, "context": {"type": "object"},
                       "prefetch": {"type": "object"}}}
    schemas["CdsHooksFeedback"] = {
        "title": "CDS Hooks feedback", "type": "object", "required": ["feedback"],
        "properties": {"feedback": {"type": "array", "items": {
            "type": "object", "required": ["card", "outcome", "outcomeTimestamp"],
            "properties": {"card": {"type": "string"},
                           "outcome": {"type": "string", "enum": ["accepted", "overridden"]},
                           "outcomeTimestamp": {"type": "string"}}}}}}
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
    state = State(config=config, pack=pack)
    if config.auth_config:
        from .auth import ClientAuth

        state.auth = ClientAuth(config.auth_config)

    assets = docs.load_assets()  # Swagger UI from the installed package, before the first request
    app = FastAPI(title="cryoelig", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Explained, non-diagnostic summaries of documented cryoablation factors: points to "
                              "discuss with the multidisciplinary team. JSON API and CDS Hooks 2.0 service.")
    _error_handlers(app)
    _routes(app, state, assets)
    _openapi(app, pack)
    guarded = Guard(app, config.max_body_bytes)
    guarded.state = state  # type: ignore[attr-defined]
    return guarded


def _error_handlers(app: Any) -> None:
    """Every refusal as problems: the service's own, a bad parameter (named, never echoed), an unknown path."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException

    from ..wording import neutral_message

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> Response:
        return Response(error.content, status_code=error.status, media_type=error.media_type, headers=error.headers)

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
        KNOWN_PATHS.update(getattr(r, "path", "").replace("{service_id}", cds.SERVICE_ID) for r in router.routes)


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
