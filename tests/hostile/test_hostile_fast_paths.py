"""The input side's fast paths (issue 13, faster per core) decide exactly what the long paths decide.

Each fast path is compared, on generated input, with the code it shortcuts, written out here as it was:
the bounds walk without its flat pre-check, the identifier search without its one-search hint, the CSV
line split by the csv module, the CSV row placed cell by cell, the facts read by iterating the models.
A fast path that refused less, or named a problem differently, fails here; so does one that never runs.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import case_data
from strategies_hostile import PLANTED_KEYS, SCHEMA_KEYS, hostile_cases, identifier_labels, nested

from cryoelig.case import iddates, iddigits, idnames, idscan, idtext, limits
from cryoelig.case.contract import _GROUPS, _NOT_FACTS, Case, parse_case, schema_levels
from cryoelig.case.identifiers import find_label_identifier
from cryoelig.case.limits import MAX_LIST_ITEMS, MAX_STRING_CHARS, check_structure
from cryoelig.errors import InputError
from cryoelig.inputs import RecordError, open_source
from cryoelig.inputs.base import Record
from cryoelig.inputs.csvrows import CsvDecoder, _line_pattern, split_line
from cryoelig.rulepack.load import load_pack

LEVELS = schema_levels()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- the bounds walk


def _walked(data: Any) -> list[Any]:
    """The problems of the full walk alone (check_structure as it was before its flat pre-check)."""
    problems: list[Any] = []
    if type(data) is dict:
        limits._walk_dict(data, [], (), 0, limits.MAX_DEPTH, problems, LEVELS)
    return problems


#: Values at and just over each bound the walk enforces, and types it passes or walks into.
_EDGES = [
    "x" * MAX_STRING_CHARS, "x" * (MAX_STRING_CHARS + 1), ["a"] * MAX_LIST_ITEMS, ["a"] * (MAX_LIST_ITEMS + 1),
    ["a", "x" * (MAX_STRING_CHARS + 1)], ["a", 3], [["a"]], [{"name": "x"}], 2**100 - 1, 2**100, -(2**100),
    float("inf"), float("nan"), 1.5, True, None, b"bytes", {"name": "x"}, {"size_cm": "2"}, {}, [],
]
_EDGE_VALUES = st.sampled_from(_EDGES)
_FIELD_VALUES = _EDGE_VALUES | nested(8) | st.text(max_size=12)
_NEAR_KEYS = st.sampled_from(SCHEMA_KEYS) | st.sampled_from(PLANTED_KEYS) | st.sampled_from(["name", "MRN", 3, None])


@st.composite
def near_plain_cases(draw: st.DrawFn) -> dict[Any, Any]:
    """Case-shaped data that is mostly plain (schema names, common values) with an edge here and there."""
    data: dict[Any, Any] = draw(case_data())
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from([(), *[(g,) for g in _GROUPS]]))
        target = data
        for part in where:
            target = target.setdefault(part, {})
            if type(target) is not dict:
                break
        else:
            key = draw(st.sampled_from(sorted(LEVELS[where])) | _NEAR_KEYS)
            target[key] = draw(_EDGE_VALUES | _FIELD_VALUES)
    return data


@SETTINGS
@given(near_plain_cases() | hostile_cases())
def test_check_structure_finds_what_the_full_walk_finds(data: dict[Any, Any]) -> None:
    expected = [dataclasses.replace(p, file="f.csv", row=3) for p in _walked(data)]
    assert check_structure(data, "f.csv", 3, levels=LEVELS) == expected


@pytest.mark.parametrize("where", [("goals",), ("notes",), ("tumor", "size_cm"), ("history", "failed_treatments"),
                                   ("tumor", "name"), ("name",)])
@pytest.mark.parametrize("value", _EDGES)
def test_each_bound_is_found_by_either_path(where: tuple[str, ...], value: Any) -> None:
    data: dict[str, Any] = {"case_id": "c-1", "site": "kidney", "tumor": {"count": 1}}
    target = data
    for part in where[:-1]:
        target = target.setdefault(part, {})
    target[where[-1]] = value
    assert check_structure(data, levels=LEVELS) == _walked(data)


@SETTINGS
@given(near_plain_cases())
def test_the_flat_check_passes_only_what_the_walk_passes(data: dict[Any, Any]) -> None:
    if limits._plain(data, LEVELS):
        assert _walked(data) == []


@given(case_data())
def test_a_valid_case_takes_the_flat_check(data: dict[str, Any]) -> None:
    """Else the fast path is dead code and the batch pays for the walk again."""
    assert limits._plain(data, LEVELS)


@SETTINGS
@given(near_plain_cases() | hostile_cases())
def test_parse_case_decides_the_same_with_and_without_the_flat_check(data: dict[Any, Any]) -> None:
    fast = _outcome(data)
    original = limits._plain
    limits._plain = lambda *_: False
    try:
        slow = _outcome(data)
    finally:
        limits._plain = original
    assert fast == slow


def _outcome(data: Any) -> Any:
    try:
        return parse_case(data, load_pack(), file="f", row=1).model_dump()
    except InputError as error:
        return [str(p) for p in error.problems]


# ---------------------------------------------------------------- the identifier search


def _scan_without_gates(value: str, strict: bool) -> str | None:
    """idscan.scan as it would be without its gates: every kind searched, whatever digits or capitals."""
    text = idscan.fold(value)
    low = idscan._lower(text)
    return (idtext.email_kind(low) or idtext.url_kind(low, strict) or idtext.ipv6_kind(low)
            or iddigits.digit_kind(text, low, strict) or idtext.age_kind(text, low) or idtext.record_kind(low)
            or iddates.date_kind(text, low) or idtext.zip_kind(text, low) or idtext.address_kind(text, low)
            or idnames.name_kind(text, low) or (None if strict else idnames.place_kind(text, low)))


_PIECES = st.sampled_from(["0", "12", "345", "2025", "1234567", "-", "_", ".", "/", " ", ",", "@", "://", "www.",
                           "WwW.", "\x01", "mar", "March", "x", "case", "Jane", "Doe", "(", ")", "+", "e", "١٢",
                           "II", "iv", "\u2013", "\u200b", "\uff20", "Street", "lives in ", "SW1A 1AA", "mrn ",
                           "age 9", "aged ", "93", "M", "+ ", "(617)", "Dr ", "İ", "ﬃ", "03/2024", "2019-03",
                           "1.1950", "GIR 0AA", "AIR 0AA", "29.II.1952", ".iv.", "12/1", "19", "ssn", "ss#",
                           "s/n", "sn ", "pt. id", "chart #", "medicaid no.", "medical record ", "lot ", "ab12-3"])
_TEXTS = (st.lists(_PIECES, max_size=14).map("".join) | st.text(alphabet="09-_./ @:wW\x01ab,+()MDS", max_size=24)
          | identifier_labels().map(lambda kl: kl[1]) | st.text(max_size=30))


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(_TEXTS, st.booleans())
def test_the_scan_decides_as_without_its_gates(value: str, strict: bool) -> None:
    """The scan skips digit patterns in text without a digit and names in text without a capital."""
    assert idscan.scan(value, strict) == _scan_without_gates(value, strict)


#: The patterns as they were first written (a lookbehind or an optional first character): the fast ones start
#: with a character class so that re's scan skips to it, and check the character before in Python.
_CLUSTER_SLOW = re.compile(r"(?:\+ ?|\()?[0-9]{1,15}\)?(?:(?: {0,2}[-./_] {0,2}| {1,2})\(?[0-9]{1,15}\)?){0,7}")
_CAP = r"(?:[A-Z][a-z]{1,30}(?:['’-][A-Z]?[a-z]{1,30})?|[A-Z]['’][A-Z][a-z]{1,30})"
_WORD_SLOW = re.compile(rf"{_CAP}|[A-Z]{{2,20}}(?![a-z])")
_MONTH_YEAR_SLOW = re.compile(r"(?<![0-9./-])(?:(?:0?[1-9]|1[0-2])[/.-](?:19|20)[0-9]{2}"
                              r"|(?:19|20)[0-9]{2}[/.-](?:0[1-9]|1[0-2]))(?![0-9./-])")
_RECORD_SLOW = re.compile(
    r"(?:mrn|mr ?#|mr ?no\.?|medical {1,2}record(?: {1,2}(?:number|no\.?|#))?|record {1,2}(?:number|no\.?|#)"
    r"|hospital {1,2}(?:number|no\.?|#|id)|nhs {1,2}(?:number|no\.?)|chi {1,2}(?:number|no\.?)"
    r"|patient {1,2}(?:id|number|no\.?|#)|chart(?: {1,2}(?:number|no\.?|#))?|acct|account(?: {1,2}(?:number|no\.?|#))?"
    r"|member {1,2}(?:id|number|no\.?)|policy {1,2}(?:number|no\.?)|health {1,2}plan(?: {1,2}(?:number|no\.?|id))?"
    r"|insurance {1,2}(?:id|number|no\.?)|medicare(?: {1,2}(?:number|no\.?|id))?|medicaid(?: {1,2}(?:number|no\.?|id))?"
    r"|serial(?: {1,2}(?:number|no\.?|#))?|s/n|sn|device {1,2}(?:id|serial)|lot(?: {1,2}(?:number|no\.?|#))?"
    r"|licen[cs]e(?: {1,2}(?:number|no\.?|#))?|passport(?: {1,2}(?:number|no\.?|#))?|plate(?: {1,2}(?:number|no\.?))?"
    r"|accession(?: {1,2}(?:number|no\.?|#))?|specimen {1,2}(?:id|number|no\.?)|pt\.? {0,2}(?:id|no\.?|number|#)"
    r"|ssn|ss ?#|social {1,2}security(?: {1,2}(?:number|no\.?))?)"
    r"(?![a-z]) {0,2}[:#=]? {0,2}(?:is {1,2})?"
    r"(?=[a-z0-9-]{0,24}[0-9][a-z0-9-]{0,24}[0-9][a-z0-9-]{0,24}[0-9])[a-z0-9][a-z0-9-]{2,30}"
)
_POSTCODE_SLOW = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) {0,2}[0-9][A-Z]{2}(?![A-Za-z0-9])")


def _runs_slow(text: str) -> list[tuple[str, int, int]]:
    """iddigits._runs as it was, on the pattern that takes in a leading '+' or '(' itself."""
    out = []
    for match in _CLUSTER_SLOW.finditer(text):
        start = match.start()
        if match.end() - start < 6:
            continue
        if start and text[start - 1].isalnum() and text[start].isdigit():
            run = match.group()
            rest = run[re.match(r"[0-9]+", run).end():].lstrip(" -./_")  # type: ignore[union-attr]
            start = match.end() - len(rest)
            if not rest or not rest[0].isdigit():
                continue
        run = match.group()[start - match.start():].rstrip()
        out.append((run, start, start + len(run)))
    return out


_DIGITISH = st.text(alphabet="0123456789+() -./_aZ", max_size=40) | _TEXTS


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(_DIGITISH)
def test_digit_runs_are_found_as_by_the_first_pattern(text: str) -> None:
    """(A single group is never classified as a run, only the long-run rule reads it: those are left out.)"""
    def groups(runs: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        return [r for r in runs if len(re.findall("[0-9]+", r[0])) > 1]

    assert groups(iddigits._runs(text)) == groups(_runs_slow(text))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(_DIGITISH | st.text(alphabet="AaBzZ'’- .", max_size=30))
def test_the_fast_patterns_match_as_the_first_ones(text: str) -> None:
    assert [m.span() for m in idnames._WORD.finditer(text)] == [m.span() for m in _WORD_SLOW.finditer(text)]
    assert iddates._month_year_digits(text) == bool(_MONTH_YEAR_SLOW.search(text))
    assert [m.span() for m in idtext._UK_POSTCODE.finditer(text)] == [m.span() for m in _POSTCODE_SLOW.finditer(text)]
    low = text.lower()
    assert [m.span() for m in idtext._RECORD.finditer(low)] == [m.span() for m in _RECORD_SLOW.finditer(low)]
    starts = [m.start() for m in iddates._ROMAN_DATE.finditer(text.lower())]
    assert not starts or iddates._ROMAN_HINT.search(text.lower())  # the hint never hides a Roman-numeral date


@pytest.mark.parametrize("text", ["0/2024", "00/2019", "13/2019", "2019-13", "2019-00", "x03/2024", "1-03/2024",
                                  "12.2019", "2019/1", "1850-03", "2101-01", "3/2024", "GIR 0AA", "AIR 0AA",
                                  "SW1A 1AA", "sw1a 1aa", "EC1A1BB", "O'Connor", "O’Neil Jean-Luc", "DOE McD X",
                                  "mrn 1234567", "mr# 123", "medicaid no. 1234567", "pt. no 456", "ss# 123456789",
                                  "s/n 12-345", "lot # 12a34", "licence no 1x2y3", "device serial 123", "acct 123456",
                                  "social security no 123456789", "health plan id 12345", "xmrn 123",
                                  "passport # 1234"])
def test_the_fast_patterns_at_their_edges(text: str) -> None:
    test_the_fast_patterns_match_as_the_first_ones.hypothesis.inner_test(text)  # type: ignore[attr-defined]


def test_the_gates_skip_plain_labels_and_keep_identifiers() -> None:
    for label, kind in [("C_2025-03-14", "a full date"), ("jane@example.org", "an e-mail address"),
                        ("id-1234567", "a long digit run (record number)"), ("10.0.0.1", "an IP address")]:
        assert find_label_identifier(label) == kind
    assert find_label_identifier("case-000123") is None


# ---------------------------------------------------------------- the CSV line and row


def _split_by_csv_module(text: str, delimiter: str) -> list[str] | None:
    """split_line as it was: the quote check, then the csv module's reader."""
    if not _line_pattern(delimiter).fullmatch(text):
        return None
    return next(csv.reader((text,), delimiter=delimiter, strict=True), [])


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet='ab ,;\t"\0\\\'\x0b\x85\u2028', max_size=30), st.sampled_from([",", ";", "\t"]))
def test_split_line_splits_as_the_csv_module(text: str, delimiter: str) -> None:
    """(A line holds no '\r' or '\n': lines are split at them, cryoelig.inputs.lines.)"""
    assert split_line(text, delimiter) == _split_by_csv_module(text, delimiter)


