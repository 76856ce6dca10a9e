"""The service's pages in headless Chromium: /docs works with no internet and no page breaks its
own Content-Security-Policy.

Chromium runs with every host name but 127.0.0.1 unresolvable, so a page that needed a CDN would
not render; it logs each Content-Security-Policy violation to stderr ("violates the following
Content Security Policy"), which the control test shows. Skipped when Chromium is not installed
(.ci/run installs it from the system packages).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed")
VIOLATION = "violates the following Content Security Policy"
KIDNEY = {"case_id": "k-1", "site": "kidney", "tumor": {"size_cm": 3.9}, "overall_health": "good"}


def browse(url: str, profile: Path) -> tuple[str, str]:
    """The DOM after scripts ran, and Chromium's log (console messages included)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--enable-logging=stderr", "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
             "--virtual-time-budget=20000", f"--user-data-dir={profile}", "--dump-dom", url]
    done = subprocess.run([BROWSER, *flags], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def serve_once(body: str, headers: dict[str, str]) -> ThreadingHTTPServer:
    """A loopback server answering every GET with this body and these headers."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            data = body.encode("utf-8")
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_violation_log_is_seen(tmp_path):
    """Control: a page that breaks its policy is reported, so the absence below means something."""
    server = serve_once("<!DOCTYPE html><p style=\"color:red\">x</p><script>document.title='x'</script>",
                        {"Content-Type": "text/html", "Content-Security-Policy": "default-src 'none'"})
    try:
        _, log = browse(f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "profile")
    finally:
        server.shutdown()
    assert VIOLATION in log


def test_docs_render_from_the_package_with_no_internet_and_no_violation(live_server, tmp_path):
    response = httpx.get(live_server.url + "/docs")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    assert "http" not in response.text  # no asset from elsewhere
    dom, log = browse(live_server.url + "/docs", tmp_path / "profile")
    for path in ("/api/v1/check", "/api/v1/explain", "/api/v1/pack", "/cds-services", "/healthz"):
        assert f'data-path="{path}"' in dom, path  # Swagger UI ran and read /openapi.json
    assert VIOLATION not in log


def test_the_html_report_keeps_the_policy_it_is_served_with(live_server, tmp_path):
    """The report page's inline styles are allowed by hash (no 'unsafe-inline') and nothing else runs."""
    response = httpx.post(live_server.url + "/api/v1/check?format=html", json=KIDNEY)
    policy = response.headers["content-security-policy"]
    assert "style-src 'sha256-" in policy and "unsafe" not in policy and "script-src" not in policy
    server = serve_once(response.text, {"Content-Type": "text/html; charset=utf-8",
                                        "Content-Security-Policy": policy})
    try:
        dom, log = browse(f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "profile")
    finally:
        server.shutdown()
    assert "Points to discuss with the multidisciplinary team" in dom
    assert VIOLATION not in log
