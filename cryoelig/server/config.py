"""What one service instance is configured with, passed to every uvicorn worker as JSON.

Why an environment variable: with ``--workers N`` uvicorn starts fresh processes that import
the app by name; the settings of ``cryoelig serve`` reach them through ``CRYOELIG_SERVER_CONFIG``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields

ENV = "CRYOELIG_SERVER_CONFIG"
DEFAULT_MAX_BODY = 2 * 1024 * 1024
#: A CDS call carries the patient's prefetch: 3,000 MedicationRequests are about 2.3 MB.
DEFAULT_MAX_PREFETCH = 8 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    pack_dir: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY
    #: the body limit of a CDS service call (its prefetch), and of all pages fetched for one call
    max_prefetch_bytes: int = DEFAULT_MAX_PREFETCH
    #: hosts (``name`` or ``name:port``) the service may fetch FHIR data from with a client's token
    fhir_allowed_hosts: tuple[str, ...] = ()
    fhir_timeout_seconds: float = 5.0
    #: an http:// FHIR server may be read (tests only; never with the client's token)
    allow_http_fhir: bool = False
    #: a PEM file of CA certificates for the FHIR servers and jku URLs (None: the system's)
    fhir_ca_file: str | None = None
    #: the most pages (``Bundle.link`` next) read per prefetch key, and the time for all fetches of a call
    fhir_max_pages: int = 10
    fhir_max_seconds: float = 10.0
    #: the most resources read per prefetch key, and over all keys of one call
    prefetch_max_entries_per_key: int = 5000
    prefetch_max_entries: int = 10000
    #: JSON file with the CDS Hooks client authentication settings (see auth.py); None: no authentication
    auth_config: str | None = None
    #: with auth on, the pages' posts are served because a sign-in proxy in front authenticates people
    pages_behind_auth_proxy: bool = False
    #: browser origins allowed to call the service (CORS); empty: no CORS headers at all
    cors_origins: tuple[str, ...] = ()
    #: JSON-lines audit file (None: no audit trail)
    audit_log: str | None = None
    #: per connection: the request headers within this many seconds and bytes, the body within this many,
    #: the response sent within this many
    header_timeout_seconds: float = 10.0
    max_header_bytes: int = 64 * 1024
    body_timeout_seconds: float = 30.0
    response_timeout_seconds: float = 60.0
    #: connections held per worker process (above it, the oldest idle one is closed)
    max_connections: int = 1000
    extra: dict = field(default_factory=dict)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServerConfig:
        raw = os.environ.get(ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**data)
