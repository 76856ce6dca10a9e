"""Issue 26, identifiers: the attacks of its "Seen" items "File names are echoed" and "Identifiers accepted in
notes", kept as tests. Each failed on the code before the fix (``CRYOELIG_HOSTILE_PYTHONPATH=<old tree>``
runs the command-line ones against it; the in-process ones fail there as well).

Classes: ``echo`` (a planted identifier printed or written back), ``accepted identifier`` (identifying data
let through). The command-line runs keep every promise of harness.check_promises besides.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from corpus import GOOD, Attack, yaml_case
from harness import Outcome, check_promises, run_cli, written_files

from cryoelig.case.contract import parse_case
from cryoelig.errors import InputError
from cryoelig.rulepack.load import load_pack

#: Identifiers planted in file and folder names; none may be printed or written by any run below.
NAMES = ("123-45-6789", "Jane_Doe", "Jane Doe", "1950-03-14", "2024-03-12", "Doe_Jane")
BAD = yaml_case("tumor: {size_cm: not-a-number}\n")  # refused by the contract: an error line naming the file
GOOD_YAML = yaml_case("tumor: {size_cm: 2.5}\n", case_id="ok-1")
CSV = "case_id,site,tumor.size_cm\nok-1,kidney,2.5\nbad-2,kidney,x\n"
BATCH = ["--out", "r.jsonl", "--summary", "s.json", "--jobs", "1"]


def _errors(folder: Path) -> list[dict[str, Any]]:
    path = folder / "r.errors.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _files_named(*expected: str) -> Any:
    """The error records name each file by its place (``expected``, in order), and the counts add up."""
    def check(folder: Path, outcome: object) -> None:
        assert [e["file"] for e in _errors(folder)] == list(expected)
        counts = json.loads((folder / "s.json").read_text())["counts"]
        assert counts["rows_read"] == counts["results"] + counts["errors"]
    return check


def attacks() -> list[Attack]:
    return [
        Attack("echo", "check 123-45-6789.yaml (invalid YAML)", "file names are echoed", ["check", "123-45-6789.yaml"],
               {"123-45-6789.yaml": "case_id: c1\nsite: [\n"}, codes=(2,),
               err_has=("the file given (its name is not shown: it looks identifying), line",)),
        Attack("echo", "check Jane_Doe_1950-03-14.yaml (refused case)", "file names are echoed",
               ["check", "Jane_Doe_1950-03-14.yaml"], {"Jane_Doe_1950-03-14.yaml": BAD}, codes=(2,),
               err_has=("field 'tumor.size_cm'",)),
        Attack("echo", "check a missing Jane_Doe_1950-03-14.yaml", "file names are echoed",
               ["check", "Jane_Doe_1950-03-14.yaml"], codes=(2,), err_has=("file not found",)),
        Attack("echo", "check Jane_Doe.csv (a batch file given to check)", "file names are echoed",
               ["check", "Jane_Doe.csv"], {"Jane_Doe.csv": CSV}, codes=(2,), err_has=("cryoelig batch",)),
        Attack("echo", "a case in a folder named for a person", "file names are echoed",
               ["check", "Jane Doe/case.yaml"], {"Jane Doe/case.yaml": BAD}, codes=(2,)),
        Attack("echo", "folder batch: Jane_Doe_1950-03-14.yaml and 123-45-6789.yaml among good files",
               "file names are echoed", ["batch", "cases", *BATCH],
               {"cases/123-45-6789.yaml": BAD, "cases/Jane_Doe_1950-03-14.yaml": BAD, "cases/ok-3.yaml": GOOD_YAML,
                "cases/zz-bad.yaml": BAD}, codes=(1,),
               check=_files_named("file 1 of the folder", "file 2 of the folder", "cases/zz-bad.yaml")),
        Attack("echo", "folder batch: the folder itself is named for a person", "file names are echoed",
               ["batch", "Doe_Jane", *BATCH], {"Doe_Jane/a.yaml": BAD, "Doe_Jane/b.yaml": GOOD_YAML}, codes=(1,),
               check=_files_named("file 1 of the folder")),
        Attack("echo", "CSV batch: the input file is named with a date", "file names are echoed",
               ["batch", "mdt-2024-03-12.csv", *BATCH], {"mdt-2024-03-12.csv": CSV}, codes=(1,),
               check=_files_named("the input file")),
        Attack("echo", "an existing --out named for a person", "file names are echoed",
               ["batch", "in.jsonl", "--out", "Jane_Doe.jsonl"], {"in.jsonl": json.dumps(GOOD) + "\n",
                                                                  "Jane_Doe.jsonl": ""},
               codes=(2,), err_has=("already exists",)),
        Attack("echo", "report --out with a suffix of no format, named for a person", "file names are echoed",
               ["report", "ok.yaml", "--out", "Jane_Doe.xyz"], {"ok.yaml": GOOD_YAML}, codes=(2,),
               err_has=("cannot tell the format",)),
        Attack("accepted identifier", "check: notes with a phone number written with an en dash",
               "identifiers accepted in notes", ["check", "c.yaml"],
               {"c.yaml": yaml_case('notes: "Call 555\u20130199 after 5pm"\n')}, codes=(2,),
               err_has=("field 'notes': looks like a phone or fax number",), err_lacks=("0199",)),
        Attack("accepted identifier", "batch: a JSONL row whose notes give a name", "identifiers accepted in notes",
               ["batch", "in.jsonl", *BATCH],
               {"in.jsonl": json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "notes": "Seen with Jane Doe today"}) + "\n"},
               codes=(1,), check=_files_named("in.jsonl")),
    ]


ATTACKS = attacks()
PARALLEL = 4


def _build(folder: Path, attack: Attack) -> None:
    for name, content in attack.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Outcome]]:
    base = tmp_path_factory.mktemp("attacks26")

    def one(index_attack: tuple[int, Attack]) -> tuple[str, tuple[Path, Outcome]]:
        index, attack = index_attack
        folder = base / f"a{index:03d}"
        folder.mkdir()
        _build(folder, attack)
        return attack.name, (folder, run_cli(attack.args, stdin=attack.stdin, cwd=folder))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(one, enumerate(ATTACKS)))


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.cls}: {a.name}" for a in ATTACKS])
def test_attack(attack: Attack, outcomes: dict[str, Any]) -> None:
    folder, outcome = outcomes[attack.name]
    outputs = {name: data for name, data in written_files(folder).items() if name not in attack.files}
    check_promises(outcome, planted=NAMES + ("Call 555",), outputs=outputs, codes=attack.codes)
    for text in attack.err_has:
        assert text in outcome.err, f"{text!r} not in stderr\n{outcome.describe()}"
    for text in attack.err_lacks:
        assert text not in outcome.err, f"{text!r} in stderr\n{outcome.describe()}"
    if attack.check is not None:
        attack.check(folder, outcome)


def test_a_plain_file_name_is_still_shown(tmp_path: Path) -> None:
    """The guard hides what looks identifying, not every name: a plain name stays, so the user finds the file."""
    (tmp_path / "mdt-kidney-07.yaml").write_text(BAD)
    outcome = run_cli(["check", "mdt-kidney-07.yaml"], cwd=tmp_path)
    check_promises(outcome, codes=(2,))
    assert "mdt-kidney-07.yaml, field 'tumor.size_cm'" in outcome.err


# ---------------------------------------------------------------- identifiers in notes, as the issue lists them

PHONE, SSN, DATE, EMAIL = "a phone or fax number", "a US social security number", "a full date", "an e-mail address"
#: Every form of the Seen item "Identifiers accepted in notes" (and the held-out note's ZIP code in prose), with
#: the kind the refusal names.
SEEN_IN_NOTES = [
    ("phone, en dash", "Call 555\u20130199 after 5pm", PHONE),
    ("phone, non-breaking hyphen", "Call 555\u20110199 after 5pm", PHONE),
    ("phone, minus sign", "Daughter on 617\u2212555\u22120142", PHONE),
    ("SSN, en dash", "SSN 123\u201345\u20136789 on the referral", SSN),
    ("SSN, figure dash", "Old card 123\u201245\u20126789 on the referral", SSN),
    ("date, Unicode hyphen", "Seen 1950\u201003\u201014 first", DATE),
    ("date, en dash", "Seen 1950\u201303\u201314 first", DATE),
    ("zero-width space in a phone number", "Call 555\u200b-0199 tomorrow", PHONE),
    ("zero-width space instead of the dash", "Contact number 555\u200b0163 on the form",
     "a long digit run (record number)"),
    ("fullwidth @", "Images to jane.doe\uff20example.com please", EMAIL),
    ("date with spaced dashes", "Seen 1950 - 03 - 14 first", DATE),
    ("date spelled out", "Born on the 14th of March 1950 per the letter", DATE),
    ("IPv6 address", "PACS node 2001:db8::7334 logged the transfer", "an IP address"),
    ("e-mail spelled out", "Family email: jane dot doe at example dot com", EMAIL),
    ("a name", "Discussed with Jane Doe at the MDT", "a person's name"),
    ("a street address", "Lives at 221B Baker Street with her son", "a street address"),
    ("a UK postcode", "Home postcode SW1A 1AA", "a UK postcode"),
    ("a ZIP code in prose", "Patient lives in 02139 and drives in", "a ZIP code"),
]


@pytest.mark.parametrize(("text", "kind"), [(t, k) for _, t, k in SEEN_IN_NOTES], ids=[n for n, _, _ in SEEN_IN_NOTES])
def test_identifiers_in_notes_are_refused_without_echo(text: str, kind: str) -> None:
    """The message is the tool's words and the kind, nothing of the value."""
    with pytest.raises(InputError) as info:
        parse_case({"case_id": "h-1", "site": "kidney", "notes": text}, load_pack(), file="c.yaml", row=3)
    [problem] = info.value.problems
    assert (problem.reason, problem.field) == ("identifier", "notes")
    assert str(problem) == (f"c.yaml, row 3, field 'notes': looks like {kind}; identifying data is refused "
                            "(value not shown)")


def test_month_and_year_are_refused_as_a_date_element_and_a_year_alone_is_not() -> None:
    """The lead's decision under Safe Harbor ("all elements of dates (except year)"), said in the message."""
    pack = load_pack()
    with pytest.raises(InputError) as info:
        parse_case({"case_id": "h-1", "site": "kidney", "notes": "RFA March 2019 to the left kidney"}, pack)
    message = str(info.value.problems[0])
    assert "a month and year" in message and "only the year of a date may be given" in message
    assert "March" not in message and "2019" not in message
    assert parse_case({"case_id": "h-1", "site": "kidney", "notes": "RFA 2019 to the left kidney"}, pack).notes
