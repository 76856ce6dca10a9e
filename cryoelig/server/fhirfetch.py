"""Fetch prefetch data from a CDS client's FHIR server: allowed https hosts only, within a budget.

Why an allow-list: ``fhirServer`` arrives in the request; without a list of trusted hosts the
service could be made to send a client's access token, or requests, anywhere. Why https: the
specification requires it for production data, and the token must never cross a network in clear;
``--allow-http-fhir`` (tests only) lets an http server be read, but never with the token. Why a
budget: one call may fetch several keys and follow ``Bundle.link`` "next" pages, so the bytes and
the time of all its fetches together are bounded. The token is never logged; redirects are not
followed; answers are read by the input layer's JSON reader.
"""

from __future__ import annotations

import functools
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit


class FetchRefused(Exception):
    """The FHIR server is not allowed, or did not answer with FHIR JSON, within the budget."""


@dataclass
class Budget:
    """What the fetches of one call may still use: bytes and time (a monotonic deadline)."""

    bytes_left: int
    deadline: float

    @classmethod
    def of(cls, max_bytes: int, seconds: float) -> Budget:
        return cls(max_bytes, time.monotonic() + seconds)

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()


def host_allowed(url: str, allowed: tuple[str, ...], allow_http: bool = False) -> bool:
    """An https URL (http only when allowed) on a host of the allow-list."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in (("http", "https") if allow_http else ("https",)) or not parts.hostname:
        return False
    host = parts.hostname.lower()
    default = 443 if parts.scheme == "https" else 80
    return any(entry.lower() in (host, f"{host}:{port or default}") for entry in allowed)


def on_server(url: str, base: str) -> bool:
    """``url`` is on the FHIR server ``base`` (same scheme, host and port, under its path)."""
    try:
        target, server = urlsplit(url), urlsplit(base)
        same = (target.scheme, target.hostname, target.port) == (server.scheme, server.hostname, server.port)
    except ValueError:
        return False
    return same and target.path.startswith(server.path.rstrip("/") + "/")


def fill(template: str, context: dict[str, Any]) -> str | None:
    """A prefetch template with its ``{{context.x}}`` tokens filled (URL-quoted), or None."""
    out = template
    for name, value in context.items():
        token = "{{context." + name + "}}"
        if token in out:
            if not isinstance(value, str | int) or isinstance(value, bool):
                return None
            out = out.replace(token, quote(str(value), safe=""))
    return None if "{{" in out else out


@functools.cache
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificates checked against the system's CAs, or the operator's CA file."""
    return ssl.create_default_context(cafile=ca_file)


def client(config: Any) -> Any:
    """One HTTP client for the fetches of a call: no redirects, no proxy or netrc from the environment."""
    import httpx

    return httpx.AsyncClient(verify=tls_context(config.fhir_ca_file), follow_redirects=False, trust_env=False,
                             timeout=config.fhir_timeout_seconds)


async def fetch_json(http: Any, url: str, token: str | None, budget: Budget) -> Any:
    """The JSON document at ``url`` (already checked against the allow-list), within the budget.
    The token goes only over https."""
    import asyncio

    import httpx

    headers = {"Accept": "application/fhir+json, application/json"}
    if token and urlsplit(url).scheme == "https":
        headers["Authorization"] = f"Bearer {token}"
    if budget.seconds_left() <= 0:
        raise FetchRefused("the time for fetching from the FHIR server is used up")
    try:
        data = await asyncio.wait_for(_read(http, url, headers, budget), budget.seconds_left())
    except TimeoutError:
        raise FetchRefused("the FHIR server did not answer in time") from None
    except httpx.HTTPError as error:
        raise FetchRefused(f"FHIR server not reachable ({type(error).__name__})") from None
    from ..errors import InputError
    from ..inputs import decode_text, parse_text

    try:  # the input layer's JSON reader: duplicate keys, NaN and over-deep nesting are refused too
        return parse_text(decode_text(bytes(data), "response.json"), "response.json")
    except InputError:
        raise FetchRefused("FHIR server response is not JSON") from None


async def _read(http: Any, url: str, headers: dict[str, str], budget: Budget) -> bytearray:
    async with http.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise FetchRefused(f"FHIR server answered {response.status_code}")
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > budget.bytes_left:
                raise FetchRefused("FHIR server response over the size limit")
    budget.bytes_left -= len(data)
    return data
