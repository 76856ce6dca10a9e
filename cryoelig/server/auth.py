"""CDS Hooks client authentication: the signed JWT in ``Authorization: Bearer`` (spec 2.0).

What is checked, each failure a 401 with the reason in the tool's words (never the token):
an issuer on the allow-list; an asymmetric algorithm (never ``none`` or HMAC); the claims' types
(``exp``, ``iat``, ``nbf`` numbers of seconds, ``aud`` a string or a list of strings, ``jti`` a
string), so that no malformed claim reaches a comparison; the key by ``kid`` from the issuer's
JWKS file when it holds that kid (a ``jku`` is then not fetched), else from an https ``jku`` URL
on the issuer's allow-list; the signature; ``aud`` = the service URL of the endpoint called;
``exp`` (and a lifetime no longer than the replay window); ``iat``; and a ``jti`` not seen before
in that window. Every endpoint that takes case data checks it (``require``): CDS Hooks, the API's
check and explain, and the pages' posts (which a browser cannot sign: see ``web/routes.py``).

Configuration (a JSON file given to ``cryoelig serve --auth-config``)::

    {"service_url": "https://cds.example.org",
     "issuers": {"https://ehr.example.com/": {"jwks_file": "ehr-jwks.json",
                                              "jku": ["https://ehr.example.com/jwks"]}},
     "replay_window_seconds": 300}

The ``jti`` memory is per process: with ``--workers N`` a replay could reach another worker
within the window (a store shared by the workers would close that; none is used yet).
"""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
JKU_CACHE_SECONDS = 300
JKU_MAX_BYTES = 64 * 1024


class AuthError(Exception):
    """Authentication failed; the message is the tool's own reason, safe to return."""


#: The largest time claim read (the year 2286): a bigger number is no time this service can compare.
MAX_TIME = 10_000_000_000


