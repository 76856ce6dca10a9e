"""The input layer in-process: one grammar, the readers, the extension point, limits, safe outputs."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from cryoelig.batch import OutputLock, write_atomic
from cryoelig.case.contract import parse_case
from cryoelig.case.grammar import GrammarError, parse_bool, parse_number
from cryoelig.errors import InputError, Problem
from cryoelig.inputs import Interpreter, read_case, read_case_data, register_interpreter
from cryoelig.inputs.csvrows import CsvSource, detect_delimiter, split_line
from cryoelig.inputs.documents import _INTERPRETERS
from cryoelig.inputs.lines import physical_lines
from cryoelig.rulepack.load import load_pack
from cryoelig.safetext import clean_block, clean_line


def problems(data):
    with pytest.raises(InputError) as info:
        parse_case(data, load_pack(), file="c.json")
    return info.value.problems


# ---------------------------------------------------------------- the grammar

@pytest.mark.parametrize(("text", "value"), [("true", True), ("False", False), ("YES", True), ("no", False),
                                             (" yes ", True), (True, True)])
def test_yes_no_words(text, value):
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["1", "0", "1.0", "on", "off", "y", "n", "t", 1, 0, 1.0, None, "ja"])
def test_other_yes_no_values_are_refused(text):
    with pytest.raises(GrammarError):
        parse_bool(text)


@pytest.mark.parametrize(("text", "value"), [("3.8", 3.8), ("3,8", 3.8), ("-2", -2.0), (".5", 0.5), ("4", 4.0),
                                             (2, 2), (2.5, 2.5)])
def test_plain_decimals(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1e1", "1E-5", "1,000.5", "1.000,5", "inf", "nan", "0x10", "3 cm", "", "1" * 31,
                                  float("nan"), True])
def test_other_numbers_are_refused(text):
    with pytest.raises(GrammarError) as info:
        parse_number(text)
    assert str(text) not in str(info.value) or str(text) in ("", "True")


def test_whole_numbers_take_whole_numbers_only():
    assert parse_number("7", whole=True) == 7 and parse_number(2, whole=True) == 2
    for text in ("7.5", "7,0", 7.5, "7.0", 7.0, 2.0):
        with pytest.raises(GrammarError):
            parse_number(text, whole=True)


def test_listed_values_in_any_letter_case_and_lists_deduplicated_in_one_pass():
    case = parse_case({"case_id": "c-1", "site": "Kidney", "overall_health": "POOR",
                       "tumor": {"primary_cancer": "Breast", "metastatic": "Yes", "size_cm": "3,8"},
                       "treatments": ["Surgery", "surgery", "RADIATION"]}, load_pack())
    facts = case.facts()
    assert facts["site"] == "kidney" and facts["overall_health"] == "poor"
    assert facts["tumor.primary_cancer"] == "breast" and facts["tumor.metastatic"] is True
    assert facts["tumor.size_cm"] == 3.8 and facts["treatments"] == ("surgery", "radiation")


def test_sizes_below_a_tenth_of_a_millimetre_are_refused():
    for tumor in ({"size_cm": 0.00009}, {"size_cm": 0.009}, {"size_mm": 0.09}, {"size_cm": 51}):
        [p] = problems({"case_id": "c-1", "site": "kidney", "tumor": tumor})
        assert p.field.startswith("tumor.size_")
    tiny = parse_case({"case_id": "c-1", "site": "kidney", "tumor": {"size_mm": 0.1}}, load_pack())
    assert tiny.facts()["tumor.size_cm"] == 0.01


# ---------------------------------------------------------------- limits and safe field paths

@pytest.mark.parametrize(("data", "words"), [
    ({"notes": "x" * 10_001}, "longer than 10000"),
    ({"treatments": ["surgery"] * 1001}, "more than 1000 items"),
    ({"tumor": {"count": 10**40}}, "more than 30 digits"),
    ({"k" * 129: 1}, "longer than 128"),
    ({"tumor": {"x": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": {"l": {"m": {
        "n": {"o": {}}}}}}}}}}}}}}}}}}, "nested more than 16"),
])
def test_bounds_are_one_problem_each(data, words):
    found = problems({"case_id": "c-1", "site": "kidney", **data})
    assert any(words in p.message for p in found), found


def test_unknown_fields_are_named_by_position_with_a_suggestion():
    [p] = problems({"case_id": "c-1", "site": "kidney", "tumor": {"count": 1, "locaton": "central"}})
    assert p.field == "tumor.#2" and "did you mean 'tumor.location'?" in p.message and "locaton" not in str(p)
    [p] = problems({"case_id": "c-1", "site": "kidney", "size_cm": 3})
    assert p.field == "#3" and "did you mean 'tumor.size_cm'?" in p.message
    [p] = problems({"case_id": "c-1", "site": "kidney", "Jane Dough": 3})
    assert p.field == "#3" and "did you mean" not in p.message and "Jane" not in str(p)


def test_identifying_keys_are_refused_as_identifiers_without_echo():
    [p] = problems({"case_id": "c-1", "site": "kidney", "tumor": {"123-45-6789": 1}})
    assert p.reason == "identifier" and p.field == "tumor.#1" and "social security" in p.message
    assert "123-45-6789" not in str(p)


# ---------------------------------------------------------------- readers

def test_json_and_yaml_refuse_duplicate_keys_and_accept_a_bom(tmp_path: Path):
    (tmp_path / "a.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"case_id": "c-1", "site": "kidney"}).encode())
    assert read_case(str(tmp_path / "a.json"), load_pack()).case_id == "c-1"
    (tmp_path / "b.json").write_text('{"case_id": "c-1", "site": "kidney", "site": "lung"}')
    (tmp_path / "c.yaml").write_text("case_id: c-1\nsite: kidney\nsite: lung\n")
    for name in ("b.json", "c.yaml"):
        with pytest.raises(InputError, match="'site' appears twice"):
            read_case(str(tmp_path / name), load_pack())


def test_yaml_reads_the_core_schema_without_yaml_1_1_surprises(tmp_path: Path):
    (tmp_path / "c.yaml").write_text("case_id: c-1\nsite: kidney\nnotes: 0x10 010 on y 1:30\ntumor:\n  count: 010\n")
    data, _ = read_case_data(str(tmp_path / "c.yaml"))
    assert data["tumor"]["count"] == 10
    (tmp_path / "d.yaml").write_text("case_id: 2024-03-12\nsite: kidney\n")
    with pytest.raises(InputError, match="looks like a full date"):
        read_case(str(tmp_path / "d.yaml"), load_pack())


def test_a_fhir_resource_goes_to_the_fhir_interpreter(tmp_path: Path):
    (tmp_path / "b.json").write_text(json.dumps({"resourceType": "Bundle", "entry": []}))
    # The FHIR reader (inputs/fhir.py) has replaced the built-in one: an empty Bundle names no site
    # (or, without the [fhir] extra, the extra to install).
    with pytest.raises(InputError, match="site cannot be derived|optional extra"):
        read_case(str(tmp_path / "b.json"), load_pack())
    before = dict(_INTERPRETERS)
    try:
        register_interpreter(Interpreter("fhir", lambda d: isinstance(d, dict) and "resourceType" in d,
                                         lambda d, name: {"case_id": "fhir-1", "site": "lung"}))
        assert read_case(str(tmp_path / "b.json"), load_pack()).site == "lung"
    finally:
        _INTERPRETERS.clear()
        _INTERPRETERS.update(before)


def test_physical_lines_end_at_lf_crlf_and_a_lone_cr_even_across_blocks():
    data = b"a\r\nb\rc\nd\r" + b"e" * 10 + b"\r\nf"
    for block in (1, 2, 3, 64):
        lines = list(physical_lines(io.BytesIO(data), 0, 0, 100, block=block))
        assert [line.data for line in lines] == [b"a", b"b", b"c", b"d", b"e" * 10, b"f"], block
        assert lines[-1].end == len(data) and [line.number for line in lines] == [1, 2, 3, 4, 5, 6]


def test_an_over_long_line_is_counted_but_not_kept():
    lines = list(physical_lines(io.BytesIO(b"ok\n" + b"x" * 1000 + b"\nok\n"), 0, 0, 100, block=64))
    assert [(line.data, line.size) for line in lines] == [(b"ok", 2), (None, 1000), (b"ok", 2)]


@pytest.mark.parametrize(("header", "delimiter"), [("case_id,site", ","), ("case_id;site;tumor.size_cm", ";"),
                                                   ("case_id\tsite", "\t"), ('"case_id";"site"', ";")])
def test_delimiter_detected_from_the_header(header, delimiter):
    assert detect_delimiter(header) == delimiter


def test_misplaced_quotes_make_one_unreadable_line():
    assert split_line('a,"b,c",d', ",") == ["a", "b,c", "d"]
    assert split_line('a,"say ""yes""",d', ",") == ["a", 'say "yes"', "d"]
    for bad in ('a,b"c,d', 'a,"b', 'a,"b"c', '"a" ,b'):
        assert split_line(bad, ",") is None, bad


