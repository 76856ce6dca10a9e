"""The summary page and the rule graph rendered by a real browser: headless Chromium when installed.

Chromium's DOM is checked for the figures and their numbers, and the screenshots are kept
under tests/artifacts/ (gitignored) for a person to look at. The pixels are checked too: the
kind colours of the bars and of the graph's factors are on the screen, so the SVGs were drawn.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from csvmix import write_mixed_csv
from summary_page_tools import parse_tables, visible_text

from cryoelig.render.kinds import KIND_COLOURS, KIND_TINTS

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
                          timeout=180, check=False)


def screenshot(page: Path, profile: Path, name: str, size: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    taken = browse(page, profile, f"--screenshot={shot}", f"--window-size={size}", "--hide-scrollbars")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return shot


def colour_pixels(shot: Path, colours: dict[str, str]) -> dict[str, int]:
    """How many pixels of each colour (within a small tolerance) the screenshot has."""
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    wanted = {k: tuple(int(v[i:i + 2], 16) for i in (1, 3, 5)) for k, v in colours.items()}
    found = dict.fromkeys(colours, 0)
    for (r, g, b), n in ((rgb, n) for n, rgb in image.getcolors(maxcolors=1 << 24)):
        for key, (wr, wg, wb) in wanted.items():
            if abs(r - wr) <= 3 and abs(g - wg) <= 3 and abs(b - wb) <= 3:
                found[key] += n
    return found



def test_summary_page_renders_in_chromium(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")  # matplotlib's own dependency
    src = tmp_path / "cases.csv"
    write_mixed_csv(src, 300, seed=5)
    page = tmp_path / "summary.html"
    done = subprocess.run([sys.executable, "-c", "from cryoelig.cli import main; main()", "batch", str(src),
                           "--out", str(tmp_path / "r.jsonl"), "--summary", str(tmp_path / "s.json"),
                           "--summary-html", str(page), "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    summary = json.loads((tmp_path / "s.json").read_text())

    dumped = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert dom.count("<svg") == page.read_text().count("<svg")  # every figure is in the DOM Chromium built
    text = visible_text(dom)
    c = summary["counts"]
    for snippet in ("Batch summary: points to discuss, by site", "Cases per site", "Factors raised, per site",
                    "Missing information that blocks points", "Errors by reason", "Errors by field",
                    f"Cases per site (n = {c['results']} results): numbers", "Rows read = results + errors"):
        assert snippet in text, snippet
    tables = parse_tables(dom).tables  # the tables as the browser parsed them
    assert {r[0]: int(r[1]) for r in tables["t-sites"]["rows"]} == summary["sites"]
    assert {r[0]: int(r[2]) for r in tables["t-missing"]["rows"]} == summary["missing"]

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(page, ARTIFACTS / "summary-page.html")
    shot = screenshot(page, tmp_path / "profile-shot", "summary-page.png", "1280,9800")
    assert shot.stat().st_size > 100_000  # a blank page is a few kB
    seen = colour_pixels(shot, KIND_COLOURS)
    assert all(n > 2_000 for n in seen.values()), seen  # bars of every kind were drawn


def test_rule_graph_renders_in_chromium(tmp_path: Path, pack) -> None:  # noqa: ANN001
    pytest.importorskip("PIL")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (.ci/run installs it)")
    from cryoelig.render.rule_graph import rule_graph_svg

    svg = tmp_path / "graph.svg"
    svg.write_text(rule_graph_svg(pack), encoding="utf-8")
    dumped = browse(svg, tmp_path / "profile-dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    for rule in pack.rules:
        assert f">{rule.id}<" in dumped.stdout, rule.id
    shot = screenshot(svg, tmp_path / "profile-shot", "rule-graph.png", "1200,2450")
    seen = colour_pixels(shot, KIND_TINTS)
    assert all(n > 2_000 for n in seen.values()), seen  # factors of every kind, filled in their colour
