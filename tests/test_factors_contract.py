"""factors.md as an independent oracle: each factor is produced exactly in the situation it names.

The predicates below are written from the table in ../shared/design/factors.md, not from the
rule pack, and are compared with the pack's output on generated cases (three-valued: a factor
whose situation cannot be decided from the case must not be produced).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import case_data

from cryoelig.case import parse_case
from cryoelig.report import build_reports
from cryoelig.scenarios import run_scenarios

DOCUMENTED = {"skin", "liver", "prostate", "kidney", "lung", "bone"}


def oracle(f: dict) -> set[str]:
    """The factors.md table, predicate by predicate (a missing key is unknown: never true)."""
    site = f["site"]
    get = f.get
    out: set[str] = set()
    if site in DOCUMENTED:
        out |= {"site.documented", "risks.documented"}
    if site == "other":
        out.add("site.not_documented")
    if site == "skin" and get("tumor.histology") in ("basal_cell_carcinoma", "squamous_cell_carcinoma"):
        out.add("skin.documented_type")
    if site == "skin" and get("tumor.histology") in ("melanoma", "other"):
        out.add("skin.type_not_documented")
    if site == "liver" and get("tumor.surgically_difficult") is True:
        out.add("liver.surgically_difficult")
    if site == "liver" and get("tumor.surgically_difficult") is False:
        out.add("liver.surgically_accessible")
    if site == "prostate" and get("tumor.stage") == "localized":
        out.add("prostate.localized")
        if get("history.failed_treatments"):
            out.add("prostate.salvage")
    if site == "prostate" and get("tumor.stage") in ("locally_advanced", "metastatic"):
        out.add("prostate.not_localized")
    size = get("tumor.size_cm")
    if site == "kidney" and size is not None:
        out.add("kidney.size_under_4cm" if size < 4 else "kidney.size_4cm_or_more")
    if site == "lung" and get("tumor.location") == "peripheral":
        out.add("lung.peripheral")
    if site == "lung" and get("tumor.location") == "central":
        out.add("lung.central")
    metastatic = site == "bone" and get("tumor.metastatic") is True
    if metastatic:
        out |= {"bone.metastatic_palliative", "supportive_care"}
        if (get("symptoms.pain_score") or 0) >= 1 or get("history.symptoms_returned") is True:
            out.add("bone.pain")
        if get("tumor.primary_cancer") in ("breast", "lung", "prostate", "kidney", "thyroid"):
            out.add("bone.primary_common")
        if set(get("goals") or ()) & {"cure", "stop_spread"}:
            out.add("expectations.not_curative")
    if site == "bone" and get("tumor.metastatic") is False:
        out.add("bone.not_metastatic")
    if site == "bone" and (get("symptoms.fracture") is True or get("symptoms.bone_weakness") is True):
        out.add("bone.fracture_or_weakness")
    if site == "bone" and (get("symptoms.anemia") is True or get("symptoms.fatigue") is True):
        out.add("bone.marrow_effects")
    if get("history.prior_cryoablation") is True and (
            get("history.regrowth") is True or get("history.symptoms_returned") is True):
        out.add("repeat.regrowth_or_symptoms_returned")
    if set(get("treatments") or ()) & {"radiation", "chemotherapy"}:
        out.add("combination.other_treatments")
    if get("overall_health") == "poor":
        out.add("general.overall_health_poor")
    for key, factor in (("near_nerves", "risks.near_nerves"), ("bleeding_risk", "risks.bleeding"),
                        ("active_infection", "risks.infection"),
                        ("near_critical_structures", "risks.surrounding_tissue")):
        if get(f"concerns.{key}") is True:
            out.add(factor)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data())
def test_pack_produces_exactly_the_factors_of_the_contract(pack, data):
    case = parse_case(data)
    report = build_reports([case], pack)[0]
    assert {f.factor for f in report.findings} == oracle(case.facts())


def test_the_scenarios_exercise_every_factor(pack):
    produced = {factor for result in run_scenarios(pack) for factor in result.factors}
    assert set(pack.factor_by_id) <= produced, set(pack.factor_by_id) - produced


def _values(name, spec, thresholds):
    if spec["type"] == "number":
        return sorted(thresholds.get(name, {1}) | {1})
    if spec["type"] == "list":
        return [(), *((v,) for v in spec["values"])]
    return spec["values"]


def test_every_pair_of_field_values_at_every_threshold(pack):
    """Deterministic and exhaustive over pairs: every site (bone also metastatic yes / no / unknown)
    with every pair of field values, numbers at and around each threshold the pack compares."""
    import itertools

    from cryoelig.case import case_fields
    from cryoelig.conditions import leaves
    from cryoelig.report import build_report

    thresholds: dict[str, set] = {}
    for rule in pack.rules:
        for leaf in leaves(rule.condition):
            if leaf.op in ("lt", "le", "gt", "ge") and not isinstance(leaf.value, bool):
                thresholds.setdefault(leaf.field, set()).update(
                    v for v in (leaf.value - 0.01, leaf.value, leaf.value + 0.01) if v > 0)
    thresholds["symptoms.pain_score"] = {0, 1, 2}
    options = [(name, v) for name, spec in case_fields().items()
               if name not in ("site", "tumor.metastatic") for v in _values(name, spec, thresholds)]
    bases = [{"site": s} for s in ("skin", "liver", "prostate", "kidney", "lung", "other")]
    bases += [{"site": "bone"}, {"site": "bone", "tumor.metastatic": True}, {"site": "bone", "tumor.metastatic": False}]
    checked = 0
    for base in bases:
        for (f1, v1), (f2, v2) in itertools.combinations(options, 2):
            if f1 == f2:
                continue
            facts = {**base, f1: v1, f2: v2}
            data = {"case_id": "grid", "site": facts["site"]}
            for name, value in facts.items():
                part, _, leaf = name.rpartition(".")
                if part:
                    data.setdefault(part, {})[leaf] = list(value) if isinstance(value, tuple) else value
                elif name != "site":
                    data[name] = list(value) if isinstance(value, tuple) else value
            case = parse_case(data)
            got = {f.factor for f in build_report(case, pack).findings}
            assert got == oracle(case.facts()), (facts, got ^ oracle(case.facts()))
            checked += 1
    assert checked > 10_000
