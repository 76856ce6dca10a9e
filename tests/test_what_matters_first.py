"""Issue 22, deliverable 3: what matters first. A headline counting the documented factors, the cautions and
the published-scale bands at a threshold their paper names (from the pack's data), in every form; the
background every case of a site gets in one line; `check` on one 80x25 screen, `--full` for everything; the
CDS response led by one summary card."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.cli import app
from cryoelig.facade import parse_case, review
from cryoelig.render.cds_cards import cards_for
from cryoelig.rulepack.load import load_pack
from cryoelig.wording import directive_words

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))
runner = CliRunner()


def check(*args: str) -> str:
    result = runner.invoke(app, ["check", *args, "--no-engine"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("example", EXAMPLES)
def test_check_fits_one_80x25_screen_and_full_gives_everything(example):
    brief = check(str(ROOT / "examples" / example))
    full = check(str(ROOT / "examples" / example), "--full")
    assert len(brief.splitlines()) <= 25, brief
    assert max(len(line.rstrip()) for line in brief.splitlines()) <= 80
    assert len(full.splitlines()) > len(brief.splitlines()) + 20
    assert "Points to discuss: " in brief and "Non-diagnostic decision support" in brief
    assert "sha256" in brief and directive_words(brief) == []
    assert brief.index("Points to discuss: ") < brief.index("rule ")  # the counts come before the points


def _case(tmp_path: Path, text: str) -> str:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return str(path)


SINS_18 = ("case_id: c-sins\nsite: bone\ntumor: {metastatic: true, bone_region: spine}\n"
           "sins: {location: junctional, pain: mechanical, lesion: lytic, alignment: subluxation,\n"
           "       collapse: over_half, posterolateral: bilateral}\n")


def test_headline_counts_bands_at_the_thresholds_the_pack_names(tmp_path):
    data = json.loads(check(_case(tmp_path, SINS_18), "--format", "json"))
    bands = data["headline"]["threshold_bands"]
    assert [(b["scale"], b["band"]) for b in bands] == [("sins", "total_13_to_18")]
    assert "1 published-scale band at a threshold its paper names (SINS total 18)" in data["headline"]["text"]
    liver = ("case_id: c-liver\nsite: liver\nlabs: {inr: 2.0, platelets: 40}\n"
             "symptoms: {worst_pain_last_day: 9}\n")
    head = json.loads(check(_case(tmp_path, liver), "--format", "json"))["headline"]
    assert {b["scale"] for b in head["threshold_bands"]} == {"sir_inr", "sir_platelets"}
    low = json.loads(check(_case(tmp_path, "case_id: c-low\nsite: liver\nlabs: {inr: 1.5, platelets: 50}\n"),
                           "--format", "json"))["headline"]
    assert low["threshold_bands"] == [] and "0 published-scale bands" in low["text"]


def test_the_thresholds_are_the_packs_data_not_python():
    pack = load_pack(None)
    named = {(s.id, b.id) for s in pack.scales for b in s.bands if b.named_threshold}
    assert named == {("mirels", "total_9_to_12"), ("sins", "total_13_to_18"), ("sir_inr", "inr_over_1_5_to_1_8"),
                     ("sir_inr", "inr_over_1_8"), ("sir_platelets", "platelets_under_50"),
                     ("callstrom_pain", "worst_24h_4_or_more")}


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_headline_comes_first_in_every_format(tmp_path, fmt):
    out = check(_case(tmp_path, SINS_18), "--format", fmt, *(["--full"] if fmt == "rich" else []))
    # the SINS pain (mechanical) answers the source's pain question through links.sins-pain (issue 22)
    assert "Points to discuss: 1 documented factor," in " ".join(out.split())
    if fmt != "json":
        text = " ".join(out.split())
        assert text.index("Points to discuss: ") < text.index("Background every bone case gets (2)")
        assert text.index("Background every bone case gets (2)") < text.index("Published scales (not from")


def test_headline_in_the_html_and_pdf_page(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(ROOT / "examples" / "bone-spine-sins.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = html.unescape(out.read_text())
    assert page.index('id="headline"') < page.index('id="facts"')
    assert "2 published-scale bands at a threshold their papers name (SINS total 13; Worst pain 24 h 6/10)" in page


def test_background_every_case_of_a_site_gets_is_one_line():
    brief = check(str(ROOT / "examples" / "kidney-small.yaml"))
    assert "general.site-documented" not in brief and "Background from the source: 2 points every kidney" in brief
    assert "Background from the source" in check(str(ROOT / "examples" / "kidney-small.yaml"), "--full")


def test_cds_response_leads_with_one_summary_card():
    pack = load_pack(None)
    case = parse_case({"case_id": "c-1", "site": "kidney", "tumor": {"size_cm": 2.8}}, pack)
    report = review(case, pack).report
    cards = cards_for(report, pack)
    assert cards[0]["summary"].startswith("Points to discuss: 1 documented factor, 0 points of caution")
    assert sum(c["summary"].startswith("Points to discuss") for c in cards) == 1
    assert "Background every kidney case gets" in cards[0]["detail"]
    background = [c for c in cards if c["summary"].startswith("Background every kidney case gets")]
    assert len(background) == 1 and "general.site-documented" in background[0]["detail"]
    assert "risks.documented" in background[0]["detail"] and "\u201c" in background[0]["detail"]
    assert cards[1]["detail"].startswith("**Documented factor present**")  # then the points, each with its basis
    assert cards.index(background[0]) == 2  # the folded background after the points, before missing and scales


def _asked(*options: str) -> list[str]:
    """The fields a piped kidney checklist asks (every answer Enter: unknown), in order."""
    import re

    result = runner.invoke(app, ["checklist", "--site", "kidney", *options], input="mdt-k\n" + "\n" * 60,
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return re.findall(r"^\S[^\n]*\[([a-z_.]+)\]$", result.stderr, re.M)


def test_the_kidney_checklist_asks_the_sources_questions_and_the_scales_only_when_asked():
    source = _asked()
    assert source[0] == "case_id" and len(source) <= 8, source  # label, six questions, the ECOG follow-up
    assert not {"kps", "labs.inr", "labs.platelets", "renal.exophytic"} & set(source)
    both = _asked("--scales")
    assert both[:len(source)] == source  # the source's questions first, in the same order
    assert {"kps", "labs.inr", "labs.platelets", "renal.exophytic"} <= set(both[len(source):])


def test_the_checklist_page_toggle_asks_the_scales_questions():
    from cryoelig.web.form import read_form

    pack = load_pack(None)
    plain = [i.question.field for i in read_form(pack, {"site": ["kidney"]}).items]
    toggled = [i.question.field for i in read_form(pack, {"site": ["kidney"], "scales": ["on"]}).items]
    assert "kps" not in plain and "kps" in toggled and toggled[:len(plain)] == plain
