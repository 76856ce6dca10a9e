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

Existing = dict(exists=True, dir_okay=False)
HostOption = Annotated[str, typer.Option("--host", help="Bind socket to this host.")]
PortOption = Annotated[int, typer.Option("--port", help="Bind socket to this port (0: any free port).")]
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="Number of worker processes.")]
MaxBodyOption = Annotated[int, typer.Option("--max-body-bytes", min=1024,
                                            help="Largest request body accepted (413 above).")]
MaxPrefetchOption = Annotated[int, typer.Option(
    "--max-prefetch-bytes", min=1024, help="Largest CDS service call body (its prefetch), and the most bytes "
                                           "fetched from the FHIR server for one call.")]
FhirHostOption = Annotated[list[str] | None, typer.Option(
    "--fhir-allowed-host", help="A FHIR server host (name or name:port) the service may fetch prefetch data from "
                                "with the client's token, over https; repeat for several. Default: none.")]
AllowHttpOption = Annotated[bool, typer.Option(
    "--allow-http-fhir", help="Tests only: also read http:// FHIR servers and jku URLs (never with the client's "
                              "token); logged as a warning.")]
FhirCaOption = Annotated[Path | None, typer.Option(
    "--fhir-ca-file", **Existing, help="PEM CA certificates for the FHIR servers and jku URLs (default: the "
                                       "system's).")]
AuthOption = Annotated[Path | None, typer.Option(
    "--auth-config", **Existing, help="JSON file with the client JWT settings (issuers, JWKS, service_url): then "
                                      "CDS Hooks, the API's check and explain and the pages' posts need a signed "
                                      "JWT. Default: no auth.")]
PagesProxyOption = Annotated[bool, typer.Option(
    "--pages-behind-auth-proxy", help="With --auth-config: serve the pages' posts anyway, because a sign-in "
                                      "proxy in front authenticates people (docs/deploy.md).")]
CorsOption = Annotated[list[str] | None, typer.Option(
    "--cors-origin", help="A browser origin (https://app.example.org) allowed to call the service; repeat for "
                          "several. Default: no CORS.")]
AuditOption = Annotated[Path | None, typer.Option(
    "--audit-log", dir_okay=False, help="Append the audit trail here (JSON lines: calls, cards, feedback, "
                                        "authentication failures; never case data or tokens).")]
CertOption = Annotated[Path | None, typer.Option("--ssl-certfile", **Existing, help="TLS certificate (PEM).")]
KeyOption = Annotated[Path | None, typer.Option("--ssl-keyfile", **Existing, help="TLS private key (PEM).")]
ForwardedOption = Annotated[str | None, typer.Option(
    "--forwarded-allow-ips", help="Behind a proxy: the proxy addresses (comma-separated) whose X-Forwarded-For "
                                  "and X-Forwarded-Proto are trusted. Default: none trusted.")]
ConnectionsOption = Annotated[int, typer.Option(
    "--max-connections", min=1, help="Connections held per worker; above it the oldest idle one is closed (a "
                                     "new one, when all are busy); kept under the file limit.")]
HeaderTimeoutOption = Annotated[float, typer.Option(
    "--header-timeout", min=0.1, help="Seconds a connection has to send its request headers.")]
BodyTimeoutOption = Annotated[float, typer.Option(
    "--body-timeout", min=0.1, help="Seconds a request has to send its body after its headers.")]
KeepAliveOption = Annotated[int, typer.Option(
    "--timeout-keep-alive", min=1, help="Seconds an idle keep-alive connection is kept (uvicorn's setting).")]
LogLevelOption = Annotated[str, typer.Option("--log-level", help="critical, error, warning, info or debug.")]
AccessLogOption = Annotated[bool, typer.Option("--access-log/--no-access-log",
                                               help="One line per request: method, path (no query), status.")]
OpenOption = Annotated[bool, typer.Option(
    "--open", help="Open the checklist page in the web browser once the service answers.")]


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000, workers: WorkersOption = 1,
          pack_dir: PackOption = None, max_body: MaxBodyOption = 2 * 1024 * 1024,
          max_prefetch: MaxPrefetchOption = 8 * 1024 * 1024, fhir_host: FhirHostOption = None,
          allow_http_fhir: AllowHttpOption = False, fhir_ca_file: FhirCaOption = None,
          auth_config: AuthOption = None, pages_behind_auth_proxy: PagesProxyOption = False,
          cors_origin: CorsOption = None, audit_log: AuditOption = None, ssl_certfile: CertOption = None,
          ssl_keyfile: KeyOption = None, forwarded_allow_ips: ForwardedOption = None,
          max_connections: ConnectionsOption = 1000, header_timeout: HeaderTimeoutOption = 10.0,
          body_timeout: BodyTimeoutOption = 30.0, timeout_keep_alive: KeepAliveOption = 5,
          log_level: LogLevelOption = "info", access_log: AccessLogOption = True,
          open_browser: OpenOption = False) -> None:
    """Serve the checklist and explorer pages (/, /explore), the JSON API (/api/v1/check, /explain,
    /pack), CDS Hooks (/cds-services) and OpenAPI (/docs). Running it for others: docs/deploy.md.

    Example: cryoelig serve --open
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        fail([SERVER_HINT])
    from ..server.config import ENV, ServerConfig
    from ..server.connections import effective_cap, listen_backlog
    from ..server.logs import log_config

    if (ssl_certfile is None) != (ssl_keyfile is None):
        fail(["--ssl-certfile and --ssl-keyfile go together"])
    backlog = listen_backlog()  # the connection cap leaves room for a full backlog under the file limit
    cap = effective_cap(max_connections, backlog)
    config = ServerConfig(
        pack_dir=str(pack_dir) if pack_dir else None, max_body_bytes=max_body, max_prefetch_bytes=max_prefetch,
        fhir_allowed_hosts=tuple(fhir_host or ()), allow_http_fhir=allow_http_fhir,
        fhir_ca_file=_path(fhir_ca_file), auth_config=_path(auth_config),
        pages_behind_auth_proxy=pages_behind_auth_proxy, cors_origins=tuple(cors_origin or ()),
        audit_log=_path(audit_log), header_timeout_seconds=header_timeout, body_timeout_seconds=body_timeout,
        max_connections=cap)
    os.environ[ENV] = config.to_env()
    _check(config)
    if open_browser:
        open_when_ready(host, port)
    uvicorn.run("cryoelig.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_config=log_config(log_level, access_log), access_log=access_log, server_header=False,
                http="cryoelig.server.connections:GuardedHttpProtocol", ws="none", backlog=backlog,
                timeout_keep_alive=timeout_keep_alive,
                ssl_certfile=_path(ssl_certfile), ssl_keyfile=_path(ssl_keyfile),
                proxy_headers=forwarded_allow_ips is not None, forwarded_allow_ips=forwarded_allow_ips)


def _path(path: Path | None) -> str | None:
    return str(path.resolve()) if path is not None else None


def _check(config: object) -> None:
    """Fail before binding when the pack, the auth settings or the audit file are unusable."""
    from ..errors import CryoeligError

    try:
        from ..server.app import create_app

        create_app(config)  # type: ignore[arg-type]
    except CryoeligError as error:
        problems = getattr(error, "problems", None)
        fail([str(p) for p in problems] if problems else [str(error)])
    except (OSError, ValueError, KeyError) as error:
        fail([f"the server settings cannot be used ({type(error).__name__})"])


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
