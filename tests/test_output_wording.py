"""Hard line 1, checked on generated output: no rendering of any case says or implies a recommendation."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data

from cryoelig import render
from cryoelig.case import parse_case
from cryoelig.report import build_reports
from cryoelig.wording import directive_words, readable


def all_renderings(report) -> dict[str, str]:
    """Every registered rendering of a report, as a person would read it."""
    out = {f"report {name}": render.get("report", name).render(report, sources=True, why_not=True, width=100)
           for name in render.names("report")}
    # The binary printable formats (pdf) lay out the html page with a fixed stylesheet; their text is
    # checked through pdftotext in tests/web/test_pdf.py.
    out |= {f"printable {name}": render.get("printable", name).render(report, why_not=True)
            for name in render.names("printable") if render.get("printable", name).media_type != "application/pdf"}
    assert {"report rich", "report json", "report markdown", "printable html"} <= set(out)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data(case_id="case-1"), st.booleans())
def test_no_directive_wording_in_any_rendered_output(pack, data, engine):
    report = build_reports([parse_case(data)], pack, use_engine=engine)[0]
    for name, text in all_renderings(report).items():
        assert directive_words(readable(text)) == [], (name, directive_words(readable(text)))


def test_the_property_would_catch_a_directive_text(pack):
    """The check above can fail: a report whose text is directive is caught."""
    report = build_reports([parse_case({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 2}})], pack)[0]
    finding = report.findings[0].model_copy(update={"text": "The patient is a good candidate."})
    bad = report.model_copy(update={"findings": [finding]})
    assert all(directive_words(readable(t)) for t in all_renderings(bad).values())
