"""One normalization (issue 22, deliverable 1) and the grammar as documented (issue 26, deliverable 5).

A number means the same whichever way it arrives (file, CSV/Parquet/xlsx cell, checklist, web form, API):
a comma that may be a thousands separator or a decimal comma is read by the field's range or refused with
both readings named; a value outside a field's plausible range is refused, with the unit slip it matches;
every reading the range chose is an input note. The grammar takes ASCII digits only, whole numbers without
a decimal point, no signed zero, bounded counts, and no control character in any text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cryoelig.case.contract import Case, case_fields, parse_case
from cryoelig.errors import InputError
from cryoelig.inputs import read_case
from cryoelig.inputs.sources import open_source
from cryoelig.rulepack.load import load_pack
from cryoelig.views.checklist import parse_answer
from cryoelig.views.questions import questions_for


def _case(data: dict[str, Any]) -> Case:
    return parse_case({"case_id": "c-1", "site": "liver", **data}, load_pack())


def _refused(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(InputError) as info:
        _case(data)
    return info.value.problems


def _csv_case(tmp_path: Path, header: str, row: str) -> Case:
    path = tmp_path / "cases.csv"
    path.write_text(f"case_id,site,{header}\nc-1,liver,{row}\n", encoding="utf-8")
    with open_source(str(path)) as source:
        decoder = source.decoder()
        [rec] = [r for r, _ in source.records(source.start) if r is not None]
        return parse_case(decoder(rec), load_pack())


# ---------------------------------------------------------------- issue 22, seen: platelets "150,000"

def test_platelets_150_000_per_ul_is_never_read_as_150_per_ul():
    """Seen: read as 150 per uL, shown as 0.15 x10^9/L, band 'under 50'. The decimal reading is outside the
    field's range (under 1,000 per uL), so the comma is a thousands separator, and the note says so."""
    case = _case({"labs": {"platelets_per_ul": "150,000"}})
    assert case.facts()["labs.platelets"] == 150
    notes = case.input_notes(load_pack())
    assert notes[0].startswith("labs.platelets_per_ul 150000 from 150,000: the comma read as thousands separator")
    assert "as decimal mark it reads 150, outside 1000 to 5000000 per uL" in notes[0]
    assert notes[1] == "labs.platelets 150 x10^9/L from platelets_per_ul 150000"


def test_platelets_150_000_in_a_csv_cell_reads_the_same(tmp_path: Path):
    case = _csv_case(tmp_path, "labs.platelets_per_ul", '"150,000"')
    assert case.facts()["labs.platelets"] == 150 and "thousands separator" in case.input_notes(load_pack())[0]
    semicolons = tmp_path / "semi.csv"  # a ';'-delimited export needs no quotes around the comma
    semicolons.write_text("case_id;site;labs.platelets_per_ul\nc-1;liver;150,000\n", encoding="utf-8")
    with open_source(str(semicolons)) as source:
        [rec] = [r for r, _ in source.records(source.start) if r is not None]
        assert parse_case(source.decoder()(rec), load_pack()).facts()["labs.platelets"] == 150


def test_a_comma_both_readings_fit_is_refused_with_both_named():
    [problem] = _refused({"labs": {"platelets": "1,500"}})
    assert problem.field == "labs.platelets"
    assert "reads as 1500 (the comma as thousands separator) or as 1.5 (the comma as decimal mark)" in problem.message


@pytest.mark.parametrize(("field", "written", "value", "note"), [
    ("labs.inr", "1,500", 1.5, "labs.inr 1.5 from 1,500: the comma read as decimal mark; as thousands separator "
     "it reads 1500, outside 0.5 to 20"),
    ("tumor.size_cm", "2,500", 2.5, "tumor.size_cm 2.5 from 2,500: the comma read as decimal mark"),
    ("labs.platelets_per_ul", "1,500,000", 1500, "labs.platelets_per_ul 1500000 from 1,500,000: the commas read "
     "as thousands separators"),
])
def test_the_range_chooses_the_one_reading_that_fits_and_says_so(field, written, value, note):
    group, name = field.split(".")
    case = _case({group: {name: written}})
    shown = "labs.platelets" if field == "labs.platelets_per_ul" else field
    assert case.facts()[shown] == value
    assert case.input_notes(load_pack())[0].startswith(note)


