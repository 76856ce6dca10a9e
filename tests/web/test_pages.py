"""The browser pages without a browser: what the server sends for each form, in-process.

The same answers give the same messages and refusals as the terminal checklist; a refused value
is never sent back; every page carries a strict policy and has nothing inline to allow; the
downloads are the CLI's; the colours meet WCAG AA (the figures in site.css are computed here).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from cryoelig.rulepack.load import load_pack  # noqa: E402
from cryoelig.views.checklist import AnswerError, parse_answer  # noqa: E402
from cryoelig.views.questions import questions_for  # noqa: E402

FORM = {"content-type": "application/x-www-form-urlencoded"}
WEB = resources.files("cryoelig.web")


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from cryoelig.server.app import create_app

    return TestClient(create_app())


def post(client, path: str, pairs: list[tuple[str, str]]):
    from urllib.parse import urlencode

    return client.post(path, content=urlencode(pairs), headers=FORM)


class Inline(HTMLParser):
    """Collects what a strict policy would block: inline scripts, style attributes and blocks, on*
    handlers, and any URL to another host."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.labels: set[str] = set()
        self.inputs: list[tuple[str, str | None]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attrs
            if "src" not in attrs:
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> block")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"handler {name}")
            if name == "style":
                self.found.append("style attribute")
            outside = value and re.match(r"(?i)\s*(https?:|//|javascript:)", value)
            if name in ("src", "href", "action", "formaction") and outside:
                self.found.append(f"outside URL {value}")
        if tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.inputs.append((attrs.get("id") or "", attrs.get("type")))


def inspect(page: str) -> Inline:
    parser = Inline()
    parser.feed(page)
    return parser


PAGES = ["/", "/checklist?site=kidney", "/checklist?site=bone", "/explore", "/explore/rules/kidney.size-under-4cm",
         "/explore/sources/cryosurgery-metastatic-bone-tumors", "/explore/scenarios/bone-repeat-regrowth"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_policy_and_nothing_inline(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert inspect(response.text).found == []


def test_the_inline_check_can_fail():
    found = inspect('<p style="x" onclick="y"><script>z</script><style></style><a href="https://cdn.example">')
    assert len(found.found) == 5


@pytest.mark.parametrize("site", ["kidney", "bone", "prostate", "skin"])
def test_every_input_has_a_label(client, site):
    """A text field has a <label for>; a radio or checkbox sits inside its <label> (checked here by
    the template: each choice is written as <label class="choice"><input ...>)."""
    page = client.get(f"/checklist?site={site}").text
    parsed = inspect(page)
    for input_id, kind in parsed.inputs:
        if kind in ("radio", "checkbox"):
            wrapped = rf'<label class="choice"><input type="{kind}"[^>]* id="{re.escape(input_id)}"'
            assert re.search(wrapped, page), input_id
        else:
            assert input_id in parsed.labels, input_id
    assert len(parsed.inputs) > 10


def test_templates_never_mark_text_safe():
    for template in (WEB / "templates").iterdir():
        text = template.read_text()
        assert "|safe" not in text.replace(" ", "") and "Markup" not in text, template.name


def test_questions_are_re_derived_from_the_answers(client):
    """Repetition is a point at bone only (pack 0.2.0): the bone form asks regrowth after a prior cryoablation."""
    base = [("site", "bone"), ("case_id", "t-1")]
    asked = post(client, "/checklist/update", base + [("history.prior_cryoablation", "yes")]).text
    assert 'id="q-history-regrowth"' in asked
    not_asked = post(client, "/checklist/update", base + [("history.prior_cryoablation", "no")]).text
    assert 'id="q-history-regrowth"' not in not_asked and "history.regrowth" in not_asked  # listed as not asked
    # the form asks what the terminal asks: the same questions for the site
    pack = load_pack(None)
    fresh = client.get("/checklist?site=prostate").text
    for q in questions_for(pack, "prostate"):
        assert f'id="q-{q.field.replace(".", "-")}"' in fresh


@pytest.mark.parametrize(("field", "typed"), [("tumor.size_cm", "abc"), ("tumor.size_cm", "400"),
                                               ("tumor.size_cm", "3 inch")])
def test_a_refused_answer_has_the_terminal_message_and_is_not_sent_back(client, field, typed):
    pack = load_pack(None)
    question = next(q for q in questions_for(pack, "kidney") if q.field == field)
    with pytest.raises(AnswerError) as refused:
        parse_answer(question, typed)
    page = post(client, "/checklist", [("site", "kidney"), ("case_id", "t-1"), (field, typed)]).text
    assert f"Not accepted: {refused.value}" in page.replace("&#39;", "'")
    assert f'value="{typed}"' not in page


@pytest.mark.parametrize("label", ["Jane-Doe", "MRN-00123456", "1980-03-04", "NHS-943-476-5919"])
def test_an_identifying_case_label_is_refused_and_never_echoed(client, label):
    for path in ("/checklist", "/checklist/update", "/checklist/download/report.html", "/explore/case"):
        response = post(client, path, [("site", "kidney"), ("case_id", label), ("tumor.size_cm", "2")])
        assert label not in response.text, path
        assert label.replace("-", "") not in response.text.replace("-", ""), path
    page = post(client, "/checklist", [("site", "kidney"), ("case_id", label)]).text
    assert "identifying data is refused (value not shown)" in page


def test_hostile_text_is_escaped_or_refused(client):
    hostile = '"><script>alert(1)</script>'
    pairs = [("site", "kidney"), ("case_id", hostile), ("tumor.size_cm", hostile), ("treatments", hostile),
             ("overall_health", hostile), ("unknown", hostile)]
    for path in ("/checklist", "/checklist/update"):
        page = post(client, path, pairs).text
        assert "<script>alert" not in page and "alert(1)" not in page
    pasted = post(client, "/explore/case", [("case_text", json.dumps({"case_id": "x-1", "site": "kidney",
                                                                      "notes": hostile}))]).text
    assert "<script>alert" not in pasted


def test_a_pasted_case_with_an_identifier_is_refused_without_the_value(client):
    text = "case_id: x-1\nsite: kidney\nnotes: seen by Dr Jane Smith, MRN 12345678\n"
    response = post(client, "/explore/case", [("case_text", text)])
    assert response.status_code == 422
    assert "12345678" not in response.text and "Jane Smith" not in response.text
    assert "notes" in response.text


def test_downloads_are_the_cli_outputs(client, tmp_path):
    import subprocess
    import sys

    import yaml

    pairs = [("site", "kidney"), ("case_id", "dl-1"), ("tumor.size_cm", "39 mm"), ("overall_health", "good"),
             ("concerns.near_nerves", "no")]
    case = post(client, "/checklist/download/case.yaml", pairs)
    assert case.status_code == 200 and case.headers["content-disposition"] == 'attachment; filename="dl-1.yaml"'
    data = yaml.safe_load(case.text)
    assert data == {"case_id": "dl-1", "site": "kidney", "tumor": {"size_mm": 39}, "overall_health": "good",
                    "concerns": {"near_nerves": False}}
    assert json.loads(post(client, "/checklist/download/case.json", pairs).text) == data
    path = tmp_path / "dl-1.yaml"
    path.write_text(case.text)
    for name, fmt in (("report.md", "markdown"), ("report.html", "html")):
        body = post(client, f"/checklist/download/{name}", pairs).content
        done = subprocess.run([sys.executable, "-m", "cryoelig", "report", str(path), "--format", fmt],
                              capture_output=True, check=True)
        assert body == done.stdout, name


def test_downloads_need_a_label_and_accepted_answers(client):
    missing = post(client, "/checklist/download/case.yaml", [("site", "kidney")])
    assert missing.status_code == 422 and "Give an accepted case label first" in missing.text
    refused = post(client, "/checklist/download/case.yaml", [("site", "kidney"), ("case_id", "a-1"),
                                                             ("tumor.size_cm", "big")])
    assert refused.status_code == 422 and "Some answers are not accepted" in refused.text


def test_unknown_is_always_an_answer(client):
    pack = load_pack(None)
    page = client.get("/checklist?site=bone").text
    for q in questions_for(pack, "bone"):
        assert f'id="f-{q.field.replace(".", "-")}-unknown"' in page, q.field
    answered = post(client, "/checklist", [("site", "bone"), ("case_id", "u-1"), ("unknown", "symptoms.pain_score"),
                                           ("tumor.metastatic", "unknown")]).text
    assert 'id="f-symptoms-pain_score-unknown" value="symptoms.pain_score" checked' in answered


def test_what_if_shows_the_points_that_change(client):
    case = json.dumps({"case_id": "w-1", "site": "kidney", "tumor": {"size_cm": 3.9}})
    page = post(client, "/explore/whatif", [("case", case), ("field", "tumor.size_cm"), ("value", "4.5")]).text
    raised = page[page.index('id="raised"'):page.index('id="dropped"')]
    dropped = page[page.index('id="dropped"'):page.index('id="changed"')]
    assert 'data-rule="kidney.size-4cm-or-more"' in raised and 'data-rule="kidney.size-under-4cm"' in dropped
    same = post(client, "/explore/whatif", [("case", case), ("field", "tumor.size_cm"), ("value", "3.9")]).text
    assert 'id="no-change"' in same
    refused = post(client, "/explore/whatif", [("case", case), ("field", "case_id"), ("value", "x")])
    assert refused.status_code == 422


def test_unknown_pages_are_404_without_the_name(client):
    for path in ("/explore/rules/Jane_Doe", "/explore/sources/nope", "/explore/scenarios/nope"):
        response = client.get(path)
        assert response.status_code == 404 and "Jane_Doe" not in response.text


@pytest.mark.parametrize("site", ["kidney", "bone", "prostate"])
def test_checklist_page_weight_is_under_100_kb(client, site):
    pack = load_pack(None)
    pairs = [("site", site), ("case_id", "w-1")] + [("unknown", q.field) for q in questions_for(pack, site)]
    page = post(client, "/checklist", pairs).content
    css, js = (client.get(f"/static/{name}").content for name in ("site.css", "checklist.js"))
    assert len(page) + len(css) + len(js) < 100_000


# ---------------------------------------------------------------- colours

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula_can_fail():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0 and contrast("#777777", "#ffffff") < 4.5


def test_text_colours_meet_wcag_aa_and_the_stated_ratios():
    css = (WEB / "static" / "site.css").read_text()
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))
    for name in ("ink", "muted", "link", "supporting", "caution", "context", "missing", "refused"):
        assert contrast(colours[name], colours["paper"]) >= 4.5, name
        assert contrast(colours[name], colours["soft"]) >= 4.5, name  # header and table heads
    assert contrast(colours["ink"], colours["mark"]) >= 4.5
    assert contrast(colours["focus"], colours["paper"]) >= 3  # a visible focus ring (non-text contrast)
    assert contrast("#ffffff", colours["link"]) >= 4.5  # white text on the buttons
    stated = [found for found in re.findall(r"([a-z]+) (#[0-9a-f]{6}) (\d+\.\d):1", css.split("*/")[0])
              if found[0] != "mark"]
    assert len(stated) == 8
    for name, colour, ratio in stated:
        assert colours[name] == colour and abs(contrast(colour, "#ffffff") - float(ratio)) < 0.06, name
    assert "#fff1a8 14.5:1" in css and round(contrast(colours["ink"], colours["mark"]), 1) == 14.5


def test_a_print_stylesheet_hides_the_form_and_keeps_the_findings():
    css = (WEB / "static" / "site.css").read_text()
    printed = css[css.index("@media print"):]
    assert "#questions" in printed and ".downloads" in printed and ".findings" in printed


def test_the_script_is_small_and_served_from_the_package(client):
    response = client.get("/static/checklist.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert "http" not in response.text.split("*/", 1)[1]  # fetches only this service
    assert len(response.content) < 5000


def test_answers_are_not_in_the_service_log(tmp_path):
    """A real uvicorn: the form's answers and the case label appear nowhere in its log."""
    pytest.importorskip("uvicorn")
    import httpx

    from tests.server.conftest import LiveServer

    server = LiveServer([], tmp_path / "server.log")
    try:
        for path in ("/checklist", "/checklist/update", "/checklist/download/case.yaml", "/explore/case"):
            httpx.post(server.url + path, content="site=kidney&case_id=zz-secret-label&tumor.size_cm=3.71",
                       headers=FORM)
    finally:
        server.stop()
    log = Path(server.log).read_text()
    assert "POST /checklist/update 200" in log  # the log is written, with the path only
    assert "zz-secret-label" not in log and "3.71" not in log


def test_the_rule_graph_picture_is_shown_when_the_figures_can_draw_it(client):
    from cryoelig.web.pageviews import rule_graph

    drawn = rule_graph(load_pack(None))
    page = client.get("/explore").text
    picture = client.get("/explore/graph.svg")
    if drawn is None:  # no Graphviz here (CI installs it): the page goes without the picture
        assert 'class="graph"' not in page and picture.status_code == 404
        return
    assert '<img class="graph" src="/explore/graph.svg"' in page
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in picture.text and "kidney.size&#45;under&#45;4cm" in picture.text  # Graphviz escapes "-"
