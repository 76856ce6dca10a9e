"""FHIR of any shape (issue 26) and values that are not known codes (issue 25): no crash, no echo.

Every element the mapping reads is type-checked before use (cryoelig/inputs/fhir/shapes.py): a value of
the wrong JSON type makes the resource unreadable, named by its element path, never a traceback; a value
that is not a known code is named by its position, never copied."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("stdnum")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from fhirdata import BONE, LUNG, bundle, load  # noqa: E402

from cryoelig.errors import InputError  # noqa: E402
from cryoelig.inputs.fhir.mapping import Sites, read_fhir  # noqa: E402

RECORDS = sorted((ROOT / "examples" / "fhir").glob("*.json"))
SWAPS = ({}, [], 1, "x", True, None)
CRASHERS = {
    "resourceType {}": {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": {}}}]},
    "extension url {}": {"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "Condition", "subject": {"reference": "Patient/1"}, "extension": [{"url": {}}]}}]},
}
PLANTED = "Quixwright-555-867-5309"


def read_any(document: object) -> None:
    """What every reader of FHIR does with a document: read it for every site, or refuse it in one problem."""
    try:
        read_fhir({"entry": document}, Sites.EVERY)
    except InputError as error:
        assert error.problems and all("\n" not in str(p) for p in error.problems)


def places(value: object, path: tuple = ()):  # noqa: ANN201 - the path of every element, the root first
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from places(inner, (*path, key))


def each_swap(document: object):  # noqa: ANN201 - the document with one element swapped, for each element and type
    """Every element replaced in place by a value of each JSON type (and put back): no copy per mutation."""
    yield from (value for value in SWAPS)  # the whole document swapped
    for path in list(places(document))[1:]:
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        kept = parent[path[-1]]
        for value in SWAPS:
            parent[path[-1]] = value
            yield document
        parent[path[-1]] = kept


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_the_two_crash_sites_of_issue_26(name):
    read_any(CRASHERS[name])
    read_fhir({"entry": CRASHERS[name]}, ["bone"])  # a site named: an empty case, no traceback


@pytest.mark.parametrize("name", sorted(CRASHERS))
@pytest.mark.parametrize("command", ["check", "explain", "report"])
def test_check_explain_and_report_give_one_line_and_exit_2(tmp_path, name, command):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(CRASHERS[name]))
    out = subprocess.run([sys.executable, "-m", "cryoelig", command, str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr


def test_in_a_batch_such_a_record_is_one_error_row(tmp_path):
    lines = [json.dumps(bundle(*LUNG)), json.dumps(CRASHERS["resourceType {}"]),
             json.dumps(CRASHERS["extension url {}"]), json.dumps(bundle(*LUNG))]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    out = subprocess.run([sys.executable, "-m", "cryoelig", "batch", "in.jsonl", "--out", "r.jsonl", "--jobs", "1",
                          "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2
    errors = [json.loads(line) for line in (tmp_path / "r.errors.jsonl").read_text().splitlines()]
    assert [e["row"] for e in errors] == [2, 3]


def test_type_swap_fuzz_of_the_bundled_records_finds_no_crash():
    """Every element of every bundled record replaced by a value of each JSON type ({}, [], 1, "x", true,
    null): about 6,000 reads, 4 s on an idle 2-core machine."""
    count = 0
    for path in RECORDS:
        for document in each_swap(json.loads(path.read_text(encoding="utf-8"))):
            read_any(document)
            count += 1
    assert count > 5000


def test_a_wrong_type_names_the_element_never_the_value():
    ecog = load("mcode-ecog-performance-status-fully-active")
    ecog["valueInteger"] = PLANTED
    pain = load("adapted-pain-severity")
    pain["valueQuantity"]["value"] = {"x": PLANTED}
    [case] = read_fhir({"entry": bundle("adapted-primary-cancer-condition-prostate")
                        | {"entry": [{"resource": r} for r in (load("adapted-primary-cancer-condition-prostate"),
                                                               ecog, pain)]}})
    reasons = [i["reason"] for i in case.provenance.as_dict()["ignored"]]
    assert reasons == ["not a valid FHIR R4 Observation: valueInteger is not of the FHIR type",
                       "not a valid FHIR R4 Observation: valueQuantity.value is not of the FHIR type"]


@pytest.mark.parametrize(("name", "rtype"), [
    ("mcode-ecog-performance-status-fully-active", "Observation"),
    ("adapted-cryoablation-procedure-bone", "Procedure"),
    ("mcode-cancer-related-medication-request-doxorubicin-jenny-m", "MedicationRequest"),
])
def test_an_invalid_status_is_named_by_its_position_never_copied(name, rtype):
    resource = load(name)
    resource["status"] = PLANTED
    [case] = read_fhir({"entry": bundle(*BONE) | {"entry": bundle(*BONE)["entry"] + [{"resource": resource}]}},
                       ["bone"])
    text = json.dumps(case.provenance.as_dict())
    assert PLANTED not in text and "Quixwright" not in text
    assert case.provenance.ignored[-1].reason == f"not a valid FHIR R4 {rtype}: status is not one of the R4 codes"


def test_codes_from_the_record_are_shown_only_when_well_formed():
    from cryoelig.inputs.fhir.resources import code_text

    snomed, loinc, icd = "http://snomed.info/sct", "http://loinc.org", "http://hl7.org/fhir/sid/icd-10-cm"
    assert code_text(snomed, "93849006") == "SNOMED CT 93849006"
    assert code_text(snomed, "93849007") == "a SNOMED CT code that is not well formed"  # check digit
    assert code_text(snomed, "19500314") == "a SNOMED CT code that is not well formed"  # a date, not a concept
    assert code_text(loinc, "21889-1") == "LOINC 21889-1" and code_text(loinc, "21889-2").startswith("a LOINC")
    assert code_text(icd, "C64.2") == "ICD-10-CM C64.2" and code_text(icd, "Jane Doe").startswith("an ICD")
    assert code_text("urn:oid:" + PLANTED, "1") == "a code of a system cryoelig does not read"
    assert code_text(snomed, {"x": 1}) == "a SNOMED CT code that is not well formed"
