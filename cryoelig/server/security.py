"""The headers every response carries: a strict Content-Security-Policy and its companions.

Why on every response: a hospital network may have no internet and the project's pages load
nothing from elsewhere; a JSON answer opened in a browser runs nothing at all. The policy is
``default-src 'none'`` unless a route says otherwise: an HTML report may apply only its own
inline ``<style>`` blocks (allowed by their sha256, not by 'unsafe-inline'), and the API
documentation page (``docs.py``) may load its scripts, styles and the OpenAPI document from
this service only. Answers hold case facts: no cache may keep them, no referrer leaks a path.
"""

from __future__ import annotations

import base64
import hashlib
import re

#: The end of every policy: no <base>, no form posts, never framed.
_TAIL = "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
STRICT = f"default-src 'none'; {_TAIL}"
DOCS = (f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"{_TAIL}")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)

#: Added to a response that does not set the header itself (``guard.py``).
DEFAULTS = (
    (b"content-security-policy", STRICT.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


def page_policy(page: str) -> str:
    """The policy of a self-contained page: its inline styles by hash, nothing else."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
                     for m in _STYLE.finditer(page)})
    styles = f"style-src {' '.join(hashes)}; " if hashes else ""
    return f"default-src 'none'; {styles}{_TAIL}"


def page_headers(page: str) -> dict[str, str]:
    return {"content-security-policy": page_policy(page)}
