"""Hard line 1, checked on generated output: no rendering of any case says or implies a recommendation."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data

from cryoelig import render
from cryoelig.case.contract import parse_case
from cryoelig.facade import review
from cryoelig.report.compact import compact_of
from cryoelig.report.words import words_json
from cryoelig.wording import directive_words, own_words, readable


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
    case = parse_case(data, pack)
    reviewed = review(case, pack, use_engine=engine)
    report = reviewed.report
    outputs = all_renderings(report)
    outputs["compact line"] = compact_of(case, reviewed.trace).model_dump_json()  # a batch's --report compact
    for name, text in outputs.items():
        # a marked quotation (a cited title, a scale's published wording) is the paper's words, not the tool's
        mine = own_words(readable(text))
        assert directive_words(mine) == [], (name, directive_words(mine))


def test_the_property_would_catch_a_directive_text(pack):
    """The check above can fail: a report whose text is directive is caught."""
    report = review(parse_case({"case_id": "c", "site": "kidney", "tumor": {"size_cm": 2}}, pack), pack).report
    finding = report.findings[0].model_copy(update={"text": "The patient is a good candidate."})
    bad = report.model_copy(update={"findings": [finding]})
    assert all(directive_words(readable(t)) for t in all_renderings(bad).values())


def test_no_directive_wording_in_the_words_file(pack, source_pack):
    """The words a compact run writes once (``<out>.words.json``): every rule's text, clause, label and quote,
    every field's meaning, every scale's bands; and the check would catch a directive one."""
    for loaded in (pack, source_pack):
        text = words_json(loaded).decode()
        assert directive_words(own_words(readable(text))) == []
        planted = text.replace(loaded.rules[0].spec.text or "", "The patient is a good candidate.", 1)
        assert directive_words(own_words(readable(planted)))


def scales_renderings(report) -> dict[str, str]:
    """The published-scales section alone, in each view (the section the advice check applies to)."""
    from cryoelig.render.scale_lines import html_section, markdown_section

    def strings(value) -> list[str]:  # the JSON's values (its keys are the schema's names)
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    section = report.published_scales
    return {"json": "\n".join(strings(section.model_dump(mode="json"))) if section else "",
            "markdown": "\n".join(markdown_section(report)), "html": "\n".join(html_section(report))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data(case_id="case-2"))
def test_no_advice_in_the_published_scales_section(pack, data):
    """The section's own words (bands, components, points, citations) carry neither directive nor advice
    wording: no 'requires fixation', 'unstable, refer', 'not a candidate'. A marked quotation (a cited title,
    a scale's published wording) is the paper's words and is read around, as in the test above."""
    from cryoelig.wording import advice_words

    report = review(parse_case(data, pack), pack).report
    assert report.published_scales is not None
    for name, text in scales_renderings(report).items():
        mine = own_words(text)
        assert advice_words(mine) == [], (name, advice_words(mine))


def test_the_advice_property_would_catch_a_band_that_advises(pack):
    from cryoelig.wording import advice_words

    data = {"case_id": "c", "site": "bone", "tumor": {"metastatic": True, "bone_region": "long_bone"},
            "mirels": {"total": 10}}
    report = review(parse_case(data, pack), pack).report
    section = report.published_scales
    lines = [line.model_copy(update={"band_label": "9 to 12: requires fixation; unstable, refer"})
             if line.scale == "mirels" else line for line in section.lines]
    bad = report.model_copy(update={"published_scales": section.model_copy(update={"lines": lines})})
    assert any(advice_words(own_words(t)) for t in scales_renderings(bad).values())
