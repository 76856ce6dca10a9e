"""The batch summary page: its numbers are summary.json's, its bytes are stable, it says so when
there is nothing to draw, nothing in a results file can inject markup, and it never directs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from csvmix import write_mixed_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from summary_page_tools import as_dict, parse_tables, visible_text

from cryoelig.batch import OutputLock, summarize_files
from cryoelig.batch.aggregate import NOT_SHOWN
from cryoelig.batch.summarize import PackRef, RunData, read_run
from cryoelig.render.kinds import KIND_ORDER, KIND_WORDS, kind_word
from cryoelig.wording import directive_words

pytest.importorskip("matplotlib")

from cryoelig.render.summary_html import batch_run, summary_page  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from cryoelig.cli import main; main()"]
CSP = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"


def cli(*args: str, cwd: Path | None = None, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = prelude + "from cryoelig.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=300)



@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """600 generated rows (every site, invalid and identifying rows among them) through the real
    `batch --summary --summary-html`, then `summarize --out` over the same files."""
    tmp = tmp_path_factory.mktemp("page")
    src = tmp / "cases.csv"
    write_mixed_csv(src, 600, seed=5)
    done = cli("batch", str(src), "--out", str(tmp / "r.jsonl"), "--summary", str(tmp / "s.json"),
               "--summary-html", str(tmp / "batch.html"), "--jobs", "2", "--chunk-rows", "50", "-q")
    assert done.returncode == 1, done.stderr  # the generated mix has some rows in the error file
    again = cli("summarize", str(tmp / "r.jsonl"), "--errors", str(tmp / "r.errors.jsonl"),
                "--out", str(tmp / "summarize.html"), "--summary", str(tmp / "s2.json"))
    assert again.returncode == 0, again.stderr
    return {"tmp": tmp, "summary": json.loads((tmp / "s.json").read_text()),
            "page": (tmp / "batch.html").read_text(encoding="utf-8")}


# ---------------------------------------------------------------- the numbers are summary.json's

def test_batch_and_summarize_write_the_same_page_and_summary(run: dict[str, Any]) -> None:
    tmp = run["tmp"]
    assert (tmp / "batch.html").read_bytes() == (tmp / "summarize.html").read_bytes()
    assert (tmp / "s.json").read_bytes() == (tmp / "s2.json").read_bytes()
    assert read_run(str(tmp / "r.jsonl"), str(tmp / "r.errors.jsonl")).summary == run["summary"]
    assert summarize_files(str(tmp / "r.jsonl"), str(tmp / "r.errors.jsonl")) == run["summary"]


def test_page_tables_equal_summary_json(run: dict[str, Any], pack) -> None:  # noqa: ANN001
    s, tables = run["summary"], parse_tables(run["page"]).tables
    c = s["counts"]
    assert c["errors"] > 0 and len(s["sites"]) == 7  # the run exercises every section
    assert as_dict(tables["t-counts"]) == {"rows read": c["rows_read"], "results": c["results"],
                                           "errors": c["errors"]}
    assert c["rows_read"] == c["results"] + c["errors"]
    assert as_dict(tables["t-kinds"]) == {kind_word(k): n for k, n in s["findings"]["by_kind"].items()}
    assert as_dict(tables["t-sites"]) == s["sites"]
    for row in tables["t-sites"]["rows"]:
        assert row[2] == f"{100 * int(row[1]) / c['results']:.1f}"  # one decimal

    site_tables = {t["caption"].removeprefix("Site ").removesuffix(": numbers"): t
                   for key, t in tables.items() if key.startswith("t-site-")}
    assert set(site_tables) == set(s["sites"])
    per_factor: dict[str, int] = {}
    for site, table in site_tables.items():
        assert table["head"] == ["factor", "label", "kind", "cases", "share of cases (%)"]
        drawn = {row[0]: int(row[3]) for row in table["rows"]}
        assert drawn == s["cases_by_site_factor"][site]
        for factor, label, kind, cases, share in table["rows"]:
            assert label == pack.factor_by_id[factor].label
            assert kind == kind_word(pack.factor_by_id[factor].kind)
            assert [kind] == [kind_word(k) for k in s["findings"]["by_factor"][factor]]
            assert share == f"{100 * int(cases) / s['sites'][site]:.1f}"
            per_factor[factor] = per_factor.get(factor, 0) + int(cases)
        ranks = [KIND_ORDER.index(pack.factor_by_id[row[0]].kind) for row in table["rows"]]
        assert ranks == sorted(ranks)  # grouped by kind: documented factor, caution, background
    # In this pack each factor has one rule, so a case has at most one finding per factor and
    # the cases per site add up to the findings per factor of summary.json.
    assert all(sum(r.spec.factor == f.id for r in pack.rules) == 1 for f in pack.meta.factors)
    assert per_factor == {f: sum(k.values()) for f, k in s["findings"]["by_factor"].items()}

    missing = tables["t-missing"]
    assert as_dict(missing, 0, 2) == s["missing"]
    counts = [int(row[2]) for row in missing["rows"]]
    assert counts == sorted(counts, reverse=True)  # ranked: the field that blocks most points first
    assert all(row[1] == pack.fields[row[0]].label for row in missing["rows"])
    assert as_dict(tables["t-errors-reason"]) == s["errors"]["by_reason"]
    assert as_dict(tables["t-errors-field"]) == s["errors"]["by_field"]


def test_every_figure_has_its_table_title_n_and_axis(run: dict[str, Any]) -> None:
    page = run["page"]
    figures = re.findall(r'<div class="pair[^"]*"><figure id="(fig\d+)"><figcaption id="fig\d+-title">(.*?)'
                         r"</figcaption>\n(<svg .*?</svg>)\n</figure>(<table .*?</table>)</div>", page, re.S)
    assert len(figures) == page.count("<figure") == 7 + 1 + 1 + 2  # sites, each site, missing, 2 error figures
    for _, title, svg, table in figures:
        assert "(n = " in title
        assert svg.startswith('<svg role="img" aria-labelledby="fig')
        assert "<tbody><tr>" in table
    assert page.count("share of cases (%)") >= 8  # the per-site and missing tables' headings


def test_page_is_self_contained_and_names_the_pack_and_source(run: dict[str, Any], pack) -> None:  # noqa: ANN001
    page = run["page"]
    assert CSP in page
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<link" not in page.lower()
    urls = set(re.findall(r"https?://[^\"'\s<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "<!--" not in page and "<?xml" not in page and "<metadata" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every id on the page is unique"
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs and refs <= set(ids), refs - set(ids)  # every glyph, clip path and hatch a figure uses is there
    assert page.count('<svg class="glyphs"') == 1  # the glyph outlines, once for the page
    text = visible_text(page)
    # the pack each report names: the set's name and version, and its sha256 (the one value, issue 22)
    assert f"Rule pack {pack.name} {pack.version}, sha256 {pack.sha256}" in text
    for source in pack.parts[0].meta.sources:  # the source article (the default set's papers are the scales')
        assert f"Source: {source.title} \u2014 {source.publisher}" in text


def test_kind_words_come_from_one_mapping(run: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KIND_WORDS, "supporting", "renamed kind")
    run_data = read_run(str(run["tmp"] / "r.jsonl"), str(run["tmp"] / "r.errors.jsonl"))
    page = summary_page(run_data)
    assert "renamed kind" in visible_text(page)
    assert "documented factor" not in visible_text(page)


# ---------------------------------------------------------------- deterministic bytes

def test_same_run_same_bytes_in_process_and_in_two_processes(run: dict[str, Any], tmp_path: Path) -> None:
    tmp = run["tmp"]
    run_data = read_run(str(tmp / "r.jsonl"), str(tmp / "r.errors.jsonl"))
    from cryoelig.rulepack.load import load_pack

    first = summary_page(run_data, load_pack(None))
    assert summary_page(run_data, load_pack(None)) == first
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"p{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([*CLI, "summarize", str(tmp / "r.jsonl"), "--errors", str(tmp / "r.errors.jsonl"),
                               "--out", str(out), "--json"], capture_output=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] == first.encode("utf-8") == run["page"].encode("utf-8")


def test_figure_settings_are_the_deliberate_ones() -> None:
    from cryoelig.render import charts

    svg = charts.draw_svg(charts.Chart("t (n = 1)", "share of cases (%)", [charts.Bar("a", 50, "1 (50.0%)")], 100))
    assert "<text" not in svg  # svg.fonttype 'path': glyph outlines, the same in every browser
    assert "DejaVuSans-" in svg  # matplotlib's own font
    assert "<dc:date>" not in svg  # no date in the metadata
    from matplotlib import font_manager, get_data_path

    assert font_manager.findfont(charts.FONT).startswith(get_data_path())  # the bundled copy, not a system one


# ---------------------------------------------------------------- nothing to draw

def test_empty_batch_says_so(tmp_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_text((ROOT / "examples" / "cases.csv").read_text().splitlines()[0] + "\n")
    done = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--summary-html", str(tmp_path / "p.html"),
               "-q")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "p.html").read_text()
    assert "<figure" not in page and "<svg" not in page
    text = visible_text(page)
    assert "The run read no rows: there are no cases and no errors to draw." in text
    assert as_dict(parse_tables(page).tables["t-counts"]) == {"rows read": 0, "results": 0, "errors": 0}
    assert directive_words(text) == []


def test_all_error_batch_says_so_and_draws_only_the_errors(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"case_id": "a", "site": "moon"}\n{"case_id": "b", "site": "kidney", "tumor": {"size_cm": -3}}\n'
                   "not json\n")
    done = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--summary", str(tmp_path / "s.json"),
               "--summary-html", str(tmp_path / "p.html"), "-q")
    assert done.returncode == 1, done.stderr
    page = (tmp_path / "p.html").read_text()
    summary = json.loads((tmp_path / "s.json").read_text())
    text = visible_text(page)
    assert "No row gave a result: all 3 rows read are in the error file" in text
    tables = parse_tables(page).tables
    assert "t-sites" not in tables and "t-missing" not in tables
    assert as_dict(tables["t-errors-reason"]) == summary["errors"]["by_reason"]
    assert as_dict(tables["t-errors-field"]) == summary["errors"]["by_field"]
    assert page.count("<figure") == 2
    assert directive_words(text) == []


def test_summarize_without_error_file_says_errors_are_not_counted(run: dict[str, Any], tmp_path: Path) -> None:
    done = cli("summarize", str(run["tmp"] / "r.jsonl"), "--out", str(tmp_path / "p.html"))
    assert done.returncode == 0, done.stderr
    text = visible_text((tmp_path / "p.html").read_text())
    assert "No error file was read" in text
    assert "errors are not counted here" in text


# ---------------------------------------------------------------- hostile names

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "</table><b>bold</b>", "$x^2$ & \\n",
           "a --> b <!-- c", "<svg onload=alert(1)>"]


def _hostile_results(tmp_path: Path) -> tuple[Path, Path]:
    results, errors = tmp_path / "r.jsonl", tmp_path / "r.errors.jsonl"
    lines = []
    for i, name in enumerate(HOSTILE):
        lines.append(json.dumps({
            "site": name, "findings": [{"factor": name, "kind": "context"}, {"factor": f"x{i}", "kind": name}],
            "missing": [{"field": name}], "pack": {"name": name, "version": name, "sha256": name}}))
    results.write_text("\n".join(lines) + "\n")
    errors.write_text("".join(json.dumps({"reason": name, "field": name}) + "\n" for name in HOSTILE))
    return results, errors


def _assert_no_markup(page: str) -> Any:
    parsed = parse_tables(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "main", "section",
               "div", "figure", "figcaption", "table", "caption", "thead", "tbody", "tr", "th", "td", "code", "footer",
               "svg", "defs", "path", "g", "use", "clippath", "rect", "pattern", "polygon", "polyline", "ellipse",
               "circle", "line"}
    assert parsed.tags <= allowed, parsed.tags - allowed
    assert not any(name.startswith("on") for name in parsed.attributes), parsed.attributes
    for bad in ("<script", "<img", "<b>", "<svg onload"):
        assert bad not in page.lower(), bad
    return parsed


def test_no_name_in_a_results_file_reaches_the_page(tmp_path: Path) -> None:
    """summarize keeps only the tool's own tokens (batch.aggregate.safe_key), pack names included."""
    results, errors = _hostile_results(tmp_path)
    done = cli("summarize", str(results), "--errors", str(errors), "--out", str(tmp_path / "p.html"))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "p.html").read_text()
    parsed = _assert_no_markup(page)
    assert {row[0] for row in parsed.tables["t-sites"]["rows"]} == {NOT_SHOWN}
    assert {row[0] for row in parsed.tables["t-errors-reason"]["rows"]} == {NOT_SHOWN}
    assert f"Rule pack {NOT_SHOWN} {NOT_SHOWN}, sha256 {NOT_SHOWN} (6 results)" in visible_text(page)
    for name in HOSTILE:
        assert name not in visible_text(page)