def _is_time(value: Any) -> bool:
    """A NumericDate (RFC 7519): a number of seconds, not a boolean, finite and in range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0 <= value < MAX_TIME


def check_claim_types(claims: dict[str, Any]) -> None:
    """Each registered claim of the type the JWT specification gives it, before any is compared."""
    for name in ("exp", "iat", "nbf"):
        if name in claims and not _is_time(claims[name]):
            raise AuthError(f"the JWT claim {name} is not a time in seconds")
    aud = claims.get("aud")
    if aud is not None and not (isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str)
                                                                                     for a in aud))):
        raise AuthError("the JWT claim aud is neither a string nor a list of strings")
    for name in ("jti", "sub", "tenant"):
        if name in claims and not isinstance(claims[name], str):
            raise AuthError(f"the JWT claim {name} is not a string")


class ClientAuth:
    def __init__(self, config_path: str, *, allow_http: bool = False, ca_file: str | None = None):
        import jwt  # PyJWT, from the [server] extra

        self._jwt = jwt
        self.allow_http, self.ca_file = allow_http, ca_file
        path = Path(config_path)
        config = json.loads(path.read_text(encoding="utf-8"))
        self.service_url = str(config["service_url"]).rstrip("/")
        self.window = int(config.get("replay_window_seconds", 300))
        self.leeway = int(config.get("leeway_seconds", 0))
        self.algorithms = tuple(a for a in config.get("algorithms", ASYMMETRIC) if a in ASYMMETRIC)
        self.issuers: dict[str, dict[str, Any]] = {}
        for iss, spec in (config.get("issuers") or {}).items():
            keys = None
            if spec.get("jwks_file"):
                file = Path(spec["jwks_file"])
                keys = self._keyset(json.loads((file if file.is_absolute() else path.parent / file)
                                               .read_text(encoding="utf-8")))
            self.issuers[iss] = {"keys": keys, "jku": tuple(spec.get("jku") or ())}
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._jku_cache: dict[str, tuple[float, Any]] = {}

    def _keyset(self, data: Any) -> tuple[Any, dict[str, str | None]]:
        """The JWK Set and, per kid, the algorithm the key declares (None when it declares none)."""
        declared = {k.get("kid"): k.get("alg") for k in data.get("keys", []) if isinstance(k, dict)}
        return self._jwt.PyJWKSet.from_dict(data), declared

    async def _jku_keys(self, url: str) -> Any:
        cached = self._jku_cache.get(url)
        if cached and time.monotonic() - cached[0] < JKU_CACHE_SECONDS:
            return cached[1]
        if urlsplit(url).scheme != "https" and not self.allow_http:
            raise AuthError("the jku is not an https URL")
        import httpx

        from .fhirfetch import tls_context

        try:
            async with httpx.AsyncClient(timeout=5.0, follow_redirects=False, trust_env=False,
                                         verify=tls_context(self.ca_file)) as client:
                response = await client.get(url)
            if response.status_code != 200 or len(response.content) > JKU_MAX_BYTES:
                raise AuthError("the JWK Set at jku could not be read")
            keys = self._keyset(response.json())
        except (httpx.HTTPError, ValueError, AttributeError, self._jwt.PyJWTError):
            raise AuthError("the JWK Set at jku could not be read") from None
        self._jku_cache[url] = (time.monotonic(), keys)
        return keys

    async def verify(self, authorization: str | None, path: str) -> dict[str, Any]:
        """The verified claims, or AuthError. ``path`` is the endpoint called (for ``aud``)."""
        try:
            token, header, iss = self._unverified(authorization)
            key = await self._key(header, self.issuers[iss])
            claims = self._decode(token, key, header["alg"], self.service_url + path, iss)
            self._remember(claims)
        except (TypeError, ValueError, OverflowError, KeyError, AttributeError):
            # a token shape no check above foresaw: refused like any invalid token, never a 500
            raise AuthError("the JWT is not valid") from None
        return claims

    def _unverified(self, authorization: str | None) -> tuple[str, dict[str, Any], str]:
        """The token, its header (algorithm, type and kid checked) and its allowed issuer."""
        jwt = self._jwt
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("a signed JWT is required (Authorization: Bearer)")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError("the token is not a JWT") from None
        if header.get("alg") not in self.algorithms:
            raise AuthError("the JWT algorithm is not accepted (asymmetric signatures only)")
        if header.get("typ") not in (None, "JWT"):
            raise AuthError("the JWT type is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("the JWT header names no key (kid)")
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise AuthError("the issuer is not on the allow-list")
        check_claim_types(unverified)
        return token, header, iss

    async def _key(self, header: dict[str, Any], issuer: dict[str, Any]) -> Any:
        """The issuer's key named by kid: from its configured JWK Set when it holds the kid (no
        outbound call, whatever ``jku`` says), else from an allowed jku."""
        kid, jku, keys = header["kid"], header.get("jku"), issuer["keys"]
        if keys is None or kid not in keys[1]:
            if jku is not None:
                if not isinstance(jku, str) or jku not in issuer["jku"]:
                    raise AuthError("the jku is not on the issuer's allow-list")
                keys = await self._jku_keys(jku)
            elif keys is None:
                raise AuthError("no JWK Set is configured for this issuer")
        keyset, declared = keys
        try:
            key = keyset[kid]
        except KeyError:
            raise AuthError("the key (kid) is not in the issuer's JWK Set") from None
        if declared.get(kid) not in (None, header["alg"]):
            raise AuthError("the JWT algorithm does not match the key")
        return key

    def _decode(self, token: str, key: Any, alg: str, audience: str, iss: str) -> dict[str, Any]:
        jwt = self._jwt
        try:
            claims = jwt.decode(token, key.key, algorithms=[alg], audience=audience, issuer=iss,
                                leeway=self.leeway, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("the JWT has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the JWT audience (aud) is not this service endpoint") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the JWT signature does not verify") from None
        except jwt.MissingRequiredClaimError:
            raise AuthError("the JWT lacks a required claim (iss, aud, exp, iat, jti)") from None
        except jwt.PyJWTError:
            raise AuthError("the JWT is not valid") from None
        if claims["exp"] > time.time() + self.window + self.leeway:
            raise AuthError("the JWT lives longer than the replay window")
        return claims

    def _remember(self, claims: dict[str, Any]) -> None:
        """A jti is accepted once within its token's life (per worker process)."""
        now = time.time()
        jti = str(claims["jti"])
        with self._lock:
            for seen, until in list(self._seen.items()):
                if until < now:
                    del self._seen[seen]
            if (claims["iss"], jti) in self._seen:
                raise AuthError("the JWT was already used (jti replay)")
            self._seen[(claims["iss"], jti)] = float(claims["exp"]) + self.leeway


async def refusal(state: Any, request: Any) -> str | None:
    """None when the request may go on (no ``--auth-config``, or a valid token); else the reason, which is
    written to the audit trail and the service log (the reason, never the token)."""
    if state.auth is None:
        return None
    try:
        await state.auth.verify(request.headers.get("authorization"), request.url.path)
    except AuthError as error:
        import logging

        from .logs import shown_path

        path = shown_path(request.url.path)
        state.audit.record("authentication-failed", path=path, reason=str(error))
        logging.getLogger("cryoelig.server").warning("authentication failed on %s: %s", path, error)
        return str(error)
    return None


async def require(state: Any, request: Any) -> None:
    """The client's bearer token checked when ``--auth-config`` is given: a 401 with the reason otherwise."""
    reason = await refusal(state, request)
    if reason is not None:
        from . import problems
        from .http import ApiError

        raise ApiError(401, problems.one(f"authentication failed: {reason}"), headers={"WWW-Authenticate": "Bearer"})
