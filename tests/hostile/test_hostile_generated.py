"""Generated hostile input (hypothesis): identifier-laden and legitimate labels, nested, huge and
binary inputs, in-process for breadth and through the real command line for the promises.

Example counts are set deliberately: the in-process properties are cheap (hundreds of examples);
each command-line example costs a process start (~0.5 s here), so those run a few dozen in all.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import PLANTED, check_promises, run_cli, written_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_hostile import (
    PLANTED_KEYS,
    hostile_cases,
    identifier_labels,
    legitimate_labels,
    nested,
)

from cryoelig.case.contract import parse_case
from cryoelig.case.identifiers import find_label_identifier
from cryoelig.errors import InputError
from cryoelig.inputs import Record, RecordError, jsondoc, yamldoc
from cryoelig.inputs.csvrows import CsvSource
from cryoelig.inputs.jsonlines import JsonlDecoder
from cryoelig.rulepack.load import load_pack

CLI_SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                               HealthCheck.data_too_large])
SECRETS = [k for k in PLANTED_KEYS if len(k) > 3]


def _messages(error: InputError | RecordError) -> str:
    return "\n".join(str(p) for p in error.problems)


# ---------------------------------------------------------------- labels, both directions

@settings(max_examples=400, deadline=None)
@given(identifier_labels())
def test_identifier_laden_case_ids_are_refused_without_echo(kind_label: tuple[str, str]) -> None:
    kind, label = kind_label
    assert find_label_identifier(label), (kind, label)
    with pytest.raises(InputError) as info:
        parse_case({"case_id": label, "site": "kidney"}, load_pack())
    [problem] = info.value.problems
    assert problem.reason == "identifier" and problem.field == "case_id"
    assert label not in str(problem)


@settings(max_examples=400, deadline=None)
@given(legitimate_labels)
def test_legitimate_labels_are_accepted(label: str) -> None:
    if len(label) > 64:
        return
    assert find_label_identifier(label) is None, label
    assert parse_case({"case_id": label, "site": "kidney"}, load_pack()).case_id == label


@pytest.mark.parametrize("label", ["mdt-kidney-07", "batch-01", "example-bone-repeat", "case-12", "case-000123",
                                   "lung.peripheral.3", "mdt_liver_2024"])
def test_the_documented_labels_are_accepted(label: str) -> None:
    assert parse_case({"case_id": label, "site": "kidney"}, load_pack()).case_id == label


# ---------------------------------------------------------------- decoders and the contract are total

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_cases())
def test_parse_case_refuses_cleanly_and_never_echoes(data: dict[str, Any]) -> None:
    try:
        parse_case(data, load_pack(), file="c.json", row=1)
    except InputError as error:
        text = _messages(error)
        for secret in SECRETS:
            assert secret not in text, (secret, text)
        assert "\n" not in "".join(str(p) for p in error.problems)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_document_decoders_only_raise_input_errors(raw: bytes) -> None:
    text = raw.decode("utf-8", "replace")
    for decode in (jsondoc.loads, yamldoc.loads):
        with contextlib.suppress(InputError):
            decode(text, "c")
    with contextlib.suppress(RecordError):
        JsonlDecoder("in.jsonl", 1 << 20)(Record(1, 1, raw))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=60) | st.sampled_from([b'a-1,kidney,"2', b'a,"b"c', b"\x00", b"\r", b"x" * 300,
                                                          b'"q""q",kidney', b";;;", b"\xff\xfe"]), max_size=40))
def test_csv_rows_read_are_the_data_lines(tmp_path: Path, lines: list[bytes]) -> None:
    """Whatever the bytes of a line, it is one row (or a blank line): rows read = data lines."""
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    path = tmp_path / f"g-{os.urandom(4).hex()}.csv"
    path.write_bytes(b"case_id,site,notes\n" + body + b"\n")
    with CsvSource(str(path), 200) as source:
        decoder = source.decoder()
        records = [rec for rec, _ in source.records(source.start) if rec is not None]
        physical = re.split(rb"\r\n?|\n", body + b"\n")[:-1]
        blank = [p for p in physical if not p.strip(b" \t,")]
        assert len(records) == len(physical) - len(blank)
        for rec in records:
            try:
                decoder(rec)
            except RecordError as error:
                assert len(error.problems) == 1 and error.problems[0].row == rec.row


# ---------------------------------------------------------------- the real command line

@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["json", "yaml", "binary", "deep", "huge"]))
    if kind == "json":
        return "c.json", json.dumps(draw(hostile_cases())).encode()
    if kind == "yaml":
        return "c.yaml", yaml.safe_dump(draw(hostile_cases()), allow_unicode=True).encode()
    if kind == "binary":
        return draw(st.sampled_from(["c.json", "c.yaml"])), draw(st.binary(min_size=1, max_size=2000))
    if kind == "deep":
        depth = draw(st.integers(10, 5000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return "c.json", b'{"case_id": "h-1", "site": "kidney", "notes": ' + (opener * depth + "1" + closer * depth
                                                                                 ).encode() + b"}"
    size = draw(st.integers(1 << 19, 3 << 20))
    return "c.json", json.dumps({"case_id": "h-1", "site": "kidney", "notes": "Jane_Doe " * (size // 9)}).encode()


@CLI_SETTINGS
@given(hostile_files())
def test_check_on_generated_files_keeps_every_promise(tmp_path: Path, name_data: tuple[str, bytes]) -> None:
    name, data = name_data
    folder = tmp_path / os.urandom(4).hex()
    folder.mkdir()
    (folder / name).write_bytes(data)
    outcome = run_cli(["check", name, "-f", "json"], cwd=folder)
    check_promises(outcome)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(hostile_cases() | nested(30), min_size=1, max_size=30))
def test_batch_on_generated_jsonl_keeps_every_promise(tmp_path: Path, records: list[Any]) -> None:
    folder = tmp_path / os.urandom(4).hex()
    folder.mkdir()
    lines = [json.dumps(r) for r in records]
    (folder / "in.jsonl").write_text("\n".join(lines) + "\n")
    outcome = run_cli(["batch", "in.jsonl", "--out", "r.jsonl", "--summary", "s.json", "-j", "1", "-q"], cwd=folder)
    outputs = {k: v for k, v in written_files(folder).items() if k != "in.jsonl"}
    check_promises(outcome, outputs=outputs, codes=(0, 1))
    counts = json.loads((folder / "s.json").read_text())["counts"]
    assert counts["rows_read"] == len(lines) == counts["results"] + counts["errors"]
    assert not set(PLANTED) & set(json.loads((folder / "s.json").read_text())["errors"]["by_field"])
