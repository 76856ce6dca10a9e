"""The printable report rendered by a real browser: headless Chromium when it is installed.

The DOM Chromium builds is stripped to its visible text and checked for every section of
the report; a screenshot is kept under tests/artifacts/ (gitignored) for a person to look at.
Skipped cleanly when no Chromium is found (.ci/run installs it from the system packages).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cryoelig.readers import read_case
from cryoelig.render.html import to_html
from cryoelig.report import build_report

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


BROWSER = chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed")


def browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    return subprocess.run([BROWSER, *flags, *extra, page.as_uri()], capture_output=True, text=True,
                          timeout=120, check=False)


def visible_text(dom: str) -> str:
    dom = re.sub(r"<(style|script|head)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())


def test_report_renders_in_chromium(pack, tmp_path):
    report = build_report(read_case(str(ROOT / "examples" / "bone-repeat.yaml")), pack)
    labels = {name: spec.label for name, spec in pack.fields.items()}
    page = tmp_path / "report.html"
    page.write_text(to_html(report, labels=labels, why_not=True), encoding="utf-8")

    dumped = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    text = visible_text(dumped.stdout)
    expected = [
        "Points to discuss with the multidisciplinary team", f"Case {report.case_id}",
        report.disclaimer, "Case facts", "Worst pain (0 to 10)", "Points supporting discussion (1)",
        "Points for caution (1)", "Context (7)", "Missing information (6)", "Rules that did not apply",
        f"Rule pack {report.pack.name} {report.pack.version}, sha256 {report.pack.sha256}",
    ]
    expected += [" ".join(f.text.split()) for f in report.findings]
    expected += [" ".join(s.quote.split()) for f in report.findings for s in f.sources]
    expected += [m.label for m in report.missing]
    for snippet in expected:
        assert snippet in text, snippet

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-bone-repeat.png"
    shot.unlink(missing_ok=True)
    taken = browse(page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,2000",
                   "--hide-scrollbars")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page is a few kB
