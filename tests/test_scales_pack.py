"""The published-scales pack loader is the gate for a pack without source texts: cites name a source cited
in full and a locator; the numbers are checked against each other; the wording carries no advice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryoelig.case import case_fields, parse_case
from cryoelig.conditions import parse
from cryoelig.errors import InputError, PackError
from cryoelig.report import build_reports
from cryoelig.scales_pack import (
    case_facts,
    default_scales_pack_dir,
    field_registry,
    load_scales_pack,
    parse_condition,
    scenario_failures,
)

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "published-scales"


@pytest.fixture(scope="module")
def spack():
    return load_scales_pack()


def copy_pack(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the shipped pack with text replacements {file: (old, new)}; each old text must be there."""
    target = tmp_path / "published-scales"
    shutil.copytree(PACK, target)
    for name, (old, new) in (edits or {}).items():
        path = target / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def problems_of(tmp_path, edits):
    with pytest.raises(PackError) as info:
        load_scales_pack(copy_pack(tmp_path, edits))
    return "\n".join(str(p) for p in info.value.problems)


def test_the_shipped_pack_loads(spack):
    assert spack.name == "published-scales" and len(spack.sha256) == 64
    assert default_scales_pack_dir() == PACK
    assert {s.id for s in spack.scales} == {"ecog", "kps", "mirels", "sins", "renal", "ajcc_kidney_t1a",
                                            "sir_inr", "sir_platelets", "callstrom_pain"}


def test_the_hash_is_stable_and_changes_with_a_number(tmp_path):
    first = load_scales_pack(copy_pack(tmp_path / "a")).sha256
    assert load_scales_pack(copy_pack(tmp_path / "b")).sha256 == first
    changed = copy_pack(tmp_path / "c", {"scales.yaml": ("- {value: lytic, points: 3, label: lytic}",
                                                         "- {value: lytic, points: 3, label: lytic lesion}")})
    assert load_scales_pack(changed).sha256 != first


