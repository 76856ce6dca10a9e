"""Fixtures for the service tests: a real uvicorn on 127.0.0.1, a FHIR stub server, a test client."""

from __future__ import annotations

import json
import os
import socket
import ssl
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


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate it signs for 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cryoelig test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class FhirStub:
    """A tiny FHIR server on loopback: answers GET <type>?... with the searchset Bundle set for <type>,
    or a page set for the exact path; over TLS when given a certificate and key."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.bundles: dict[str, dict] = {}
        self.pages: dict[str, dict] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.jwks: dict | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                stub.requests.append((self.path, self.headers.get("Authorization")))
                if self.path == "/jwks" and stub.jwks is not None:
                    payload = stub.jwks
                elif self.path in stub.pages:
                    payload = stub.pages[self.path]
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
        if tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def fhir_stub() -> Iterator[FhirStub]:
    """A FHIR server over plain http (what the service refuses unless --allow-http-fhir)."""
    stub = FhirStub()
    yield stub
    stub.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path, Path]:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def https_stub(tls_files) -> Iterator[FhirStub]:
    """A FHIR server over https, its certificate signed by the test CA (``tls_files[0]``)."""
    stub = FhirStub(tls=(tls_files[1], tls_files[2]))
    yield stub
    stub.close()


class LiveServer:
    """`cryoelig serve` on a free loopback port; ``nofile``: the server process's limit on open files;
    ``ca``: the CA of its certificate, when it serves https (``--ssl-certfile``)."""

    def __init__(self, args: list[str], log: Path, nofile: int | None = None, ca: Path | None = None):
        self.port = free_port()
        self.url = f"{'https' if ca else 'http'}://127.0.0.1:{self.port}"
        self.verify = ssl.create_default_context(cafile=str(ca)) if ca else True
        self.log = log
        env = dict(os.environ, PYTHONUNBUFFERED="1")

        def limit_files() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

        self.process = subprocess.Popen(
            [sys.executable, "-m", "cryoelig", "serve", "--port", str(self.port), *args],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT, env=env,
            preexec_fn=limit_files if nofile else None)  # noqa: PLW1509 - a limit for the child only
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1, verify=self.verify).status_code == 200:
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