def test_csv_header_typo_identifying_column_and_blank_rows(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("case_id;site;tumor.locaton\n")
    with pytest.raises(InputError) as info:
        CsvSource(str(path), 1 << 20)
    assert "unknown column #3 (not shown)" in str(info.value) and "did you mean 'tumor.location'?" in str(info.value)
    path.write_text("case_id,site,Jane_Doe\n")
    with pytest.raises(InputError) as info:
        CsvSource(str(path), 1 << 20)
    assert "Jane_Doe" not in str(info.value) and info.value.problems[0].reason == "identifier"
    path.write_bytes(b"case_id,site\r\nc-1,kidney\r\n,,\r\n  \r\n\r\n")
    with CsvSource(str(path), 1 << 20) as source:
        assert [r.row for r, _ in source.records(source.start) if r is not None] == [1]


# ---------------------------------------------------------------- outputs and the terminal

def test_a_second_lock_on_the_same_output_is_refused_and_the_lock_file_goes_away(tmp_path: Path):
    out = tmp_path / "r.jsonl"
    with OutputLock(out):
        with pytest.raises(InputError, match="another cryoelig batch"):
            OutputLock(out).acquire()
        assert (tmp_path / "r.jsonl.lock").exists()
    assert not (tmp_path / "r.jsonl.lock").exists()


def test_write_atomic_replaces_regular_files_only(tmp_path: Path):
    target = tmp_path / "s.json"
    write_atomic(target, b"1")
    write_atomic(target, b"2")
    assert target.read_bytes() == b"2"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dev").symlink_to("/dev/null")
    for name in ("fifo", "dev"):
        with pytest.raises(InputError, match="not a regular file"):
            write_atomic(tmp_path / name, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev", "fifo", "s.json"]  # no temporary file left


def test_sanitizer_drops_control_and_direction_characters():
    text = "a\nb\rc\x1b]52;c;aGk=\x07d\u202ee\tf"
    assert clean_line(text) == "abc]52;c;aGk=de f"
    assert clean_block(text) == "a\nbc]52;c;aGk=de\tf"
    assert "\n" not in str(Problem("m\ncryoelig: error: forged", file="x\ny"))
