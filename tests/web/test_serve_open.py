"""`cryoelig serve --open`: the browser is opened on the checklist page once the service answers,
through Python's webbrowser (here a BROWSER command that notes the URL); without a browser the
service runs on."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from tests.server.conftest import ROOT, free_port  # noqa: E402


def serve(port: int, browser: str, log) -> subprocess.Popen:
    env = dict(os.environ, BROWSER=browser, PYTHONUNBUFFERED="1")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.Popen([sys.executable, "-m", "cryoelig", "serve", "--port", str(port), "--open"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_open_shows_the_checklist_page_once_the_service_answers(tmp_path):
    noted = tmp_path / "opened.txt"
    opener = tmp_path / "browser.sh"
    opener.write_text(f'#!/bin/sh\ncurl -s -o /dev/null -w "%{{http_code}} " "$1" > {noted}.tmp 2>/dev/null; '
                      f'echo "$1" >> {noted}.tmp; mv {noted}.tmp {noted}\n')
    opener.chmod(0o755)
    port = free_port()
    with (tmp_path / "log").open("wb") as log:
        process = serve(port, f"{opener} %s", log)
        try:
            deadline = time.monotonic() + 90
            while not noted.exists() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
            assert noted.exists(), (tmp_path / "log").read_text()
            status, url = noted.read_text().split()
            assert url == f"http://127.0.0.1:{port}/"
            assert status in ("200", "000")  # 000: no curl here; the URL is the point
            assert httpx.get(url).status_code == 200
        finally:
            stop(process)


def test_open_without_a_browser_is_harmless(tmp_path):
    port = free_port()
    with (tmp_path / "log").open("wb") as log:
        process = serve(port, "/nonexistent/browser %s", log)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            time.sleep(1.5)  # the opener has run and failed by now
            assert process.poll() is None
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        finally:
            stop(process)
    assert "Traceback" not in (tmp_path / "log").read_text()
