"""A CDS call's record from its prefetch, as the CDS Hooks 2.0 specification allows a client to send it.

Why each case is told apart (the specification, "Providing FHIR Resources"): a key the client
**did not send** means it chose not to, or could not, fill it (the service may fetch it itself); a
key sent as ``null`` or as a Bundle with no entries means the client looked and the record has
**none**; an OperationOutcome means the client's fetch failed. A clinician reading "nothing found"
must know which: each key that gives nothing to read is named, with the reason, in the record data
card (``notes``: ``resource``, ``where``, ``reason``, the provenance's shape).

Paging: a searchset Bundle's ``link`` "next" is followed to the request's own ``fhirServer`` (an
allowed https host, with the client's token), at most ``fhir_max_pages`` pages per key, within one
byte and time budget for the whole call. Size: a key holding more than
``prefetch_max_entries_per_key`` resources (or past ``prefetch_max_entries`` over all keys) has its
first ones read and the rest named as not read, never a failed call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fhirfetch import Budget, FetchRefused, client, fetch_json, fill, host_allowed, on_server

NOT_SENT = "not sent by the CDS client and not fetched ({why}): the record may hold some"
NONE_SENT = "none in the record (the CDS client sent null: it has no data for this search)"
NONE_FOUND = "none in the record (the search found none)"
CLIENT_FAILED = "the CDS client could not fetch it (OperationOutcome){rest}"


@dataclass
class Gathered:
    """The documents to read (position name -> document) and what each unread key means."""

    parts: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)
    entries_read: int = 0


class Missing(Exception):
    """A required key can be had neither from the prefetch nor from the FHIR server (the caller's 412)."""


@dataclass
class _Call:
    """What the gathering of one call needs: settings, the FHIR server, its token, the budget."""

    config: Any
    context: dict[str, Any]
    server: str | None
    token: str | None
    budget: Budget
    http: Any = None

    def fetchable(self) -> str | None:
        """Why the FHIR server cannot be used, or None."""
        if self.server is None:
            return "no fhirServer"
        if not host_allowed(self.server, self.config.fhir_allowed_hosts, self.config.allow_http_fhir):
            return "fhirServer not an allowed https host"
        return None

    def url(self, path: str) -> str:
        return str(self.server).rstrip("/") + "/" + path.lstrip("/")


def _outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def _entries(value: Any) -> list[Any] | None:
    """The entries of a Bundle (none when it has no ``entry``); None for anything else, left to the reader."""
    if not (isinstance(value, dict) and value.get("resourceType") == "Bundle"):
        return None
    entry = value.get("entry", [])
    return entry if isinstance(entry, list) else None


def _next(value: Any) -> str | None:
    links = value.get("link") if isinstance(value, dict) else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


async def gather(config: Any, request: dict[str, Any], templates: dict[str, str],
                 required: tuple[str, ...]) -> Gathered:
    """The record of one call: each template's key from prefetch, from the FHIR server, or named as absent."""
    auth = request.get("fhirAuthorization") or {}
    call = _Call(config, request.get("context") or {}, request.get("fhirServer"), auth.get("access_token"),
                 Budget.of(config.max_prefetch_bytes, config.fhir_max_seconds))
    prefetch = request.get("prefetch") or {}
    out = Gathered()
    try:
        for key, template in templates.items():
            value = await _key(call, key, template, prefetch.get(key, ...), key in required, out)
            if value is not None:
                _keep(call, key, template.split("?", 1)[0], value, out)
    finally:
        if call.http is not None:
            await call.http.aclose()
    return out


async def _fetch(call: _Call, url: str) -> Any:
    """One fetch on the call's HTTP client, made on first use (most calls fetch nothing)."""
    if call.http is None:
        call.http = client(call.config)
    return await fetch_json(call.http, url, call.token, call.budget)


async def _key(call: _Call, key: str, template: str, value: Any, required: bool, out: Gathered) -> Any:
    """The document of one key, its pages followed, or None with the reason noted."""
    resource, where = template.split("?", 1)[0], f"prefetch {key}"
    if value is ... or _outcome(value):
        why = call.fetchable() or ("its search has no value in the context" if fill(template, call.context) is None
                                   else None)
        if why is None:
            try:
                value = await _fetch(call, call.url(str(fill(template, call.context))))
            except FetchRefused as error:
                why = f"fetching it failed: {error}"
        if why is not None:
            if required:
                raise Missing(f"prefetch '{key}' was not provided and {why}")
            reason = (CLIENT_FAILED.format(rest=f"; not fetched: {why}") if _outcome(value)
                      else NOT_SENT.format(why=why))
            out.notes.append({"resource": resource, "where": where, "reason": reason})
            return None
    if value is None:
        out.notes.append({"resource": resource, "where": where, "reason": NONE_SENT})
        return None
    return await _pages(call, key, resource, value, out)


async def _pages(call: _Call, key: str, resource: str, value: Any, out: Gathered) -> Any:
    """A searchset with its "next" pages read into one Bundle, within the page and budget limits."""
    entries, link = _entries(value), _next(value)
    if entries is None or link is None:
        return value
    entries, pages, where = list(entries), 1, f"prefetch {key}"
    while link is not None:
        why = call.fetchable() or (None if on_server(link, str(call.server)) else "its next link is not on fhirServer")
        if why is None and pages >= call.config.fhir_max_pages:
            why = f"over the limit of {call.config.fhir_max_pages} pages"
        if why is None:
            try:
                page = await _fetch(call, link)
            except FetchRefused as error:
                why = str(error)
        if why is not None:
            out.notes.append({"resource": resource, "where": where,
                              "reason": f"pages after page {pages} not read ({why}): the record may hold more"})
            break
        entries += _entries(page) or []
        link, pages = _next(page), pages + 1
    return {**{k: v for k, v in value.items() if k != "link"}, "entry": entries}


def _keep(call: _Call, key: str, resource: str, value: Any, out: Gathered) -> None:
    """The document under its position name, cut to the entry limits (the rest named as not read)."""
    entries, where = _entries(value), f"prefetch {key}"
    if entries is not None:
        if _outcome_entry(entries):
            out.notes.append({"resource": resource, "where": where,
                              "reason": CLIENT_FAILED.format(rest=": the search may be incomplete")})
        if not entries:
            out.notes.append({"resource": resource, "where": where, "reason": NONE_FOUND})
            return
        room = min(call.config.prefetch_max_entries_per_key, call.config.prefetch_max_entries - out.entries_read)
        if len(entries) > room:
            out.notes.append({"resource": resource, "where": where,
                              "reason": f"entries {max(room, 0) + 1} to {len(entries)} not read (over the limit of "
                                        f"{call.config.prefetch_max_entries_per_key} per key and "
                                        f"{call.config.prefetch_max_entries} per call)"})
            value = {**value, "entry": entries[:max(room, 0)]}
        out.entries_read += min(len(entries), max(room, 0))
    out.parts[f"{where} entry"] = value


def _outcome_entry(entries: list[Any]) -> bool:
    """A searchset entry that is an OperationOutcome reporting an error (the client's partial failure)."""
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if _outcome(resource) and any(isinstance(i, dict) and i.get("severity") in ("error", "fatal")
                                      for i in resource.get("issue") or []):
            return True
    return False
