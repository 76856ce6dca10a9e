"""What the browser tests do with a page: wait for the findings to follow an answer, read them,
take full-page screenshots, wait for a download, and read the console for policy violations."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def updates(driver) -> int:
    return int(driver.find_element("tag name", "body").get_attribute("data-updates") or 0)


def wait_for(condition, timeout: float = 20.0, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def after_answer(driver, action, timeout: float = 20.0) -> float:
    """Do ``action`` (one answer) and wait until the findings were swapped in; the update time in ms
    as the page measured it (from sending the form to the end of the swap)."""
    before = updates(driver)
    action()
    wait_for(lambda: updates(driver) > before, timeout, "the findings to update")
    wait_for(lambda: driver.execute_script("return document.body.getAttribute('data-updates')") is not None)
    return float(driver.find_element("tag name", "body").get_attribute("data-update-ms"))


def panel(driver) -> dict:
    """The findings panel as data: the rules of the points (in order) and the missing fields."""
    return driver.execute_script("""
        const p = document.getElementById('findings');
        return {rules: [...p.querySelectorAll('[data-rule]')].map(e => e.dataset.rule),
                missing: [...p.querySelectorAll('[data-missing]')].map(e => e.dataset.missing),
                text: p.innerText};""")


def questions(driver) -> list[str]:
    """The fields the form asks now, in order."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#questions .q')].map(e => e.id.slice(2));")


def screenshot(driver, path: Path) -> Path:
    """The whole page (beyond the window) as a PNG."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def downloaded(folder: Path, name: str, timeout: float = 60.0) -> Path:
    path = folder / name
    wait_for(lambda: path.exists() and not (folder / (name + ".crdownload")).exists() and path.stat().st_size > 0,
             timeout, f"the download {name}")
    time.sleep(0.2)
    return path


def policy_violations(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def page_weight(driver) -> dict:
    """Bytes of the page's HTML, CSS and JS as the browser received them (Navigation and Resource Timing)."""
    return driver.execute_script("""
        const nav = performance.getEntriesByType('navigation')[0];
        const out = {html: nav.decodedBodySize, css: 0, js: 0, other: 0};
        for (const r of performance.getEntriesByType('resource')) {
          const kind = r.name.endsWith('.css') ? 'css' : r.name.endsWith('.js') ? 'js' : 'other';
          out[kind] += r.decodedBodySize;
        }
        return out;""")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cryoelig", *args], capture_output=True, cwd=ROOT, timeout=300,
                          check=False)


def cli_report(case: Path) -> dict:
    done = cli("check", str(case), "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)
