"""The batch summary as one self-contained HTML page of figures, each with its exact numbers.

Why this shape: a reviewer who ran thousands of cases would rather look than read, but a
figure alone can mislead and cannot be checked. So every figure is titled with what it
counts and its n, has a zero-based axis with its unit, and is followed by a table of the
exact numbers it draws (the accessible view, and what the tests compare with summary.json).
The page loads nothing and runs nothing (a Content-Security-Policy forbids both), escapes
every text, and is byte for byte the same for the same run (see charts.py). Its size depends
on the number of sites, factors, fields and error reasons, never on the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..batch.summarize import PackRef, RunData
from .charts import Bar, Chart, draw_svg, glyph_defs, inline_svg
from .common import BANDS_TITLE, SCALES_TITLE, band_rows, scale_rows
from .kinds import KIND_ORDER, KIND_WORDS, kind_rank, kind_word

TITLE = "Batch summary: points to discuss, by site"
NOTICE = ("Counts over the de-identified cases of one batch run: how often the rule pack raised each point to "
          "discuss with the multidisciplinary team, and which missing information kept points from being "
          "checked. Non-diagnostic: the counts describe the run, not any patient, and decide no treatment.")
SHARE_AXIS = "share of cases (%)"
NUMERIC = ' class="n"'

CSS = """
:root { --ink: #1b1f23; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
html { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #fff; }
body { max-width: 76rem; margin: 0 auto; padding: 1.2rem 1.5rem; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; padding-bottom: .15rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.notice { border: 2px solid var(--ink); padding: .45rem .7rem; margin: .5rem 0 .8rem; font-weight: 600; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(15rem, 2fr); gap: 1.2rem; align-items: start;
        margin: .4rem 0 1rem; break-inside: avoid; }
@media (max-width: 62rem) { .pair { grid-template-columns: minmax(0, 1fr); } }
figure { margin: 0; }
svg.glyphs { position: absolute; width: 0; height: 0; overflow: hidden; }
figure svg { width: 100%; height: auto; max-width: 46rem; display: block; }
figcaption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.stacked { display: block; }
.stacked table { margin-top: .5rem; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
caption { text-align: left; font-weight: 600; color: var(--muted); padding: 0 0 .2rem; }
th, td { text-align: left; vertical-align: top; padding: .14rem .45rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code { font-size: .88em; overflow-wrap: anywhere; }
.label { color: var(--muted); font-size: .88em; }
.none, .note { color: var(--muted); margin: .3rem 0; }
.none { font-style: italic; }
table.counts { width: auto; min-width: 18rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { margin-top: 1.5rem; padding-top: .4rem; border-top: 1px solid var(--line); color: var(--muted);
         font-size: .85em; }
footer p { margin: .15rem 0; }
footer .sha { word-break: break-all; }
@page { size: A4; margin: 10mm; }
@media print { html { font-size: 8pt; } body { max-width: none; padding: 0; } h2 { break-after: avoid; } }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _pct(n: int, of: int) -> float:
    return 100.0 * n / of if of else 0.0


def _share(n: int, of: int) -> str:
    """A share as the tables print it: one decimal, no sign."""
    return f"{_pct(n, of):.1f}"


def _ranked(counter: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; ties by name, so the order is the same on every run."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class _Column:
    head: str
    numeric: bool = False
    code: bool = False


class _Page:
    """Collects the page's parts; figures are numbered in page order for unique ids."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.figures = 0
        self.glyphs: dict[str, str] = {}

    def add(self, html: str) -> None:
        self.parts.append(html)

    def table(self, table_id: str, caption: str, columns: list[_Column], rows: list[list[Any]],
              css: str = "numbers") -> str:
        head = "".join(f'<th scope="col"{NUMERIC if c.numeric else ""}>{_e(c.head)}</th>' for c in columns)
        body = []
        for row in rows:
            cells = []
            for column, value in zip(columns, row, strict=True):
                if column.numeric:
                    cells.append(f'<td class="n">{_e(value)}</td>')
                elif column.code:
                    cells.append(f"<td><code>{_e(value)}</code></td>")
                else:
                    cells.append(f"<td>{_e(value)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (f'<table class="{css}" id="{table_id}"><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table>")

    def figure(self, chart: Chart, table: str, beside: bool = True) -> None:
        """A figure and the table of its numbers: beside it (stacked on narrow screens), or below it
        for tables with a column of labels. The caption repeats the title drawn in the figure for
        screen readers (it is not shown twice)."""
        self.figures += 1
        n = self.figures
        svg = inline_svg(draw_svg(chart), prefix=f"f{n}-", label_id=f"fig{n}-title", glyphs=self.glyphs)
        css = "pair" if beside else "pair stacked"
        self.add(f'<div class="{css}"><figure id="fig{n}"><figcaption id="fig{n}-title">{_e(chart.title)}'
                 f"</figcaption>\n{svg}</figure>{table}</div>")


def _label(labels: dict[str, str], name: str) -> str:
    return labels.get(name, "")


def _counts_section(page: _Page, run: RunData) -> None:
    s = run.summary
    c = s["counts"]
    page.add('<section id="counts"><h2>The run</h2>')
    rows = [["rows read", c["rows_read"]], ["results", c["results"]], ["errors", c["errors"]]]
    page.add(page.table("t-counts", "Rows read = results + errors", [_Column("count"), _Column("rows", True)],
                        rows, css="counts"))
    if not run.errors_read:
        page.add('<p class="note">No error file was read (summarize --errors FILE adds it), so the errors are not '
                 "counted here.</p>")
    by_kind = s["findings"]["by_kind"]
    if by_kind:
        kinds = sorted(by_kind, key=lambda k: (kind_rank(k), k))
        page.add(page.table("t-kinds", "Points raised, by kind (all sites)",
                            [_Column("kind"), _Column("points raised", True)],
                            [[kind_word(k), by_kind[k]] for k in kinds], css="counts"))
    page.add("</section>")


def _factor_kind(by_factor: dict[str, dict[str, int]], factor: str) -> str | None:
    """The kind a factor is raised as (one per factor in a valid pack; the first known otherwise)."""
    kinds = by_factor.get(factor, {})
    return min(kinds, key=lambda k: (kind_rank(k), k)) if kinds else None


def _sites_section(page: _Page, run: RunData, labels: dict[str, str]) -> None:
    s = run.summary
    results = s["counts"]["results"]
    page.add('<section id="sites"><h2>Cases per site</h2>')
    sites = s["sites"]
    title = f"Cases per site (n = {results} results)"
    bars = [Bar(site, n, f"{n} ({_pct(n, results):.1f}%)") for site, n in sites.items()]
    table = page.table("t-sites", f"{title}: numbers",
                       [_Column("site", code=True), _Column("cases", True), _Column("share of results (%)", True)],
                       [[site, n, _share(n, results)] for site, n in sites.items()])
    page.figure(Chart(title, "cases (count)", bars), table)
    page.add("</section>")

    page.add('<section id="factors"><h2>Factors raised, per site</h2>')
    page.add('<p class="note">Each bar is the share of the cases at one site for which the rule pack raised the '
             "factor at least once. Kinds: " + ", ".join(_e(KIND_WORDS[k]) for k in KIND_ORDER)
             + ". Factors raised in no case at a site are not drawn.</p>")
    by_factor = s["findings"]["by_factor"]
    site_factors = s.get("cases_by_site_factor", {})
    for index, (site, cases) in enumerate(sites.items(), start=1):
        factors = site_factors.get(site, {})
        page.add(f'<h3 id="site-{index}">Site <code>{_e(site)}</code></h3>')
        if not factors:
            page.add(f'<p class="none">No factor was raised in the {cases} cases at this site.</p>')
            continue
        order = sorted(factors, key=lambda f: (kind_rank(_factor_kind(by_factor, f) or ""), -factors[f], f))
        title = f"Site {site}: share of cases raising each factor (n = {cases} cases)"
        bars = [Bar(f, _pct(factors[f], cases), f"{factors[f]} ({_pct(factors[f], cases):.1f}%)",
                    _factor_kind(by_factor, f)) for f in order]
        rows = [[f, _label(labels, f), kind_word(_factor_kind(by_factor, f) or ""), factors[f],
                 _share(factors[f], cases)] for f in order]
        table = page.table(f"t-site-{index}", f"Site {site}: numbers",
                           [_Column("factor", code=True), _Column("label"), _Column("kind"),
                            _Column("cases", True), _Column("share of cases (%)", True)], rows)
        page.figure(Chart(title, SHARE_AXIS, bars, limit=100, legend=True), table, beside=not labels)
    page.add("</section>")


def _missing_section(page: _Page, run: RunData, labels: dict[str, str]) -> None:
    s = run.summary
    results = s["counts"]["results"]
    page.add('<section id="missing"><h2>Missing information that blocks points</h2>')
    missing = _ranked(s["missing"])
    if not missing:
        page.add('<p class="none">In no case did missing information keep a point from being checked.</p>')
        page.add("</section>")
        return
    page.add('<p class="note">A field counts for a case when the case does not give it and at least one rule '
             "that could raise a point waits on it.</p>")
    title = f"Missing fields, by the cases in which they block a point (n = {results} cases)"
    bars = [Bar(name, _pct(n, results), f"{n} ({_pct(n, results):.1f}%)") for name, n in missing]
    table = page.table("t-missing", "Missing information: numbers",
                       [_Column("field", code=True), _Column("label"), _Column("cases", True),
                        _Column("share of cases (%)", True)],
                       [[name, _label(labels, name), n, _share(n, results)] for name, n in missing])
    page.figure(Chart(title, SHARE_AXIS, bars, limit=100), table, beside=not labels)
    page.add("</section>")


def _scales_section(page: _Page, run: RunData) -> None:
    """Per published scale, the cases it applies to by how their total is known, and the cases per band."""
    rows = scale_rows(run.summary)
    if not rows:
        return
    page.add(f'<section id="scales"><h2>{_e(SCALES_TITLE)}</h2>')
    page.add('<p class="note">A scale counts for a case when its paper describes it for such a case (or whether '
             "it does is not known); a total is computed from the components, given as a total, or not known. "
             "The scales are context beside the source article, not its points.</p>")
    page.add(page.table("t-scales", "Cases per published scale, by how the total is known",
                        [_Column("scale", code=True), _Column("cases", True), _Column("total computed", True),
                         _Column("total given", True), _Column("no total", True)], [list(r) for r in rows]))
    bands = band_rows(run.summary)
    if bands:
        page.add(page.table("t-bands", BANDS_TITLE, [_Column("scale", code=True), _Column("band", code=True),
                                                     _Column("cases", True)], [list(r) for r in bands]))
    page.add("</section>")


def _errors_section(page: _Page, run: RunData) -> None:
    s = run.summary
    c = s["counts"]
    page.add('<section id="errors"><h2>Errors</h2>')
    if not run.errors_read:
        page.add('<p class="none">No error file was read.</p>')
    elif not c["errors"]:
        page.add('<p class="none">No errors: every row read gave a result.</p>')
    else:
        for key, what, head in (("by_reason", "reason", "reason"), ("by_field", "field", "field")):
            ranked = _ranked(s["errors"][key])
            title = f"Errors by {what} (n = {c['errors']} of {c['rows_read']} rows read)"
            bars = [Bar(name, n, f"{n} ({_pct(n, c['errors']):.1f}%)") for name, n in ranked]
            table = page.table(f"t-errors-{what}", f"Errors by {what}: numbers",
                               [_Column(head, code=True), _Column("rows", True),
                                _Column("share of errors (%)", True)],
                               [[name, n, _share(n, c["errors"])] for name, n in ranked])
            page.figure(Chart(title, "rows (count)", bars), table)
    page.add("</section>")


def source_lines(pack: Any) -> list[str]:
    """One line per source of the pack, as the page's footer shows it: "title \u2014 publisher".

    Why one function: the pack metadata is gaining a fuller description of its source (title,
    kind of publisher, date, "a clinic's web article, not a clinical guideline", scope); when it
    lands, this is the one place that reads it instead of title and publisher."""
    sources = pack.parts[0].meta.sources  # the source article's; a set's papers belong to the published scales
    return [source.title + (f" \u2014 {source.publisher}" if source.publisher else "") for source in sources]


def _pack_lines(run: RunData, pack: Any) -> list[str]:
    lines = []
    for ref, n in run.packs.items():
        lines.append(f'<p class="sha">Rule pack {_e(ref.name)} {_e(ref.version)}, sha256 {_e(ref.sha256)} '
                     f"({n} results)</p>")
    if run.other_packs:
        lines.append(f"<p>{run.other_packs} more results from other rule packs</p>")
    if len(run.packs) + (1 if run.other_packs else 0) > 1:
        lines.append("<p>These results come from more than one rule pack: the counts mix them.</p>")
    if not run.packs and not run.other_packs:
        lines.append("<p>No result names a rule pack (there are no results).</p>")
    if pack is not None and _ref(pack) in run.packs:
        lines += [f'<p class="source">Source: {_e(line)}</p>' for line in source_lines(pack)]
    elif run.packs:
        lines.append("<p>Sources not shown: the rule pack at hand is not the one these results name "
                     "(give it with --pack).</p>")
    return lines


def summary_page(run: RunData, pack: Any = None) -> str:
    """The page for a run (deterministic). ``pack``: the loaded rule pack; when it is the one the
    results name, its sources, factor labels and field labels are shown."""
    labels: dict[str, str] = {}
    if pack is not None and _ref(pack) in run.packs:
        labels = {f.id: f.label for f in pack.meta.factors}
        labels.update({name: spec.label for name, spec in pack.fields.items()})
    c = run.summary["counts"]
    page = _Page()
    page.add(f'<header><h1>{_e(TITLE)}</h1><p class="notice" role="note" id="notice">{_e(NOTICE)}</p></header>')
    page.add("<main>")
    _counts_section(page, run)
    if c["rows_read"] == 0:
        page.add('<p class="none" id="empty">The run read no rows: there are no cases and no errors to draw.</p>')
    elif c["results"] == 0:
        page.add(f'<p class="none" id="no-results">No row gave a result: all {c["errors"]} rows read are in the '
                 "error file, so there are no cases per site, factors or missing information to draw.</p>")
    else:
        _sites_section(page, run, labels)
        _missing_section(page, run, labels)
        _scales_section(page, run)
    if c["rows_read"]:
        _errors_section(page, run)
    page.add("</main>")
    words = "; ".join(f"{_e(KIND_WORDS[k])} = {_e(k)}" for k in KIND_ORDER)
    page.add('<footer id="pack">' + "".join(_pack_lines(run, pack))
             + f"<p>Kinds as summary.json names them: {words}.</p></footer>")
    head = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="cryoelig">', f"<title>{_e(TITLE)}</title>", f"<style>{CSS}</style>",
        "</head>", "<body>", glyph_defs(page.glyphs).rstrip(),
    ]
    return "\n".join([*head, *page.parts, "</body>", "</html>", ""])


def _ref(pack: Any) -> PackRef:
    """The pack as a report names it (``Report.pack``): a set's name, version and sha256."""
    return PackRef(pack.name, pack.version, pack.sha256)


def batch_run(summary: dict[str, Any], pack: Any) -> RunData:
    """The RunData of a batch that just finished with ``pack`` (every result is from it)."""
    return RunData(summary, {_ref(pack): summary["counts"]["results"]})


def batch_page(summary: dict[str, Any], pack: Any) -> bytes:
    """The page of a batch that just ran with ``pack``: ``run_batch``'s ``draw_page``."""
    return summary_page(batch_run(summary, pack), pack).encode("utf-8")


PAGE_SUFFIXES = (".html", ".htm")


def check_page_target(path: Path, option: str) -> None:
    """Before any work: the page's file name is an HTML page and matplotlib is installed (whether
    the file may be written is the output rules' question: cryoelig.batch.outfiles)."""
    from ..errors import InputError, Problem
    from .charts import require_matplotlib

    if path.suffix.lower() not in PAGE_SUFFIXES:
        raise InputError([Problem(f"{option} takes a .html file (the summary page with its figures)",
                                  file=str(path))])
    require_matplotlib()