@pytest.mark.parametrize("cell", ["1" * 200_000, '"' + "1" * 200_000 + '"', '"a""' + "1" * 200_000 + '"'])
def test_a_cell_over_the_csv_module_limit_is_an_error_record(tmp_path: Path, cell: str) -> None:
    """It stopped the whole run with a traceback (csv.Error: field larger than field limit)."""
    path = tmp_path / "big.csv"
    path.write_text(f"case_id,site,notes\nc1,kidney,\nc2,kidney,{cell}\nc3,kidney,{cell},x\n")
    source = open_source(str(path))
    decoder = source.decoder()
    records = [r for r, _ in source.records(source.start) if r is not None]
    assert decoder(records[0]) == {"case_id": "c1", "site": "kidney"}
    for rec, message in [(records[1], "a cell is longer than"), (records[2], "the row has 4 cells")]:
        with pytest.raises(RecordError) as error:
            decoder(rec)
        assert message in error.value.problems[0].message


def _placed_cell_by_cell(decoder: CsvDecoder, cells: list[str]) -> dict[str, Any]:
    """CsvDecoder.to_data as it was: every path walked with setdefault."""
    data: dict[str, Any] = {}
    for path, is_list, cell in zip(decoder.paths, decoder.lists, cells, strict=False):
        cell = cell.strip()
        if not cell:
            continue
        value: Any = cell
        if is_list:
            value = [] if cell.lower() in ("none", "-") else [v.strip() for v in re.split(r"[;,]", cell) if v.strip()]
        target = data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return data


