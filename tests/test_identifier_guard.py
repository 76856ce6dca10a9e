"""The identifier guard's parts (issue 26): the fold, file names, the lazy patterns and lists, linear time.

What it finds and lets through on the measured sets is tests/hostile/test_identifier_sets.py; the attacks of the
issue are tests/hostile/test_hostile_identifiers.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cryoelig.case.identifiers import file_name_identifier, find_identifier, find_label_identifier, shown_file_name
from cryoelig.case.lazyre import LazyPattern
from cryoelig.case.textfold import fold
from cryoelig.errors import Problem
from cryoelig.safetext import HIDDEN_FILE, name_may_show, shown_file

NAMES = Path(__file__).resolve().parent.parent / "cryoelig" / "case" / "names"


def test_the_fold_reads_text_as_people_write_it() -> None:
    assert fold("555\u2013\u200b0199\u00a0\uff11") == "555-0199 1"  # en dash, zero-width space, NBSP, fullwidth 1
    assert fold("\u0661\u0662 \u06f3") == "12 3"  # Arabic-Indic and extended Arabic-Indic digits
    assert fold("J\u0430ne \u0421ooper") == "Jane Cooper"  # Cyrillic а and С drawn like Latin letters
    assert fold("14\u221503\u20441950 jane\uff20example.com") == "14/03/1950 jane@example.com"
    assert fold("a\u00adb\u2060c\ufeffd\u202ee") == "abcde"  # soft hyphen, word joiner, BOM, bidi override
    assert fold("α-fetoprotein 5 µg") == "α-fetoprotein 5 μg"  # lower-case Greek stays: it is clinical
    assert fold("plain ascii\tline\n") == "plain ascii\tline\n" and fold("nul\x00esc\x1b") == "nulesc"


@pytest.mark.parametrize("text", ["RFA March 2019", "last scan 03/2024", "seen 2019-03", "review May 14",
                                  "in march of 2019", "Mar '19 MDT"])
def test_a_month_with_a_year_or_a_day_is_a_date_element(text: str) -> None:
    kind = find_identifier(text)
    assert kind is not None and kind.startswith("a date (") and "only the year" in kind


@pytest.mark.parametrize("text", ["s/p RFA 2019", "EBRT 2017-2018", "may 14 mg", "on ADT 2015-2019", "Dec 2 mg",
                                  "pain 7/10 since 2020", "decision at MDT", "Mirels 9 of 12"])
def test_a_year_alone_and_clinical_numbers_pass(text: str) -> None:
    assert find_identifier(text) is None


@pytest.mark.parametrize("text", ["Jane_Doe", "seen with Jane.Doe", "JANE DOE", "Doe, Jane", "J. Doe", "Dr Okafor"])
def test_names_are_found_in_notes_however_joined(text: str) -> None:
    assert find_identifier(text) == "a person's name"


@pytest.mark.parametrize("path", ["Jane_Doe_1950-03-14.yaml", "123-45-6789.yaml", "cases/Jane Doe/case.yaml",
                                  "02139.yaml", "jane.doe@example.com.json", "mdt-2024-03-12.csv",
                                  "/data/Doe_Jane/in.jsonl", "x" * 300 + ".yaml", "jane\u2013doe 555\u20130199.yaml"])
def test_identifying_paths_are_named_by_their_place(path: str) -> None:
    assert file_name_identifier(path) is not None
    assert shown_file_name(path, "file 12 of the folder") == "file 12 of the folder"
    assert not name_may_show(path) and shown_file(path) == HIDDEN_FILE
    problem = Problem("invalid YAML", file=path, line=4, row=12)
    assert str(problem) == f"{HIDDEN_FILE}, line 4, row 12: invalid YAML"
    assert str(Problem("x", file=path, place="file 12 of the folder")) == "file 12 of the folder: x"


@pytest.mark.parametrize("path", ["cases/mdt-kidney-07.yaml", "examples/bone-repeat.yaml", "in.jsonl", "r.jsonl",
                                  "/tmp/pytest-of-root/pytest-3/test_batch0/cases.csv", "results.errors.jsonl",
                                  "kidney-small.json", "-", "batch-2019.csv"])
def test_plain_paths_are_shown(path: str) -> None:
    assert file_name_identifier(path) is None and shown_file_name(path, "the place") == path
    assert str(Problem("x", file=path, line=3)) == f"{path}:3: x"


def test_labels_are_read_strictly() -> None:
    """No note exceptions in a label: a year range or a value before a unit is a number in a label."""
    assert find_identifier("on ADT 2015-2019") is None
    assert find_label_identifier("kidney-2015-2019") == "a phone or fax number"
    assert find_label_identifier("Jane_Doe") and find_label_identifier("02139") == "a ZIP code"
    assert find_label_identifier("mdt_liver_2024") is None and find_label_identifier("x" * 300)


def test_a_lazy_pattern_compiles_on_first_use_then_is_the_pattern() -> None:
    pattern = LazyPattern(r"[0-9]+")
    assert type(pattern.search).__name__ == "_First"
    assert pattern.findall("a1b22") == ["1", "22"]
    assert pattern.search.__self__.pattern == r"[0-9]+"  # a bound method of the compiled pattern now
    assert [m.group() for m in pattern.finditer("3 4")] == ["3", "4"] and pattern.sub("#", "a1") == "a#"


def test_import_stays_cheap_and_the_name_lists_are_read_only_when_needed() -> None:
    code = (
        "import sys\n"
        "import cryoelig.case.contract, cryoelig.inputs\n"
        "assert 'cryoelig.case.idscan' not in sys.modules, 'patterns compiled at import'\n"
        "from cryoelig.case.identifiers import find_identifier, find_label_identifier\n"
        "assert find_label_identifier('mdt-kidney-07') is None\n"
        "assert find_identifier('RCC 3.2 cm, ECOG 1, INR 1.1; discussed at MDT.') is None\n"
        "from cryoelig.case import idnames\n"
        "assert idnames.lists.cache_info().currsize == 0, 'name lists read for a note without a name pair'\n"
        "assert find_identifier('Seen with Jane Doe')\n"
        "assert idnames.lists.cache_info().currsize == 1\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_name_lists_carry_their_source_and_licence() -> None:
    notice = (NAMES / "NOTICE.txt").read_text()
    assert "MIT" in notice and "Faker" in notice and "BSD 3-Clause" in notice and "philter-lite" in notice
    for name in ("first_names.txt", "surnames.txt", "ambiguous_first_names.txt"):
        first = (NAMES / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith("# ") and ("Faker" in first), name


@pytest.mark.parametrize("text", ["1 " * 1000, "1-" * 1000, "1." * 1000, "Aa " * 700, "a at " * 400,
                                  "x dot " * 400, "a:" * 1000, "Mar 1 " * 400, "12 Oak " * 300, "Jane " * 400,
                                  "\u2013\u200b\uff11" * 700, "1" * 2000, "mrn " * 500, "9 " * 1000])
def test_linear_time_on_long_hostile_text(text: str) -> None:
    started = time.process_time()
    find_identifier(text[:2000])
    find_label_identifier(text[:256])
    assert time.process_time() - started < 0.25  # a few ms in practice
