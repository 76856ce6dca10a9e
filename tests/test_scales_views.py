"""The section "Published scales (not from the source article)" in every view of `check` and `report`:
Mirels for a long-bone metastasis, SINS for a spine case, R.E.N.A.L. and the AJCC T1a size limit beside the
source article's size point for a kidney case; each with its total, band, components and citation."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryoelig.cli import app
from cryoelig.render.common import MISSING_TITLE
from cryoelig.render.kinds import kind_heading

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Published scales (not from the source article)"
runner = CliRunner()

# example -> (scale, total, band label start, a component text, the short citation)
EXPECT = {
    "bone-femur-mirels.yaml": ("Mirels", "total 10", "Mirels 9 to 12", "lower limb (2 points)", "Mirels 1989"),
    "bone-spine-sins.yaml": ("SINS", "total 13", "SINS 13 to 18", "junctional", "Fisher et al. 2010"),
    "kidney-renal.yaml": ("R.E.N.A.L.", "total 7p", "R.E.N.A.L. 7 to 9", "less than half exophytic (2 points)",
                          "Kutikov and Uzzo 2009"),
}
VIEWS = [("check", "--format", "rich"), ("check", "--format", "markdown"), ("check", "--format", "json"),
         ("report", "--format", "html"), ("report", "--format", "markdown")]


def plain(text: str) -> str:
    """A terminal view as one line of words: no panel borders, no line breaks."""
    return " ".join(text.translate({ord(c): " " for c in "\u2502\u256d\u256e\u2570\u256f\u2500"}).split())


def run(*args: str) -> str:
    result = runner.invoke(app, [*args, "--no-engine"] if args[0] != "report" else list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def view(command: str, fmt: str, example: str) -> str:
    full = ["--full"] if command == "check" and fmt == "rich" else []  # the one-screen summary folds the scales
    text = run(command, str(ROOT / "examples" / example), "--format", fmt, *full)
    if fmt == "html":
        return html.unescape(text)
    return plain(text) if fmt == "rich" else text


@pytest.mark.parametrize("example", sorted(EXPECT))
@pytest.mark.parametrize(("command", "_flag", "fmt"), VIEWS)
def test_every_view_shows_the_scale_with_total_band_components_and_citation(example, command, _flag, fmt):
    short, total, band, component, citation = EXPECT[example]
    out = view(command, fmt, example)
    if fmt == "json":
        section = json.loads(out)["published_scales"]
        assert section["title"] == TITLE
        line = next(x for x in section["lines"] if x["short"] == short)
        assert line["summary"].startswith(total) and line["band_label"].startswith(band)
        assert any(component.split(" (")[0] in c["value_label"] for c in line["components"])
        assert citation in {c["short"] for c in line["cites"]} and line["points"][0]["basis"]
        return
    head = out.index(TITLE)
    section = out[head:out.index(MISSING_TITLE, head)]
    assert short in section and total in section and band in section
    assert component in section and citation in section
    assert "Scales from pack published-scales" in section and ("Papers cited" in section) == (command == "report")


@pytest.mark.parametrize(("command", "_flag", "fmt"), VIEWS[:2] + VIEWS[3:])
def test_the_section_sits_after_the_source_points_and_before_missing_information(command, _flag, fmt):
    out = view(command, fmt, "bone-femur-mirels.yaml")
    assert out.index(kind_heading("context")) < out.index(TITLE) < out.index(MISSING_TITLE)


@pytest.mark.parametrize(("command", "_flag", "fmt"), VIEWS)
def test_the_kidney_size_point_and_the_t1a_line_stand_side_by_side_unreconciled(command, _flag, fmt):
    out = view(command, fmt, "kidney-renal.yaml")
    if fmt == "json":
        data = json.loads(out)
        assert "kidney.size_under_4cm" in {f["factor"] for f in data["findings"]}
        lines = {x["scale"]: x for x in data["published_scales"]["lines"]}
        assert lines["ajcc_kidney_t1a"]["beside"] == ["kidney.size-under-4cm: Kidney tumor under 4 cm"]
        assert lines["renal"]["beside"] == lines["ajcc_kidney_t1a"]["beside"]
        return
    assert "Kidney tumor of 3.5 cm" in out  # the source article's point, as it always was
    section = out[out.index(TITLE):]
    assert "4 cm or less: within the T1a size limit" in section
    assert "beside the source article's point kidney.size-under-4cm: Kidney tumor under 4 cm (not reconciled)" \
        in section.replace("\\", "")


def test_a_scale_missing_a_component_says_so_for_that_scale_only(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("case_id: c-1\nsite: bone\ntumor: {metastatic: true, bone_region: long_bone}\n"
                    "mirels: {site: upper_limb, lesion: blastic}\n")
    data = json.loads(run("check", str(case), "--format", "json"))
    mirels = next(x for x in data["published_scales"]["lines"] if x["scale"] == "mirels")
    assert mirels["summary"] == "incomplete: 2 of 4 components given" and mirels["band"] is None
    assert [m["field"] for m in mirels["missing"]] == ["mirels.pain", "mirels.size"]
    assert not {m["field"] for m in data["missing"]} & {"mirels.pain", "mirels.size"}
    text = plain(run("check", str(case), "--full"))
    assert "Mirels: incomplete: 2 of 4 components given" in text
    assert "missing for Mirels: pain [mirels.pain], size of the lesion as a fraction of the bone on plain " \
           "radiographs [mirels.size]" in text


def test_the_source_pack_alone_shows_no_scales_section():
    out = run("check", str(ROOT / "examples" / "kidney-renal.yaml"), "--pack", str(ROOT / "rules"))
    assert TITLE not in out and "Kidney tumor of 3.5 cm" in " ".join(out.split())


def test_the_html_section_escapes_and_loads_nothing():
    out = run("report", str(ROOT / "examples" / "bone-spine-sins.yaml"), "--format", "html")
    section = out[out.index('<section class="scales"'):]
    section = section[:section.index("</section>")]
    assert "<script" not in section and "http" not in section.replace("https://", "")
    assert "the authors&#x27; unstable category" in section


@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_sources_adds_the_full_references_of_the_papers(fmt):
    out = run("check", str(ROOT / "examples" / "bone-femur-mirels.yaml"), "--format", fmt, "--sources")
    text = plain(out) if fmt == "rich" else out
    assert "Papers cited" in text
    assert "Clin Orthop Relat Res. 1989;(249):256-264. doi:10.1097/00003086-198912000-00027." in text


def test_a_csv_batch_reads_the_scale_columns_and_refuses_a_total_that_does_not_add_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text(
        "case_id,site,tumor.metastatic,tumor.bone_region,mirels.site,mirels.pain,mirels.lesion,mirels.size,"
        "mirels.total,labs.platelets_per_ul,kps\n"
        "csv-1,bone,true,long_bone,lower_limb,functional,lytic,one_third_to_two_thirds,,45000,70\n"
        "csv-2,bone,true,long_bone,upper_limb,mild,blastic,under_one_third,9,,\n")
    result = runner.invoke(app, ["batch", "in.csv", "--out", "out.jsonl", "--report", "full", "--quiet", "--jobs", "1"])
    assert result.exit_code == 1, result.output  # one row is an error, nothing lost
    [line] = (tmp_path / "out.jsonl").read_text().splitlines()
    report = json.loads(line)
    lines = {x["scale"]: x for x in report["published_scales"]["lines"]}
    assert lines["mirels"]["total"] == 10 and lines["sir_platelets"]["total"] == 45
    assert report["input_notes"][0] == "labs.platelets 45 x10^9/L from platelets_per_ul 45000"
    assert [n.split(";")[0] for n in report["input_notes"][1:]] == [  # issue 22: answered through links
        "symptoms.pain_score is not given", "concerns.bleeding_risk is not given", "ecog is not given"]
    [error] = (tmp_path / "out.errors.jsonl").read_text().splitlines()
    error = json.loads(error)
    assert (error["row"], error["field"]) == (2, "mirels.total")
    assert "differs from the sum of the components given" in error["message"]


def test_a_cds_hooks_card_carries_the_section_apart_from_the_source_points(pack):
    """The service's cards: one information card for the published scales (total, band, paper), no
    suggestion or action, and no card of a source point for a scale's rule."""
    pytest.importorskip("fastapi")
    from cryoelig.facade import review
    from cryoelig.inputs import read_case
    from cryoelig.render.cds_cards import cards_for
    from cryoelig.wording import advice_words, own_words

    report = review(read_case(str(ROOT / "examples" / "bone-femur-mirels.yaml"), pack), pack).report
    cards = cards_for(report, pack)
    [card] = [c for c in cards if c["detail"].startswith(f"**{TITLE}**")]
    assert card["summary"].startswith(TITLE) and "Mirels" in card["summary"] and "total 10" in card["detail"]
    assert "Mirels 1989" in card["detail"] and "doi:10.1097/00003086-198912000-00027" in card["detail"]
    assert card["indicator"] == "info" and not {"suggestions", "actions", "selectionBehavior"} & set(card)
    assert advice_words(own_words(card["detail"])) == []  # a cited title is a marked quotation
    assert not [c for c in cards if "rule `scales." in c["detail"] and c is not card]