@pytest.mark.parametrize(("edits", "message"), [
    ({"general.yaml": ("{source: oken-1982,", "{source: oken-1983,")}, "unknown source 'oken-1983'"),
    ({"bone.yaml": ("locator: 'abstract, methods: entry level", "locator: '  ', x: 'abstract")},
     "locator"),
    ({"pack.yaml": ("doi: 10.1002/cncr.27793", "doi: cncr.27793")}, "is not a DOI"),
    ({"pack.yaml": ("    journal: Cancer\n", "")}, "cited with its journal"),
    ({"pack.yaml": ("    pages: 191-205\n", "")}, "cited with its pages"),
    ({"scales.yaml": ("{id: total_8, ge: 8, le: 8,", "{id: total_8, ge: 7, le: 8,")}, "total 7 falls in 2 bands"),
    ({"scales.yaml": ("{id: total_8, ge: 8, le: 8,", "{id: total_8, ge: 9, le: 9,")}, "total 8 falls in 0 bands"),
    ({"scales.yaml": ("{id: inr_over_1_8, gt: 1.8,", "{id: inr_over_1_8, gt: 1.9,")}, "falls in 0 ranges"),
    ({"scales.yaml": ("- {gt: 4, lt: 7, points: 2, label: over 4 cm and under 7 cm}",
                      "- {ge: 4, lt: 7, points: 2, label: over 4 cm and under 7 cm}")}, "falls in 2 ranges"),
    ({"scales.yaml": ("- {value: lytic, points: 3, label: lytic}", "- {value: lytic, points: 4, label: lytic}")},
     "differ from the components' 4-13"),
    ({"scales.yaml": ("- {value: peritrochanteric, points: 3,", "- {value: trochanteric, points: 3,")},
     "differ from the values of 'mirels.site' in the case contract"),
    ({"scales.yaml": ("label: 'Mirels 8: the middle band, a single score the paper treats as borderline'",
                      "label: 'Mirels 8: prophylactic fixation to consider'")}, "advice wording ['fixation']"),
    ({"scales.yaml": ("label: 'SINS 13 to 18: the highest band (the authors'' unstable category)'",
                      "label: 'SINS 13 to 18: unstable, refer'")}, "['refer']"),
    ({"bone.yaml": ("- scales.mirels_total >= 9", "- scales.mirels_total >= 10")},
     "at scales.mirels_total = 9 its clauses say False, band 'total_9_to_12' says True"),
    ({"bone.yaml": ("        - tumor.bone_region == spine\n        - scales.sins_total <= 6",
                    "        - scales.sins_total <= 6")}, "differ from scale 'sins' applies_when"),
    ({"general.yaml": ("- labs.platelets >= 50", "- labs.platelets > 50")},
     "at labs.platelets = 50 its clauses say False"),
    ({"kidney.yaml": ("factor: scales.renal.total_7_to_9", "factor: scales.renal.total_4_to_6")},
     "factor 'scales.renal.total_4_to_6' has 2 rules"),
    ({"kidney.yaml": ("- scales.renal_total >= 10", "- scales.renal_totl >= 10")}, "unknown field 'scales.renal_totl'"),
    ({"kidney.yaml": ("Kidney tumor of {tumor.size_cm} cm: over 4 cm", "Kidney tumor of {tumor.count} cm: over 4 cm")},
     "placeholder '{tumor.count}'"),
    ({"kidney.yaml": ("which the authors call high complexity", "which the authors call a candidate for surgery")},
     "['candidate', 'surgery']"),
    ({"pack.yaml": ("- id: scales.kps.given\n    kind: context", "- id: scales.kps.given\n    kind: caution")},
     "factors.1.kind"),
    ({"general.yaml": ("- kps exists", "- kps >= 10")}, "a 'given' rule reads 'kps exists'"),
    ({"fields.yaml": ("  labs.inr:\n", "  labs.inrr:\n")}, "'labs.inrr' is not a scale field"),
    ({"general.yaml": ("      all:\n        - site exists\n        - ecog exists",
                       "      not: ecog exists")}, "'not' is not available in this pack"),
])
def test_each_kind_of_problem_has_a_clear_message(tmp_path, edits, message):
    assert message in problems_of(tmp_path, edits)


def test_every_problem_is_reported_in_one_run_with_file_and_line(tmp_path):
    text = problems_of(tmp_path, {
        "bone.yaml": ("- scales.mirels_total >= 9", "- scales.mirels_total >= 10"),
        "kidney.yaml": ("{source: ajcc-2017,", "{source: ajcc-2018,"),
        "scales.yaml": ("{id: total_8, ge: 8, le: 8,", "{id: total_8, ge: 7, le: 8,"),
    })
    assert "bone.yaml:" in text and "kidney.yaml:" in text and "scales.yaml:" in text
    assert "ajcc-2018" in text and "falls in 2 bands" in text and "its clauses say False" in text


def test_a_factor_no_rule_produces_is_refused(tmp_path):
    text = problems_of(tmp_path, {"pack.yaml": (
        "factors:\n", "factors:\n  - id: scales.extra.unused\n    kind: context\n    label: unused\n")})
    assert "factor 'scales.extra.unused' is produced by no rule" in text


# ---------------------------------------------------------------- the condition language, restricted

LEAVES = st.one_of(
    st.sampled_from(["site == bone", "site != kidney", "site in [liver, kidney, lung, bone]", "site exists",
                     "tumor.metastatic == true", "tumor.size_cm <= 4", "tumor.size_cm > 4", "tumor.size_cm >= 7",
                     "symptoms.pain_score < 4", "tumor.count exists", "overall_health not in [poor, fair]"]),
    st.builds(lambda op, n: f"tumor.size_cm {op} {n}", st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
              st.integers(0, 20)),
)
CONDITIONS = st.recursive(LEAVES, lambda inner: st.builds(
    lambda key, items: {key: items}, st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=3)),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(CONDITIONS)
def test_the_restricted_parser_agrees_with_the_condition_language(raw):
    """Phase 1 parses this pack's conditions against a wider field registry; on the shared grammar and the
    existing fields it builds exactly what conditions.parse builds (phase 2 replaces it by that)."""
    assert parse_condition(raw, dict(case_fields())) == parse(raw)


