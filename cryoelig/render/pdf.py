"""The printable report as a PDF: the HTML page of ``render.html`` laid out on A4 by WeasyPrint.

Why WeasyPrint: it is the field's HTML-to-PDF library for Python (CSS Paged Media: ``@page`` size
and margin boxes, page counters), it needs only Pango from the system (no browser, no TeX), and
it prints the same HTML page ``cryoelig report --out x.html`` writes, so the PDF cannot say
anything the page does not. What the PDF adds is in its own stylesheet: every page carries the
source line at the top and the non-diagnostic notice at the bottom (``@top-left`` /
``@bottom-left`` margin boxes), with "page n of m", so a page torn from a printout still says
where its points come from and what they are not.

WeasyPrint comes from the optional ``[pdf]`` extra; without it the format says which extra to
install (one line, exit 2 on the command line).
"""

from __future__ import annotations

import re

from ..errors import CryoeligError
from ..report.projection import Report
from .html import to_html

PDF_HINT = "a PDF needs the optional pdf extra (WeasyPrint): pip install 'cryoelig[pdf]'"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PdfUnavailableError(CryoeligError):
    """WeasyPrint (the ``[pdf]`` extra) is not installed, or the system's Pango cannot be loaded."""


def css_string(text: str) -> str:
    """Text as a CSS string literal: quotes and backslashes escaped, control characters dropped."""
    text = _CONTROL.sub(" ", text)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def source_text(report: Report) -> str:
    """The source line each page carries: the shared 'Source:' line when the renderers have one,
    else the titles of the sources the points quote (the pack's first source when none is quoted)."""
    try:
        from .common import source_lines  # the one "Source:" line of every view, when present
    except ImportError:
        source_lines = None
    if source_lines is not None and getattr(report, "sources", None):
        return " ".join(source_lines(report))
    titles = list(dict.fromkeys(s.title for f in report.findings for s in f.sources))
    return "Source: " + ("; ".join(titles) if titles else "the rule pack's cited source document") + "."


def page_css(report: Report) -> str:
    """A4 with the source line on top and the notice and the page number at the bottom of every page."""
    return f"""
@page {{
  size: A4;
  margin: 15mm 11mm 19mm 11mm;
  @top-left {{ content: {css_string(source_text(report))}; font: 7pt/1.25 sans-serif; color: #424a53;
               vertical-align: bottom; padding-bottom: 2mm; }}
  @bottom-left {{ content: {css_string(report.disclaimer)}; font: italic 6.6pt/1.25 sans-serif; color: #1b1f23;
                  vertical-align: top; padding-top: 2mm; width: 160mm; }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); font: 7pt sans-serif; color: #424a53;
                   vertical-align: top; padding-top: 2mm; }}
}}
footer {{ margin-top: .5rem; padding-top: .2rem; }}  /* the pack line stays on the page it ends */
header .source {{ display: none; }}  /* the running header carries the source line */
html {{ font-size: 7.2pt !important; }}  /* the print size (7.6pt) a little smaller: each example on one A4 page */
"""


def to_pdf(report: Report, labels: dict[str, str] | None = None, why_not: bool = False, **_: object) -> bytes:
    """The printable report as PDF bytes (A4; source line and notice on every page)."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError):  # OSError: the system's Pango cannot be loaded
        raise PdfUnavailableError(PDF_HINT) from None
    page = to_html(report, labels=labels, why_not=why_not)
    document = HTML(string=page, base_url=None).render(stylesheets=[CSS(string=page_css(report))])
    return document.write_pdf()
