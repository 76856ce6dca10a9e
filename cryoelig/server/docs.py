"""The API documentation page, ``/docs``: Swagger UI served from the installed package, nothing
from a CDN.

Why not FastAPI's own ``/docs``: it loads Swagger UI from a CDN (a hospital network often has no
internet) and starts it with an inline script, which a strict Content-Security-Policy forbids.
The assets come from the ``swagger-ui-bundle-v2`` package (Swagger UI 5, Apache-2.0, by the
maintainers of ``swagger-ui-bundle``, which stopped at Swagger UI 4 and cannot read the OpenAPI
3.1 document FastAPI writes). The page is static HTML; the start-up script is a file of this
service (``/docs/init.js``), so the page's policy allows scripts and styles from this origin only
(``security.DOCS``). Only the three assets the page uses are served, read once at start-up.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from .security import DOCS

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cryoelig API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
INIT_JS = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript", "favicon-32x32.png": "image/png"}
_CACHE = "public, max-age=86400"


def load_assets() -> dict[str, bytes]:
    """The Swagger UI files the page uses, from the installed ``swagger_ui_bundle`` package."""
    from swagger_ui_bundle import swagger_ui_path

    return {name: (swagger_ui_path / name).read_bytes() for name in ASSETS}


def router(assets: dict[str, bytes]) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    docs_headers = {"content-security-policy": DOCS}

    @r.get("/docs")
    async def docs() -> Response:
        return Response(PAGE, media_type="text/html", headers=docs_headers)

    @r.get("/docs/init.js")
    async def init() -> Response:
        return Response(INIT_JS, media_type="text/javascript", headers={"cache-control": _CACHE})

    def asset_route(name: str) -> Any:
        async def asset() -> Response:
            return Response(assets[name], media_type=ASSETS[name], headers={"cache-control": _CACHE})
        return asset

    for name in ASSETS:  # fixed paths: no file name from the request ever reaches the file system
        r.add_api_route(f"/docs/assets/{name}", asset_route(name), methods=["GET"])
    return r