def test_a_decimal_comma_alone_is_one_reading_without_a_note():
    case = _case({"tumor": {"size_cm": "3,8"}, "labs": {"platelets": "0,500"}})
    assert case.facts()["tumor.size_cm"] == 3.8 and case.facts()["labs.platelets"] == 0.5
    # no note of a reading (platelets 0.5 answers the bleeding question through a link: that note is not one)
    assert [n for n in case.input_notes(load_pack()) if " through link " not in n] == []


# ---------------------------------------------------------------- plausible ranges and unit slips

@pytest.mark.parametrize(("data", "field", "words"), [
    ({"labs": {"platelets_per_ul": 150}}, "labs.platelets_per_ul", "under 1000 it looks like a count in x10^9/L"),
    ({"labs": {"platelets": 150000}}, "labs.platelets", "over 5000 it reads as a count per uL"),
    ({"tumor": {"size_cm": 85}}, "tumor.size_cm", "over 50 it reads as a size in mm"),
    ({"ecog": 80}, "ecog", "reads as a Karnofsky status"),
    ({"kps": 3}, "kps", "reads as an ECOG grade"),
    ({"labs": {"inr": 70}}, "labs.inr", "neither of which is an INR"),
])
def test_a_value_outside_the_range_names_the_unit_slip_it_matches(data, field, words):
    [problem] = _refused(data)
    assert problem.field == field and problem.message.startswith("out of range: expected") and words in problem.message


def test_a_value_outside_the_range_without_a_known_slip_names_the_range_only():
    [problem] = _refused({"symptoms": {"pain_score": 11}})
    assert problem.message == "out of range: expected a whole number from 0 to 10"


def test_every_numeric_field_has_a_plausible_range_in_the_model_and_the_table():
    """A numeric field without both bounds, or whose model bounds differ from the table, fails here."""
    from cryoelig.case.measures import MEASURES

    numeric = {name for name, spec in case_fields().items() if spec["type"] == "number"}
    numeric |= {"tumor.size_mm", "labs.platelets_per_ul"}
    assert numeric == set(MEASURES)
    schema = Case.model_json_schema()
    for name, measure in MEASURES.items():
        *group, leaf = name.split(".")
        props = schema["$defs"][_def_of(schema, group[0])]["properties"] if group else schema["properties"]
        [typed] = [t for t in props[leaf]["anyOf"] if t["type"] != "null"]
        bounds = (typed.get("minimum", typed.get("ge")), typed.get("maximum", typed.get("le")))
        assert bounds == (measure.low, measure.high), name
        assert typed["type"] == ("integer" if measure.whole else "number"), name


def _def_of(schema: dict[str, Any], group: str) -> str:
    return schema["properties"][group]["anyOf"][0]["$ref"].rsplit("/", 1)[1]


# ---------------------------------------------------------------- issue 26, seen: the grammar as documented

