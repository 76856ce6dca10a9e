"""Fetch prefetch data from a CDS client's FHIR server, only from allowed hosts.

Why an allow-list: ``fhirServer`` arrives in the request; without a list of trusted hosts the
service could be made to send a client's access token, or requests, anywhere. The token is
never logged. Responses are size-limited and redirects are not followed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit


class FetchRefused(Exception):
    """The FHIR server is not allowed, or did not answer with FHIR JSON."""


def host_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    default = 443 if parts.scheme == "https" else 80
    return any(entry.lower() in (host, f"{host}:{port or default}") for entry in allowed)


def fill(template: str, context: dict[str, Any]) -> str | None:
    """A prefetch template with its ``{{context.x}}`` tokens filled (URL-quoted), or None."""
    out = template
    for name, value in context.items():
        token = "{{context." + name + "}}"
        if token in out:
            if not isinstance(value, str | int):
                return None
            out = out.replace(token, quote(str(value), safe=""))
    return None if "{{" in out else out


async def fetch_json(base: str, path: str, token: str | None, allowed: tuple[str, ...], limit: int,
                     timeout: float) -> Any:
    import httpx

    if not host_allowed(base, allowed):
        raise FetchRefused("fhirServer host not in the allow-list")
    url = base.rstrip("/") + "/" + path.lstrip("/")
    headers = {"Accept": "application/fhir+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        try:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    raise FetchRefused(f"FHIR server answered {response.status_code}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise FetchRefused("FHIR server response over the size limit")
        except httpx.HTTPError as error:
            raise FetchRefused(f"FHIR server not reachable ({type(error).__name__})") from None
    from ..errors import InputError
    from ..inputs import decode_text, parse_text

    try:  # the input layer's JSON reader: duplicate keys, NaN and over-deep nesting are refused too
        return parse_text(decode_text(bytes(data), "response.json"), "response.json")
    except InputError:
        raise FetchRefused("FHIR server response is not JSON") from None