_COLUMNS = ["case_id", "site", "tumor.size_cm", "tumor.histology", "goals", "history.failed_treatments",
            "symptoms.fracture", "notes", "ecog", "concerns.near_nerves", "a.b.c"]


@settings(max_examples=500, deadline=None)
@given(st.permutations(_COLUMNS), st.data())
def test_csv_rows_are_placed_as_cell_by_cell(columns: list[str], data: st.DataObject) -> None:
    decoder = CsvDecoder("f.csv", tuple(columns), ",", 1 << 20)
    cells = data.draw(st.lists(st.sampled_from(["", " ", "x", " 2,5 ", "none", "-", "a;b, c", ";", "Y"]),
                               min_size=len(columns), max_size=len(columns)))
    assert decoder.to_data(cells) == _placed_cell_by_cell(decoder, cells)
    assert list(decoder.to_data(cells)) == list(_placed_cell_by_cell(decoder, cells))


def test_a_csv_row_decodes_as_before() -> None:
    decoder = CsvDecoder("f.csv", ("case_id", "site", "tumor.size_cm", "goals"), ",", 1 << 20)
    rec = Record(1, 2, b'c-1,Kidney, 3.8 ,"pain_relief; cure"', 30)
    assert decoder(rec) == {"case_id": "c-1", "site": "Kidney", "tumor": {"size_cm": "3.8"},
                            "goals": ["pain_relief", "cure"]}


# ---------------------------------------------------------------- facts and notes


def _facts_by_iteration(case: Case) -> dict[str, Any]:
    """Case.facts as it was: each group model iterated."""
    out: dict[str, Any] = {"site": case.site}
    for part in _GROUPS:
        model = getattr(case, part)
        if model is None:
            continue
        for name, value in model:
            if value is not None and name not in _NOT_FACTS:
                out[f"{part}.{name}"] = tuple(value) if isinstance(value, list) else value
    for name in ("treatments", "goals"):
        if getattr(case, name) is not None:
            out[name] = tuple(getattr(case, name))
    if case.overall_health is not None:
        out["overall_health"] = case.overall_health
    for name in ("ecog", "kps"):
        if getattr(case, name) is not None:
            out[name] = getattr(case, name)
    return out


@settings(max_examples=300, deadline=None)
@given(case_data())
def test_facts_are_the_models_iterated_in_order(data: dict[str, Any]) -> None:
    case = parse_case(data, load_pack())
    assert list(case.facts().items()) == list(_facts_by_iteration(case).items())
