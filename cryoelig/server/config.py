"""What one service instance is configured with, passed to every uvicorn worker as JSON.

Why an environment variable: with ``--workers N`` uvicorn starts fresh processes that import
the app by name; the settings of ``cryoelig serve`` reach them through ``CRYOELIG_SERVER_CONFIG``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

ENV = "CRYOELIG_SERVER_CONFIG"
DEFAULT_MAX_BODY = 2 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    pack_dir: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY
    #: hosts (``name`` or ``name:port``) the service may fetch FHIR data from with a client's token
    fhir_allowed_hosts: tuple[str, ...] = ()
    fhir_timeout_seconds: float = 5.0
    #: JSON file with the CDS Hooks client authentication settings (see auth.py); None: no authentication
    auth_config: str | None = None
    extra: dict = field(default_factory=dict)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServerConfig:
        raw = os.environ.get(ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        data["fhir_allowed_hosts"] = tuple(data.get("fhir_allowed_hosts") or ())
        return cls(**data)