def test_the_page_escapes_every_name_it_is_given() -> None:
    """Whatever reaches the page (a summary from elsewhere, a pack's labels) is text, never markup."""
    sites = {name: 2 for name in HOSTILE}
    summary = {
        "counts": {"rows_read": 14, "results": 12, "errors": 2}, "sites": sites, "missing": {HOSTILE[0]: 3},
        "findings": {"by_kind": {HOSTILE[1]: 1}, "by_factor": {HOSTILE[2]: {HOSTILE[1]: 1}}},
        "errors": {"by_reason": {HOSTILE[3]: 2}, "by_field": {HOSTILE[4]: 2}},
        "cases_by_site_factor": {name: {HOSTILE[2]: 1} for name in HOSTILE},
    }
    packs = {PackRef(name, name, name): 2 for name in HOSTILE}
    page = summary_page(RunData(summary, packs))
    parsed = _assert_no_markup(page)
    assert {row[0] for row in parsed.tables["t-sites"]["rows"]} == set(HOSTILE)  # shown, as text
    assert {row[0] for row in parsed.tables["t-errors-reason"]["rows"]} == {HOSTILE[3]}
    assert "These results come from more than one rule pack" in visible_text(page)


def test_an_unreadable_results_line_is_one_error_line(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    results.write_text('{"site": 5, "findings": [], "missing": []}\n[1, 2]\n')
    done = cli("summarize", str(results), "--out", str(tmp_path / "p.html"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"cryoelig: error: {results}:2: not a report (cryoelig batch --out *.jsonl)"]
    assert not (tmp_path / "p.html").exists()


# ---------------------------------------------------------------- the page is one more output of the set

def test_an_existing_page_is_kept_unless_force(tmp_path: Path) -> None:
    src = ROOT / "examples" / "cases.jsonl"
    page = tmp_path / "p.html"
    page.write_text("old")
    kept = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--summary-html", str(page), "-q")
    assert kept.returncode == 2
    assert kept.stderr.splitlines() == [f"cryoelig: error: {page}: already exists and is kept; give --force to replace "
                                        "it (or --resume to finish an interrupted run)"]
    assert page.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["p.html"]
    forced = cli("batch", str(src), "--out", str(tmp_path / "r.jsonl"), "--summary-html", str(page), "-q", "--force")
    assert forced.returncode == 0, forced.stderr
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.html", "r.errors.jsonl", "r.jsonl",
                                                          "r.jsonl.words.json"]  # no temp file

    other = tmp_path / "q.html"
    other.write_text("old")
    kept = cli("summarize", str(tmp_path / "r.jsonl"), "--out", str(other), "--json")
    assert kept.returncode == 2 and kept.stdout == ""
    assert kept.stderr.splitlines() == [f"cryoelig: error: {other}: already exists and is kept; give --force to "
                                        "replace it"]
    assert other.read_text() == "old"
    forced = cli("summarize", str(tmp_path / "r.jsonl"), "--errors", str(tmp_path / "r.errors.jsonl"), "--out",
                 str(other), "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert other.read_bytes() == page.read_bytes()


@pytest.mark.parametrize("command", ["batch", "summarize"])
@pytest.mark.parametrize("target", ["fifo", "device", "folder"])
def test_the_page_never_replaces_anything_but_a_regular_file(tmp_path: Path, command: str, target: str) -> None:
    page = tmp_path / "p.html"
    if target == "fifo":
        os.mkfifo(page)
    elif target == "device":
        page.symlink_to("/dev/null")
    else:
        page.mkdir()
    if command == "batch":
        done = cli("batch", str(ROOT / "examples" / "cases.jsonl"), "--out", str(tmp_path / "r.jsonl"),
                   "--summary-html", str(page), "-q", "--force")
    else:
        (tmp_path / "r.jsonl").write_text("")
        done = cli("summarize", str(tmp_path / "r.jsonl"), "--out", str(page), "--force")
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    said = "is a directory" if target == "folder" else "is not a regular file"  # a folder: click's dir_okay=False
    assert said in done.stderr, done.stderr
    assert not (tmp_path / "r.errors.jsonl").exists()  # batch stopped before writing anything
    assert (page.is_fifo() if target == "fifo" else page.is_symlink() if target == "device" else page.is_dir())


def test_the_page_is_under_the_runs_lock_and_apart_from_the_other_outputs(tmp_path: Path) -> None:
    src = str(ROOT / "examples" / "cases.jsonl")
    out, page = tmp_path / "r.jsonl", tmp_path / "p.html"
    with OutputLock(out):
        held = cli("batch", src, "--out", str(out), "--summary-html", str(page), "-q")
    assert held.returncode == 2 and "another cryoelig batch is writing this output" in held.stderr
    assert not page.exists()
    same = cli("batch", src, "--out", str(out), "--summary", str(page), "--summary-html", str(page), "-q")
    assert same.returncode == 2
    assert same.stderr.splitlines() == [f"cryoelig: error: {page}: --summary-html names the same file as --summary; "
                                        "give two different files"]
    (tmp_path / "r2.jsonl").write_text("")
    also = cli("summarize", str(tmp_path / "r2.jsonl"), "--summary", str(page), "--out", str(page))
    assert also.returncode == 2 and "--out names the same file as another file of this command" in also.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r2.jsonl"]


# ---------------------------------------------------------------- words

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_page_text_never_directs(pack, data: st.DataObject) -> None:  # noqa: ANN001
    """Any run over the pack's own sites, factors and fields: the page text has no directive word."""
    sites = data.draw(st.dictionaries(st.sampled_from(["skin", "liver", "kidney", "bone", "other"]),
                                      st.integers(1, 50), max_size=3))
    factors = [f.id for f in pack.meta.factors]
    site_factors = {site: data.draw(st.dictionaries(st.sampled_from(factors), st.integers(1, n), max_size=4))
                    for site, n in sites.items()}
    by_factor: dict[str, dict[str, int]] = {}
    for counts in site_factors.values():
        for factor, n in counts.items():
            kinds = by_factor.setdefault(factor, {})
            kind = pack.factor_by_id[factor].kind
            kinds[kind] = kinds.get(kind, 0) + n
    results = sum(sites.values())
    errors = data.draw(st.integers(0, 5))
    summary = {
        "counts": {"rows_read": results + errors, "results": results, "errors": errors},
        "sites": dict(sorted(sites.items())), "missing": data.draw(st.dictionaries(
            st.sampled_from(sorted(pack.fields)), st.integers(1, max(results, 1)), max_size=3)) if results else {},
        "findings": {"by_kind": {}, "by_factor": by_factor},
        "errors": {"by_reason": {"invalid": errors} if errors else {}, "by_field": {"site": errors} if errors else {}},
        "cases_by_site_factor": site_factors,
    }
    page = summary_page(batch_run(summary, pack), pack)
    assert directive_words(visible_text(page)) == []


# ---------------------------------------------------------------- matplotlib missing

NO_MATPLOTLIB = "import sys; sys.modules['matplotlib'] = None; "


def test_without_matplotlib_summarize_out_is_one_line_exit_2(run: dict[str, Any], tmp_path: Path) -> None:
    done = cli("summarize", str(run["tmp"] / "r.jsonl"), "--out", str(tmp_path / "p.html"), prelude=NO_MATPLOTLIB)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["cryoelig: error: drawing the summary figures needs matplotlib, which is "
                                        "not installed: pip install 'cryoelig[figures]'"]
    assert not (tmp_path / "p.html").exists()


def test_without_matplotlib_batch_stops_before_reading_a_row(tmp_path: Path) -> None:
    done = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "r.jsonl"),
               "--summary-html", str(tmp_path / "p.html"), "-q", prelude=NO_MATPLOTLIB)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "pip install 'cryoelig[figures]'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_page_suffix_is_checked_before_the_run(tmp_path: Path) -> None:
    done = cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", str(tmp_path / "r.jsonl"),
               "--summary-html", str(tmp_path / "p.svg"), "-q")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"cryoelig: error: {tmp_path / 'p.svg'}: --summary-html takes a .html file "
                                        "(the summary page with its figures)"]
    assert list(tmp_path.iterdir()) == []


def test_a_different_pack_hides_the_sources_and_says_why(run: dict[str, Any]) -> None:
    run_data = read_run(str(run["tmp"] / "r.jsonl"), str(run["tmp"] / "r.errors.jsonl"))
    other = RunData(run_data.summary, {PackRef("someone-else", "9", "0" * 64): 1})
    from cryoelig.rulepack.load import load_pack

    text = visible_text(summary_page(other, load_pack(None)))
    assert "Sources not shown: the rule pack at hand is not the one these results name" in text
    assert "Source: " not in text


def test_summarize_keeps_an_existing_summary_json_unless_force(tmp_path):
    """Issue 15's open point: `summarize --summary` replaced an existing file without --force."""
    results = tmp_path / "r.jsonl"
    results.write_text("")
    kept = tmp_path / "s.json"
    kept.write_text("kept")
    refused = cli("summarize", str(results), "--summary", str(kept))
    assert refused.returncode == 2 and "already exists and is kept; give --force" in refused.stderr
    assert kept.read_text() == "kept"
    replaced = cli("summarize", str(results), "--summary", str(kept), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert kept.read_text().startswith("{")
