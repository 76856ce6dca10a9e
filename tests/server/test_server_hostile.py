"""The hostile-input corpus of the command line (tests/hostile/corpus.py) sent over real HTTP.

Every attack that is one case document given to `check`, `report` or `explain` is posted as the
body of /api/v1/check (report: ?format=html) or /api/v1/explain, as JSON or YAML by the file's
suffix. The same promises as on the command line: exit code 2 there is a 4xx here with one-line
problems and the corpus's expected words; exit code 0 is a 200; never a 5xx, a traceback, a
planted identifier or a control character in the answer or in the server's log.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from conftest import ROOT, LiveServer  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import corpus  # noqa: E402
from harness import PLANTED  # noqa: E402

ROUTES = {"check": "/api/v1/check", "report": "/api/v1/check?format=html", "explain": "/api/v1/explain"}
TYPES = {".json": "application/json", ".yaml": "application/yaml"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def over_http() -> list[corpus.Attack]:
    """The attacks that are one case document (no FIFO, device, stdin, closed stdout or batch)."""
    chosen = []
    for attack in corpus.attacks():
        name = attack.args[1] if len(attack.args) > 1 else ""
        content = attack.files.get(name)
        if (attack.args[0] in ROUTES and isinstance(content, str) and not content.startswith("->")
                and content != "fifo" and name[name.rfind("."):] in TYPES and attack.stdin is None
                and attack.stdout == "pipe"):
            chosen.append(attack)
    return chosen


ATTACKS = over_http()


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory) -> Iterator[LiveServer]:
    """A server with the default body limit (2 MiB), so that each attack reaches the input layer."""
    pytest.importorskip("uvicorn")
    server = LiveServer([], tmp_path_factory.mktemp("corpus") / "server.log")
    yield server
    server.stop()


def test_the_corpus_has_attacks_of_every_class_that_fits_http():
    assert len(ATTACKS) >= 25
    assert {a.cls for a in ATTACKS} >= {"crash", "blowup", "echo", "terminal", "grammar"}


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_a_hostile_case_document_over_http(corpus_server, attack):
    name = attack.args[1]
    body = attack.files[name]
    response = httpx.post(corpus_server.url + ROUTES[attack.args[0]], content=body.encode("utf-8"),
                          headers={"content-type": TYPES[name[name.rfind("."):]]}, timeout=60)
    text = response.text
    assert response.status_code < 500, text[:500]
    if attack.codes == (0,):
        assert response.status_code == 200, text[:500]
    elif 0 not in attack.codes:
        assert 400 <= response.status_code < 500, text[:500]
        problems = response.json()["problems"]
        assert problems and all("\n" not in p["message"] and "\r" not in p["message"] for p in problems)
        for expected in attack.err_has:
            assert expected in text, (expected, text[:500])
    for secret in (*PLANTED, *attack.err_lacks):
        assert secret not in text, secret
    assert "Traceback" not in text and not _CONTROL.search(text.replace("\n", ""))


def test_the_log_holds_no_planted_identifier_and_no_traceback(corpus_server):
    echo = [a for a in ATTACKS if a.cls in ("echo", "terminal")]
    for attack in echo:
        name = attack.args[1]
        httpx.post(corpus_server.url + ROUTES[attack.args[0]], content=attack.files[name].encode("utf-8"),
                   headers={"content-type": TYPES[name[name.rfind("."):]]}, timeout=60)
    log = corpus_server.log_text()
    assert log.count("access: POST /api/v1/check 422") >= len(echo) - 1, log[-2000:]  # the log is read
    assert "Traceback" not in log
    for secret in PLANTED:
        assert secret not in log