def test_the_batch_serializer_writes_the_section_as_the_model_does(pack):
    """batch/serialize.py composes a result line from cached pieces: the published_scales field (a shared
    section object, or null) comes out byte for byte as Report.model_dump_json, and the safety net stays off."""
    from cryoelig.batch.serialize import ReportLines
    from cryoelig.facade import review_many
    from cryoelig.inputs import read_case

    names = ("bone-femur-mirels", "bone-spine-sins", "kidney-renal", "kidney-small", "skin-bcc")
    cases = [read_case(str(ROOT / "examples" / f"{name}.yaml"), pack) for name in names] * 2
    lines = ReportLines()
    for item in review_many(cases, pack):
        assert lines.line(item, check=True) == item.report.model_dump_json().encode()
    assert lines.exact and b'"published_scales":{"title"' in lines.line(item)


def test_a_scale_that_neither_applies_nor_is_given_does_not_split_the_section_memo(pack):
    """Found by the batch bench after the scales landed: the section's memo key held every scale's fields, so
    every lung case with its own tumor size (read only by the kidney scales) built a new section (+18%
    instructions per batch row). Two lung cases that differ only in size now share one section object,
    while two kidney cases that differ in size (the T1a line shows it) do not."""
    from cryoelig.case.contract import parse_case
    from cryoelig.facade import review

    def section(site: str, size: float):
        case = parse_case({"case_id": f"m-{site}-{size}", "site": site, "tumor": {"size_cm": size}}, pack)
        return review(case, pack, use_engine=False).report.published_scales

    assert section("lung", 2.31) is section("lung", 2.87)
    assert section("kidney", 2.31) is not section("kidney", 2.87)
    assert section("kidney", 2.31) == section("kidney", 2.31)
