"""The printable report of one case: a self-contained HTML page, and the same in Markdown.

Why self-contained: the page is printed or attached to a meeting record, often offline, so
it carries its own CSS, loads nothing (a Content-Security-Policy forbids any fetch), runs
no script, and escapes every text that comes from the case or the pack. Sections, in order:
the non-diagnostic notice and the source, case facts, points grouped by kind (each with its
rule, basis and source quotes), missing information, optionally the rules that did not apply,
and the pack name, version and hash. The page reads on a phone (420 px) as well as on paper:
nothing overflows its width, and only the hash may break anywhere.
"""

from __future__ import annotations

from html import escape

from ..report.projection import Clause, Finding, Missing, Report, format_value
from .common import (
    GROUPS,
    MISSING_LEAD,
    MISSING_TITLE,
    NONE_RAISED,
    NOTHING_MISSING,
    TITLE,
    MissingItem,
    clause_text,
    missing_items,
    source_lines,
)
from .markdown import to_markdown
from .scale_lines import html_section

CSS = """
:root { --ink: #1b1f23; --muted: #57606a; --line: #d0d7de;
        --supporting: #1a7f37; --caution: #9a6700; --context: #0969da; --missing: #8250df; }
* { box-sizing: border-box; }
html { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #fff; }
body { max-width: 60rem; margin: 0 auto; padding: 1.2rem 1.5rem; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; }
h2 { font-size: 1.05rem; margin: 1rem 0 .35rem; padding-bottom: .15rem; border-bottom: 1px solid var(--line); }
.case { margin: 0 0 .5rem; color: var(--muted); }
.source { margin: 0 0 .5rem; }
.notice { border: 2px solid var(--ink); padding: .45rem .7rem; margin: .5rem 0 .8rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .18rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; width: 40%; }
td code, th code { color: var(--muted); font-size: .85em; }
.facts { columns: 2; column-gap: 2rem; }
.facts div { break-inside: avoid; display: flex; flex-wrap: wrap; justify-content: space-between;
             column-gap: 1rem; border-bottom: 1px solid var(--line); padding: .12rem 0; }
.facts dt { font-weight: 600; min-width: 0; } .facts dd { margin: 0 0 0 auto; text-align: right; min-width: 0; }
code { overflow-wrap: anywhere; }
ol.points { margin: 0; padding-left: 1.4rem; }
ol.points li { margin: 0 0 .55rem; padding-left: .5rem; border-left: 3px solid var(--kind); break-inside: avoid; }
section.supporting { --kind: var(--supporting); } section.caution { --kind: var(--caution); }
section.context { --kind: var(--context); } section.missing { --kind: var(--missing); }
section.scales { --kind: var(--muted); }
section h2 .count { color: var(--kind); }
.point { margin: 0; }
.basis, .rule { margin: .1rem 0 0; color: var(--muted); font-size: .88em; }
.basis .unknown { color: var(--caution); } .basis .notmet { color: #cf222e; }
blockquote { margin: .15rem 0 0; padding: 0 0 0 .6rem; border-left: 2px solid var(--line); font-size: .88em;
             font-style: italic; }
blockquote cite { font-style: normal; color: var(--muted); }
.waiting { color: var(--muted); font-size: .88em; }
.none { color: var(--muted); font-style: italic; margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
footer p { margin: .1rem 0; }
footer { margin-top: 1.2rem; padding-top: .4rem; border-top: 1px solid var(--line); color: var(--muted);
         font-size: .85em; }
footer .hash { overflow-wrap: anywhere; }
ul.fields { margin: .1rem 0 0; padding-left: 1.2rem; }
@media (max-width: 40rem) {
  body { padding: .8rem .7rem; }
  .facts { columns: 1; }
  th { width: auto; }
}
@page { size: A4; margin: 10mm; }
@media print {
  html { font-size: 7.6pt; line-height: 1.25; }
  body { max-width: none; padding: 0; }
  main { column-count: 2; column-gap: 7mm; }
  main section:first-child h2 { margin-top: 0; }
  ol.points li { margin-bottom: .35rem; break-inside: auto; }
  .why, .facts code { display: none; }
  .facts { column-count: 3; }
  blockquote { line-height: 1.2; }
  h2 { margin: .6rem 0 .25rem; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _clause_html(clause: Clause) -> str:
    css = clause.result.replace(" ", "")
    return f'<span class="{css}">{_e(clause_text(clause))}</span>'


def _finding_html(f: Finding) -> str:
    """One point: its text, rule, factor and basis, and each source quote with its source id (the
    header's "Source:" line names each source once)."""
    quotes = "".join(
        f"<blockquote>\u201c{_e(s.quote)}\u201d"
        + f" <cite>\u2014 <code>{_e(s.source)}</code></cite></blockquote>"
        for s in f.sources)
    basis = "; ".join(_clause_html(c) for c in f.basis)
    return (f'<li><p class="point">{_e(f.text)}</p>'
            f'<p class="basis">Rule <code>{_e(f.rule)}</code> \u00b7 factor <code>{_e(f.factor)}</code> '
            f"\u00b7 basis: {basis}</p>{quotes}</li>")


def _field_html(m: Missing) -> str:
    return (f"<strong>{_e(m.label)}</strong> <code>{_e(m.field)}</code>"
            + (f": {_e(m.meaning)}" if m.meaning else ""))


def _item_html(item: MissingItem) -> str:
    """One item of missing information: its field(s) with what each means, the points waiting."""
    if item.group:
        fields = "".join(f"<li>{_field_html(m)}</li>" for m in item.fields)
        head = f'<p class="point"><strong>{_e(item.label)}</strong></p><ul class="fields">{fields}</ul>'
    else:
        head = f'<p class="point">{_field_html(item.fields[0])}</p>'
    return f'<li>{head}<p class="basis why">{_e(item.waiting)}</p></li>'


def _missing_html(report: Report) -> list[str]:
    out = [f'<section class="missing" id="missing"><h2>{_e(MISSING_TITLE)} <span class="count">'
           f"({len(report.missing)})</span></h2>"]
    if not report.missing:
        return [*out, f'<p class="none">{_e(NOTHING_MISSING)}</p>', "</section>"]
    out.append(f'<p class="waiting">{_e(MISSING_LEAD)}</p><ol class="points">')
    out += [_item_html(item) for item in missing_items(report.missing, "site")]
    general = missing_items(report.missing, "general")
    if general:  # one item holding every field that points of any site wait on
        out.append('<li><p class="point">For any site:</p><ol class="points">'
                   + "".join(_item_html(item) for item in general) + "</ol></li>")
    return [*out, "</ol>", "</section>"]


def _footer(report: Report) -> str:
    p = report.pack
    return (f'<footer id="pack"><p>Rule pack {_e(p.name)} {_e(p.version)}, sha256 '
            f'<span class="hash">{_e(p.sha256)}</span> · report schema version {report.schema_version}</p>'
            "</footer>")


def _headline_html(report: Report) -> list[str]:
    """What matters first: the headline's counts, then the background every case of the site gets in one line."""
    h = report.headline
    if h is None:
        return []
    return [f'<p class="headline" id="headline"><strong>{_e(h.text)}</strong></p>',
            *([f'<p class="background-line">{_e(h.background)}</p>'] if h.background else [])]


def to_html(report: Report, labels: dict[str, str] | None = None, why_not: bool = False, **_: object) -> str:
    """The report as one self-contained HTML page (deterministic for a case and a pack)."""
    labels = labels or {}
    out = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="cryoelig">',
        f"<title>{_e(TITLE)}: case {_e(report.case_id)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<header>", f"<h1>{_e(TITLE)}</h1>",
        f'<p class="case">Case <strong>{_e(report.case_id)}</strong> \u00b7 site '
        f"<strong>{_e(format_value(report.site))}</strong> \u00b7 {len(report.findings)} points, "
        f"{len(report.missing)} missing</p>",
        f'<p class="notice" role="note" id="notice">{_e(report.disclaimer)}</p>',
        *(f'<p class="source">{_e(line)}</p>' for line in source_lines(report)), *_headline_html(report), "</header>",
        '<section id="facts"><h2>Case facts</h2><dl class="facts">',
    ]
    for name, value in report.facts.items():
        label = labels.get(name, name)
        out.append(f'<div><dt>{_e(label)} <code>{_e(name)}</code></dt><dd>{_e(format_value(value))}</dd></div>')
    out.append("</dl>")
    if report.input_notes:
        out.append("<ul>" + "".join(f"<li>Input: {_e(n)}</li>" for n in report.input_notes) + "</ul>")
    out.append("</section>")
    out.append("<main>")
    for kind, title in GROUPS:
        items = [f for f in report.findings if f.kind == kind]
        out.append(f'<section class="{kind}" id="{kind}"><h2>{_e(title)} <span class="count">({len(items)})'
                   "</span></h2>")
        if items:
            out.append('<ol class="points">' + "".join(_finding_html(f) for f in items) + "</ol>")
        else:
            out.append(f'<p class="none">{_e(NONE_RAISED)}</p>')
        out.append("</section>")
    out += html_section(report)
    out += _missing_html(report)
    if why_not:
        out.append('<section id="why-not"><h2>Rules that did not apply</h2><table><thead><tr><th>rule</th>'
                   "<th>clause not met, with the case value</th></tr></thead><tbody>")
        for na in report.not_applicable:
            out.append(f"<tr><td><code>{_e(na.rule)}</code></td><td>"
                       + "; ".join(_e(clause_text(c)) for c in na.clauses) + "</td></tr>")
        out.append("</tbody></table></section>")
    out.append("</main>")
    out += [_footer(report), "</body>", "</html>", ""]
    return "\n".join(out)


def to_printable_markdown(report: Report, labels: dict[str, str] | None = None, why_not: bool = False,
                          **_: object) -> str:
    """The printable report in Markdown: the same sections as the HTML page."""
    return to_markdown(report, sources=True, why_not=why_not, facts=True, labels=labels)