def test_the_registry_adds_the_scale_fields_and_ecog():
    registry = field_registry()
    assert {"mirels.site", "sins.total", "renal.nearness_mm", "labs.inr", "labs.platelets", "kps", "ecog",
            "tumor.bone_region", "symptoms.worst_pain_last_day"} <= set(registry)
    assert "labs.platelets_per_ul" not in registry  # converted on input; rules read labs.platelets


# ---------------------------------------------------------------- scenarios and whole cases

def test_the_scenarios_hold(spack):
    assert scenario_failures(spack) == []
    assert len(list((spack.directory / "scenarios").glob("*.yaml"))) >= 10


def test_a_wrong_scenario_is_reported(tmp_path):
    pack = load_scales_pack(copy_pack(tmp_path, {"scenarios/bone-long-mirels-10.yaml": ("totals: {mirels: 10}",
                                                                                        "totals: {mirels: 11}")}))
    assert scenario_failures(pack) == ["bone-long-mirels-10.yaml (lytic lesion of the femoral shaft, half the "
                                       "bone's width, functional pain (Mirels 10)): mirels total 10, expected 11"]


def test_a_whole_case_gives_facts_for_both_packs(spack):
    data = {"case_id": "c1", "site": "kidney", "tumor": {"size_mm": 40}, "ecog": 1,
            "renal": {"exophytic": "under_half", "nearness_mm": 5, "polar_location": "crosses_polar_line"},
            "labs": {"platelets_per_ul": 120000}}
    facts = case_facts(data, pack=spack)
    assert facts["tumor.size_cm"] == 4.0 and facts["ecog"] == 1 and facts["labs.platelets"] == 120
    assert facts["overall_health"] == "good"  # the source pack's own reading of ECOG, unchanged
    assert spack.facts_with_totals(facts)["scales.renal_total"] == 1 + 2 + 2 + 2


def test_a_scale_conflict_in_a_whole_case_is_an_input_error(spack):
    data = {"case_id": "c1", "site": "bone", "mirels": {"site": "upper_limb", "pain": "mild", "lesion": "blastic",
                                                        "size": "under_one_third", "total": 12}}
    with pytest.raises(InputError) as info:
        case_facts(data, file="case.yaml", pack=spack)
    assert info.value.problems[0].field == "mirels.total"


def test_the_t1a_limit_is_shown_beside_the_source_and_not_reconciled(spack, pack):
    """At exactly 4 cm the source article's 'less than 4 cm' is not met (kidney.size_4cm_or_more) while the
    AJCC 8th edition T1a size limit (4 cm or less) is: both are shown, neither changes the other."""
    data = {"case_id": "c1", "site": "kidney", "tumor": {"size_cm": 4.0}}
    source_factors = {f.factor for f in build_reports([parse_case(data)], pack)[0].findings}
    assert "kidney.size_4cm_or_more" in source_factors and "kidney.size_under_4cm" not in source_factors
    scale_factors = {r.spec.factor for r in spack.fired(case_facts(data, pack=spack))}
    assert scale_factors == {"scales.ajcc_kidney.size_within_t1a_limit"}


def test_the_source_pack_is_unchanged_by_the_scale_fields(spack, pack):
    """The same case with and without scale fields gives the same source-pack findings."""
    base = {"case_id": "c1", "site": "bone", "tumor": {"metastatic": True}, "symptoms": {"pain_score": 6}}
    with_scales = {**base, "tumor": {"metastatic": True, "bone_region": "long_bone"}, "kps": 60,
                   "mirels": {"total": 9}, "symptoms": {"pain_score": 6, "worst_pain_last_day": 6}}
    from cryoelig.scales_case import split_case_data

    stripped, _ = split_case_data(with_scales)
    assert stripped == base
    first = build_reports([parse_case(base)], pack)[0]
    second = build_reports([parse_case(stripped)], pack)[0]
    assert [f.factor for f in first.findings] == [f.factor for f in second.findings]
