"""The printable report rendered by a real browser: headless Chromium when it is installed.

The DOM Chromium builds is stripped to its visible text and checked for every section of
the report; screenshots are kept under tests/artifacts/ (gitignored) for a person to look at,
one at 1200 px and one at a phone's 420 px, where the page is also measured: nothing wider
than the viewport, and no word of the footer broken across lines.
Skipped cleanly when no Chromium is found (.ci/run installs it from the system packages).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cryoelig.facade import review
from cryoelig.inputs import read_case
from cryoelig.render.html import to_html

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
    report = review(read_case(str(ROOT / "examples" / "bone-repeat.yaml"), pack), pack, use_engine=False).report
    labels = {name: spec.label for name, spec in pack.fields.items()}
    page = tmp_path / "report.html"
    page.write_text(to_html(report, labels=labels, why_not=True), encoding="utf-8")

    dumped = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    text = visible_text(dumped.stdout)
    expected = [
        "Points to discuss with the multidisciplinary team", f"Case {report.case_id}",
        report.disclaimer, "Case facts", "Worst pain (0 to 10)", "Documented factors present (1)",
        "Points of caution (1)", "Background from the source (7)", "Information not given (6)",
        "Rules that did not apply", "For any site:",
        f"Rule pack {report.pack.name} {report.pack.version}, sha256 {report.pack.sha256}",
        "Source: \u201cCryosurgery in Metastatic Bone Tumors\u201d (a treatment clinic's website, date not given): "
        "a clinic's web article, not a clinical guideline",
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


# The report inside an iframe 420 px wide (a window cannot be made narrower than 500 px here): the
# page's own media queries see 420 px. The measuring script runs in the outer page (a srcdoc frame
# shares its origin), so the report itself keeps its Content-Security-Policy and runs no script.
NARROW = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body {{ margin: 0 }}
iframe {{ width: {width}px; height: 2600px; border: 0; display: block }}</style></head><body>
<iframe id="page" srcdoc="{page}"></iframe>
<script>
window.addEventListener('load', () => {{
  const doc = document.getElementById('page').contentDocument;
  const view = doc.documentElement.clientWidth;
  const right = sel => [...doc.querySelectorAll(sel)].reduce(
    (m, el) => Math.max(m, el.getBoundingClientRect().right), 0);
  const broken = [];
  const walker = doc.createTreeWalker(doc.querySelector('footer'), NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {{
    for (const m of text.textContent.matchAll(/\\S+/g)) {{
      if (/^[0-9a-f]{{64}}$/.test(m[0])) continue;  // the hash may break anywhere
      const range = doc.createRange();
      range.setStart(text, m.index);
      range.setEnd(text, m.index + m[0].length);
      if (range.getClientRects().length > 1) broken.push(m[0]);
    }}
  }}
  const out = document.createElement('pre');
  out.id = 'measure';
  out.textContent = JSON.stringify({{view, scroll: doc.documentElement.scrollWidth, page: right('body *'),
                                     facts: right('#facts *'), broken}});
  document.body.appendChild(out);
}});
</script></body></html>"""


def test_report_at_420_px_fits_the_screen_and_breaks_no_word(pack, tmp_path):
    """Issue 9: at 420 px the facts table overflowed, and the footer broke a word ("report schem / a
    version 1"); only the hash may now break anywhere."""
    report = review(read_case(str(ROOT / "examples" / "bone-repeat.yaml"), pack), pack, use_engine=False).report
    labels = {name: spec.label for name, spec in pack.fields.items()}
    page = tmp_path / "narrow.html"
    page.write_text(NARROW.format(width=420, page=html.escape(to_html(report, labels=labels, why_not=True))),
                    encoding="utf-8")

    dumped = browse(page, tmp_path / "profile-narrow", "--window-size=500,2600", "--virtual-time-budget=5000",
                    "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    found = re.search(r'<pre id="measure">(.*?)</pre>', dumped.stdout, re.S)
    assert found, dumped.stdout[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    assert 380 <= measured["view"] <= 420, measured
    assert measured["scroll"] <= measured["view"], measured
    assert measured["facts"] <= measured["view"] + 0.5 and measured["page"] <= measured["view"] + 0.5, measured
    assert measured["broken"] == [], measured

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-bone-repeat-420px.png"
    shot.unlink(missing_ok=True)
    taken = browse(page, tmp_path / "profile-narrow-shot", f"--screenshot={shot}", "--window-size=500,2600",
                   "--hide-scrollbars")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_only_the_hash_may_break_anywhere():
    from cryoelig.render.html import CSS

    assert "break-all" not in CSS and "footer .hash { overflow-wrap: anywhere; }" in CSS
