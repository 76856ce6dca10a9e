"""The one way FHIR is read (inputs.fhir.mapping.read_fhir): a case file, an API body and a CDS Hooks
prefetch go through it, named by where each resource came from; nothing else reads FHIR resources."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytest.importorskip("stdnum")

from fhirdata import BONE, LUNG, bone_prefetch, bundle, draft_ablation  # noqa: E402

from cryoelig.errors import InputError  # noqa: E402
from cryoelig.inputs.fhir.mapping import Sites, order_sites, read_fhir  # noqa: E402

PACKAGE = Path(__file__).resolve().parent.parent / "cryoelig"
#: What a caller outside the FHIR package may take from it: the entry points, never the reader's parts.
ENTRY = {"cryoelig.inputs.fhir": {"EXTRA_HINT", "MissingExtraError", "is_fhir", "bundle_to_case_data"},
         "cryoelig.inputs.fhir.mapping": {"FhirCase", "NotPlaced", "Sites", "read_fhir", "order_sites",
                                          "bundle_to_case_data", "models"}}


def test_a_prefetch_names_each_resource_by_its_key_and_place() -> None:
    parts = {f"prefetch {key} entry": value for key, value in bone_prefetch().items() if value is not None}
    [case] = read_fhir(parts, ["bone"])
    places = [r["where"] for r in case.provenance.as_dict()["read"]]
    assert "prefetch conditions entry 2" in places and "prefetch observations entry 1" in places
    assert case.site == case.data["site"] == "bone"


def test_a_document_names_its_resources_by_entry() -> None:
    [case] = read_fhir({"entry": bundle(*LUNG)})
    where = {r["where"] for r in case.provenance.as_dict()["read"] + case.provenance.as_dict()["ignored"]}
    assert where == {f"entry {i}" for i in range(1, len(LUNG) + 1)}


def test_which_sites() -> None:
    record = {"entry": bundle(*BONE)}
    assert [c.site for c in read_fhir(record, Sites.EVERY)] == ["prostate", "bone"]
    assert [c.site for c in read_fhir(record, ["bone"])] == ["bone"]
    with pytest.raises(InputError, match="2 sites"):
        read_fhir(record, Sites.ONE)
    assert read_fhir({"entry": bundle()}, Sites.EVERY) == []


def test_problems_name_the_file_when_there_is_one() -> None:
    with pytest.raises(InputError) as named:
        read_fhir({"entry": bundle()}, name="record.json")
    assert {p.file for p in named.value.problems} == {"record.json"}
    with pytest.raises(InputError) as unnamed:
        read_fhir({"entry": bundle()})
    assert {p.file for p in unnamed.value.problems} == {None}


def test_order_sites() -> None:
    assert order_sites([draft_ablation()]) == ["bone"]
    assert order_sites([draft_ablation(site=None), draft_ablation()]) == [None, "bone"]
    assert order_sites([draft_ablation(code="73761001")]) == []  # not an ablation (colonoscopy)


def outside_imports() -> list[str]:
    """Each name taken from the FHIR package by a module outside it that is not one of its entry points."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "inputs" / "fhir") in path.parents:
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
                if base == "cryoelig.inputs.fhir" or base.startswith("cryoelig.inputs.fhir."):
                    found += [f"{module}: {base}.{a.name}" for a in node.names if a.name not in ENTRY.get(base, ())]
            elif isinstance(node, ast.Import):
                found += [f"{module}: {a.name}" for a in node.names if a.name.startswith("cryoelig.inputs.fhir.")]
    return found


def test_nothing_outside_the_fhir_package_reads_resources_but_through_its_entry() -> None:
    assert outside_imports() == []
