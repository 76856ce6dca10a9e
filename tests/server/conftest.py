"""Fixtures for the service tests: a real uvicorn on 127.0.0.1, a FHIR stub server, a test client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FhirStub:
    """A tiny FHIR server on loopback: answers GET <type>?... with the searchset Bundle set for <type>."""

    def __init__(self) -> None:
        self.bundles: dict[str, dict] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.jwks: dict | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                stub.requests.append((self.path, self.headers.get("Authorization")))
                if self.path == "/jwks" and stub.jwks is not None:
                    payload = stub.jwks
                else:
                    rtype = self.path.lstrip("/").split("?", 1)[0].rsplit("/", 1)[-1]
                    payload = stub.bundles.get(rtype, {"resourceType": "Bundle", "type": "searchset", "entry": []})
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fhir_stub() -> Iterator[FhirStub]:
    stub = FhirStub()
    yield stub
    stub.close()


class LiveServer:
    def __init__(self, args: list[str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cryoelig", "serve", "--port", str(self.port), *args],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not answer /healthz in 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, fhir_stub) -> Iterator[LiveServer]:
    pytest.importorskip("uvicorn")
    server = LiveServer(["--fhir-allowed-host", f"127.0.0.1:{fhir_stub.port}", "--max-body-bytes", "200000"],
                        tmp_path_factory.mktemp("server") / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app

    return TestClient(create_app())
