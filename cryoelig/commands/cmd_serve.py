"""CLI command `serve`: the JSON API and CDS Hooks service on uvicorn.

Registered on the app of cmd_common when imported. FastAPI and uvicorn come from the optional
``[server]`` extra; without it the command says which extra to install (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Annotated

import typer

from .cmd_common import PackOption, app, fail

SERVER_HINT = "`serve` needs the optional server extra: pip install 'cryoelig[server]'"


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Bind socket to this host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Bind socket to this port (0: any free port).")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Number of worker processes.")] = 1,
    pack_dir: PackOption = None,
    max_body: Annotated[int, typer.Option("--max-body-bytes", min=1024,
                                          help="Largest request body accepted (413 above).")] = 2 * 1024 * 1024,
    fhir_host: Annotated[list[str] | None, typer.Option(
        "--fhir-allowed-host", help="A FHIR server host (name or name:port) the service may fetch prefetch data "
                                    "from with the client's token; repeat for several. Default: none.")] = None,
    auth_config: Annotated[Path | None, typer.Option(
        "--auth-config", exists=True, dir_okay=False,
        help="JSON file with the CDS Hooks client JWT settings (issuers, JWKS, service_url). Default: no auth.")
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="critical, error, warning, info or debug.")] = "info",
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                             help="One line per request: method, path (no query), status.")] = True,
    open_browser: Annotated[bool, typer.Option(
        "--open", help="Open the checklist page in the web browser once the service answers.")] = False,
) -> None:
    """Serve the checklist and explorer pages (/, /explore), the JSON API (/api/v1/check, /explain,
    /pack), CDS Hooks (/cds-services) and OpenAPI (/docs).

    Example: cryoelig serve --open
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        fail([SERVER_HINT])
    from ..server.config import ENV, ServerConfig
    from ..server.logs import log_config

    config = ServerConfig(pack_dir=str(pack_dir) if pack_dir else None, max_body_bytes=max_body,
                          fhir_allowed_hosts=tuple(fhir_host or ()),
                          auth_config=str(auth_config.resolve()) if auth_config else None)
    os.environ[ENV] = config.to_env()
    from ..errors import CryoeligError

    try:  # fail before binding when the pack or the auth settings are unusable
        from ..server.app import create_app

        create_app(config)
    except CryoeligError as error:
        problems = getattr(error, "problems", None)
        fail([str(p) for p in problems] if problems else [str(error)])
    except (OSError, ValueError, KeyError) as error:
        fail([f"the server settings cannot be used ({type(error).__name__})"])
    if open_browser:
        open_when_ready(host, port)
    uvicorn.run("cryoelig.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_config=log_config(log_level, access_log), access_log=access_log, server_header=False,
                proxy_headers=False)


def open_when_ready(host: str, port: int, timeout: float = 120.0) -> threading.Thread:
    """Open the checklist page in the user's browser (Python's ``webbrowser``) once the service
    answers /healthz; nothing happens when no browser is available or the service never answers."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"

    def wait_then_open() -> None:
        import http.client
        import time
        import webbrowser

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection(host, port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            return
        with contextlib.suppress(Exception):  # no browser here: the service runs on
            webbrowser.open(url)

    thread = threading.Thread(target=wait_then_open, name="open-browser", daemon=True)
    thread.start()
    return thread