@pytest.mark.parametrize("written", ["３.５", "١٢", "3.５", "٣,٥"])
def test_digits_other_than_ascii_are_refused_in_every_format(tmp_path: Path, written):
    """Seen: fullwidth and Arabic-Indic digits were read as a size (Python's \\d and float() take them)."""
    message = "expected a number written with the digits 0-9"
    assert message in _refused({"tumor": {"size_cm": written}})[0].message
    (tmp_path / "c.yaml").write_text(f"case_id: c-1\nsite: liver\ntumor:\n  size_cm: {written}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_case(str(tmp_path / "c.yaml"), load_pack())
    with pytest.raises(InputError, match=message):
        _csv_case(tmp_path, "tumor.size_cm", f'"{written}"')


def test_digits_other_than_ascii_are_refused_in_the_checklist():
    question = next(q for q in questions_for(load_pack(), "liver") if q.field == "tumor.size_cm")
    with pytest.raises(ValueError, match="expected a number"):
        parse_answer(question, "３.５")
    with pytest.raises(ValueError, match="expected a whole number|expected"):
        parse_answer(next(q for q in questions_for(load_pack(), "bone") if q.field == "symptoms.pain_score"),
                     "7/１０")


@pytest.mark.parametrize("document", ['{"case_id": "c-1", "site": "bone", "symptoms": {"pain_score": 7.0}}',
                                      "case_id: c-1\nsite: bone\nsymptoms:\n  pain_score: 7.0\n",
                                      "case_id: c-1\nsite: bone\nsymptoms:\n  pain_score: '7.0'\n"])
def test_a_whole_number_written_with_a_decimal_point_is_refused(tmp_path: Path, document):
    """Seen: 7.0 for an integer pain score was accepted (a decoded float passed is_integer())."""
    path = tmp_path / ("c.json" if document.startswith("{") else "c.yaml")
    path.write_text(document, encoding="utf-8")
    with pytest.raises(InputError, match="expected a whole number, written without a decimal point"):
        read_case(str(path), load_pack())


@pytest.mark.parametrize(("name", "document"), [
    ("c.json", '{"case_id": "c-1", "site": "bone", "symptoms": {"pain_score": -0}}'),
    ("c.json", '{"case_id": "c-1", "site": "bone", "tumor": {"size_cm": -0.0}}'),
    ("c.yaml", "case_id: c-1\nsite: bone\nsymptoms:\n  pain_score: -0\n"),
    ("c.yaml", "case_id: c-1\nsite: bone\ntumor:\n  size_cm: -0.0\n"),
    ("c.yaml", "case_id: c-1\nsite: bone\nsymptoms:\n  pain_score: '-0'\n"),
])
def test_a_signed_zero_is_refused_though_json_and_yaml_decode_it_to_zero(tmp_path: Path, name, document):
    """Seen: -0 was accepted (JSON and YAML decode it to 0, so the readers keep its text)."""
    (tmp_path / name).write_text(document, encoding="utf-8")
    with pytest.raises(InputError, match=r"a signed zero \(-0\)"):
        read_case(str(tmp_path / name), load_pack())


@pytest.mark.parametrize("count", [10**29, "1" + "0" * 29, 101])
def test_a_count_is_bounded(count):
    """Seen: a tumor.count of 10^29 was accepted (it had a lower bound only)."""
    [problem] = _refused({"tumor": {"count": count}})
    assert problem.field == "tumor.count" and problem.message == "out of range: expected a whole number from 1 to 100"


@pytest.mark.parametrize("data", [{"notes": "a\u0000b"}, {"overall_health": "poor\u0000"},
                                  {"treatments": ["surgery\u0000"]}, {"tumor": {"histology": "\u001b[31mx"}},
                                  {"notes": "a\u0085b"}])
def test_a_control_character_is_refused_in_any_text_value(data):
    """Seen: a NUL escape in a JSON string was accepted; the message shows no value."""
    [problem] = _refused(data)
    assert problem.message == "a text value with a control character (such as NUL) is refused (not shown)"


def test_a_nul_escape_in_a_json_file_is_refused(tmp_path: Path):
    (tmp_path / "c.json").write_text(json.dumps({"case_id": "c-1", "site": "bone", "notes": "pain\u0000"}))
    with pytest.raises(InputError, match="control character"):
        read_case(str(tmp_path / "c.json"), load_pack())


def test_tab_and_line_breaks_stay_allowed_in_notes():
    assert _case({"notes": "line one\n\tline two\r\n"}).notes is not None


# ---------------------------------------------------------------- typed cells and the checklist

def test_typed_cells_are_read_by_value(tmp_path: Path):
    """A double column holds 7 as 7.0 (pandas writes an integer column with gaps so): a whole double in a
    whole-number column is that number; a fraction there, or a signed zero, is refused."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "cases.parquet"
    table = pa.table({"case_id": ["a", "b", "c", "d"], "site": ["bone"] * 4,
                      "symptoms.pain_score": [7.0, 7.5, -0.0, None], "labs.platelets_per_ul": ["150,000"] * 4})
    pq.write_table(table, path)
    with open_source(str(path)) as source:
        decoder = source.decoder()
        outcomes = []
        for rec, _ in source.records(source.start):
            if rec is None:
                continue
            try:
                outcomes.append(parse_case(decoder(rec), load_pack()).facts().get("symptoms.pain_score"))
            except InputError as error:
                outcomes.append(error.problems[0].message)
    assert outcomes == [7, "expected a whole number, written without a decimal point",
                        "a signed zero (-0) is not a value a case can mean", None]


def test_the_checklist_reads_a_number_as_a_case_file_does():
    question = next(q for q in questions_for(load_pack(), "liver", scales=True) if q.field == "labs.platelets")
    with pytest.raises(ValueError, match=r"reads as 1500 \(the comma as thousands separator\) or as 1.5"):
        parse_answer(question, "1,500")
    answer = parse_answer(question, "150,000")  # as a decimal mark: 150 x10^9/L; kept as typed, for the note
    case = _case({"labs": {"platelets": answer.value}})
    assert case.facts()["labs.platelets"] == 150 and "decimal mark" in case.input_notes(load_pack())[0]
    with pytest.raises(ValueError, match="over 5000 it reads as a count per uL"):
        parse_answer(question, "150000")
