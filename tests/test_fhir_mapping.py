"""FHIR R4 Bundles (mCODE examples) to the case: fields, provenance, unknowns, the CLI, the doc table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("stdnum")

from fhirdata import BONE, LUNG, bundle, load  # noqa: E402

from cryoelig.case.contract import parse_case  # noqa: E402
from cryoelig.case.identifiers import find_identifier  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402
from cryoelig.facade import review  # noqa: E402
from cryoelig.inputs.fhir import bundle_to_case_data, is_fhir  # noqa: E402
from cryoelig.inputs.fhir.mapping import case_label  # noqa: E402
from cryoelig.rulepack.load import load_pack

ROOT = Path(__file__).resolve().parent.parent


def without_id(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "case_id"}


def test_is_fhir_by_resource_type():
    assert is_fhir({"resourceType": "Bundle"}) and is_fhir({"resourceType": "Condition"})
    assert not is_fhir({"case_id": "a", "site": "kidney"}) and not is_fhir([{"resourceType": "Bundle"}])
    assert not is_fhir({"resourceType": 3})


def test_lung_record_from_mcode_examples():
    data, provenance = bundle_to_case_data(bundle(*LUNG))
    assert without_id(data) == {"site": "lung", "ecog": 0, "treatments": ["chemotherapy"]}
    read = {(r.resource, r.where): r.fields for r in provenance.read}
    assert read == {("Condition", "entry 2"): ("site",), ("Observation", "entry 4"): ("ecog",),
                    ("MedicationRequest", "entry 7"): ("treatments",)}
    ignored = {i.where: i.reason for i in provenance.ignored}
    assert ignored["entry 1"] == "demographics and identifiers are never read"
    assert "secondary cancer without a body site" in ignored["entry 3"]  # brain metastasis: not in the table
    assert ignored["entry 5"].startswith("completed treatment")  # lobectomy done: no case field
    assert ignored["entry 6"].startswith("completed treatment")  # cisplatin completed


def test_bone_metastasis_record():
    data, provenance = bundle_to_case_data(bundle(*BONE), site="bone")
    assert without_id(data) == {
        "site": "bone", "tumor": {"metastatic": True, "primary_cancer": "prostate"},
        "symptoms": {"pain_score": 6}, "ecog": 1, "history": {"prior_cryoablation": True},
        "treatments": ["chemotherapy"]}
    # the earlier ECOG 0 (2019-04-01) gives way to ECOG 1 (2019-06-01)
    assert any("earlier" in i.reason for i in provenance.ignored if i.resource == "Observation")


def test_prostate_stage_metastatic_from_a_related_secondary():
    data, provenance = bundle_to_case_data(bundle(*BONE), site="prostate")
    assert data["tumor"] == {"stage": "metastatic"}
    assert "history" not in data  # the cryoablation was at the bone metastasis, not the prostate
    assert any(i.reason == "cryoablation at another site (bone)" for i in provenance.ignored)


def test_two_sites_need_a_choice_and_the_error_names_them():
    with pytest.raises(InputError) as caught:
        bundle_to_case_data(bundle(*BONE))
    [problem] = caught.value.problems
    assert problem.field == "site" and "(prostate, bone)" in problem.message


def test_tumor_size_through_its_body_structure():
    data, provenance = bundle_to_case_data(bundle("mcode-primary-cancer-condition-breast",
                                                  "mcode-tumor-lobular-carcinoma-left-breast",
                                                  "mcode-tumor-size-pathology"))
    assert without_id(data) == {"site": "other", "tumor": {"size_cm": 1.2}}
    assert [r.fields for r in provenance.read] == [("site",), ("tumor.size (location)",), ("tumor.size_cm",)]


def test_a_code_not_in_the_table_leaves_the_field_unknown_and_missing(pack):
    ecog = load("mcode-ecog-performance-status-fully-active")
    ecog["code"]["coding"][0]["code"] = "8480-6"  # systolic blood pressure: not in the table
    doc = bundle("adapted-primary-cancer-condition-prostate")
    doc["entry"].append({"resource": ecog})
    data, provenance = bundle_to_case_data(doc)
    assert "ecog" not in data and "overall_health" not in data
    assert provenance.ignored[-1].reason == "Observation code not in the mapping table"
    report = review(parse_case(data, pack), pack).report
    assert "overall_health" in {m.field for m in report.missing}


def test_undated_values_that_disagree_stay_unknown():
    first, second = load("adapted-pain-severity"), load("adapted-pain-severity")
    del first["effectiveDateTime"], second["effectiveDateTime"]
    second["valueQuantity"]["value"] = 2
    doc = bundle("adapted-primary-cancer-condition-prostate")
    doc["entry"] += [{"resource": first}, {"resource": second}]
    data, provenance = bundle_to_case_data(doc)
    assert "symptoms" not in data
    assert sum("values disagree" in i.reason for i in provenance.ignored) == 2


def test_refuted_and_resolved_conditions_are_not_read():
    refuted = load("mcode-primary-cancer-condition-nsclc")
    refuted["verificationStatus"]["coding"][0]["code"] = "refuted"
    resolved = load("adapted-primary-cancer-condition-prostate")
    resolved["clinicalStatus"]["coding"][0]["code"] = "resolved"
    doc = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": refuted}, {"resource": resolved}]}
    with pytest.raises(InputError, match="site cannot be derived"):
        bundle_to_case_data(doc)


def test_an_invalid_resource_is_ignored_without_its_values():
    bad = load("mcode-ecog-performance-status-fully-active")
    bad["valueInteger"] = "Quixwright"
    doc = bundle("adapted-primary-cancer-condition-prostate")
    doc["entry"].append({"resource": bad})
    _, provenance = bundle_to_case_data(doc)
    reason = provenance.ignored[-1].reason
    assert reason.startswith("not a valid FHIR R4 Observation") and "Quixwright" not in reason


def test_same_report_as_the_equivalent_yaml_case(tmp_path, pack):
    data, _ = bundle_to_case_data(bundle(*BONE), site="bone")
    yaml_case = tmp_path / "bone.yaml"
    yaml_case.write_text(
        "case_id: example-bone\nsite: bone\ntumor:\n  metastatic: true\n  primary_cancer: prostate\n"
        "symptoms:\n  pain_score: 6\necog: 1\nhistory:\n  prior_cryoablation: true\ntreatments: [chemotherapy]\n")
    from cryoelig.inputs import read_case

    from_fhir = review(parse_case(data, pack), pack).report.model_dump(mode="json")
    from_yaml = review(read_case(str(yaml_case), pack), pack).report.model_dump(mode="json")
    from_fhir["case_id"] = from_yaml["case_id"]
    assert from_fhir == from_yaml


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["site", "ecog", "tumor", "treatments"]),
                       st.one_of(st.integers(-10**9, 10**9), st.text(max_size=20), st.booleans())))
def test_case_label_is_never_identifier_like(data):
    label = case_label(data)
    assert re.fullmatch(r"fhir-[bcdfghjkmnpqrstvwxz]{16}", label)
    assert find_identifier(label) is None
    assert case_label(dict(data)) == label  # deterministic


def test_check_reads_a_bundle_and_names_what_it_read(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(*LUNG)))
    out = subprocess.run([sys.executable, "-m", "cryoelig", "check", str(path), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["site"] == "lung"
    assert "cryoelig: fhir: read Condition (entry 2): site" in out.stderr
    assert "ignored Patient (entry 1)" in out.stderr


def test_check_of_a_two_site_bundle_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(*BONE)))
    out = subprocess.run([sys.executable, "-m", "cryoelig", "check", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "(prostate, bone)" in out.stderr


BLOCK = ("import sys\nfor name in {mods}: sys.modules[name] = None\n"
         "from cryoelig.cli import main\nsys.argv = ['cryoelig'] + {args}\nmain()\n")


@pytest.mark.parametrize(("mods", "args", "extra"), [
    (["stdnum", "stdnum.luhn", "stdnum.verhoeff"], ["check", "BUNDLE"], "cryoelig[fhir]"),
    (["fastapi", "uvicorn"], ["serve"], "cryoelig[server]"),
])
def test_without_the_extra_one_line_names_it(tmp_path, mods, args, extra):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(*LUNG)))
    args = [str(path) if a == "BUNDLE" else a for a in args]
    out = subprocess.run([sys.executable, "-c", BLOCK.format(mods=mods, args=args)], capture_output=True, text=True,
                         cwd=ROOT)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert extra in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- the input layer's FHIR reader

def test_the_input_layer_reads_a_bundle_through_the_plug_in(tmp_path):
    """cryoelig.inputs.read_case detects FHIR by resourceType (inputs/fhir.py) and collects the provenance."""
    from cryoelig.inputs import read_case
    from cryoelig.inputs.fhirdoc import collect_provenance

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(*LUNG)))
    with collect_provenance() as found:
        case = read_case(str(path), load_pack())
    data, provenance = bundle_to_case_data(bundle(*LUNG))
    assert case == parse_case(data, load_pack()) and found == [provenance.lines()]
    assert read_case(str(path), load_pack()) == case  # outside the block nothing is collected, the case is the same


def test_a_problem_of_a_bundle_names_the_file(tmp_path):
    from cryoelig.inputs import read_case

    path = tmp_path / "two-sites.json"
    path.write_text(json.dumps(bundle(*BONE)))
    with pytest.raises(InputError) as caught:
        read_case(str(path), load_pack())
    [problem] = caught.value.problems
    assert problem.file == str(path) and problem.field == "site"


@pytest.mark.parametrize("command", [["explain"], ["report"], ["check", "--format", "markdown"]])
def test_explain_report_and_check_from_stdin_read_a_bundle(tmp_path, command):
    document = json.dumps(bundle(*LUNG))
    out = subprocess.run([sys.executable, "-m", "cryoelig", *command, "-"], input=document, capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "cryoelig: fhir: read Condition (entry 2): site" in out.stderr
    assert "lung" in out.stdout.lower() and "Quixwright" not in out.stdout


def test_batch_reads_a_folder_and_a_jsonl_of_bundles(tmp_path):
    """Nothing batch-specific: the folder and JSONL readers run the same interpreter."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-lung.json").write_text(json.dumps(bundle(*LUNG)))
    (folder / "b-two-sites.json").write_text(json.dumps(bundle(*BONE)))
    (folder / "c-case.json").write_text(json.dumps({"case_id": "k-1", "site": "kidney"}))
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(d) + "\n" for d in (
        bundle(*LUNG), bundle(*BONE), {"case_id": "k-1", "site": "kidney"})))
    for source in ("in", "in.jsonl"):
        out = subprocess.run([sys.executable, "-m", "cryoelig", "batch", source, "--out", f"{source}.r.jsonl",
                              "--summary", f"{source}.s.json", "--jobs", "2", "-q"], capture_output=True, text=True,
                             cwd=tmp_path)
        assert out.returncode == 1, out.stderr  # 1: some rows are in the error file
        results = [json.loads(line) for line in (tmp_path / f"{source}.r.jsonl").read_text().splitlines()]
        assert [r["site"] for r in results] == ["lung", "kidney"]
        assert results[0]["case_id"].startswith("fhir-")
        [error] = [json.loads(line) for line in (tmp_path / f"{source}.r.errors.jsonl").read_text().splitlines()]
        assert error["row"] == 2 and error["field"] == "site" and "2 sites" in error["message"]
        assert "Quixwright" not in (tmp_path / f"{source}.r.errors.jsonl").read_text()
