"""factors.md as an independent oracle: each factor is produced exactly in the situation it names,
and a field is missing information exactly when a factor's situation waits on it.

The predicates below are written from the table in docs/factors.md (revised 2026-11-28:
repetition, combination, fractures / weakness and marrow effects need site bone and
``tumor.metastatic: true``; overall health poor or ECOG 3-4; revised 2026-12-07: risk points only at a
documented site, like ``risks.documented``, and the reconciliation links of docs/rule-authoring.md), not
from the rule pack, and are compared with the pack's output on generated cases. Three-valued: a factor whose situation
cannot be decided from the case must not be produced, and the fields it waits on are the missing
information (an ``exists`` test is two-valued and never waits).
"""

from __future__ import annotations

from csvmix import source_columns
from hypothesis import HealthCheck, given, settings
from strategies import case_data

from cryoelig.case.contract import parse_case
from cryoelig.facade import review
from cryoelig.views.scenarios import run_scenarios

DOCUMENTED = ("skin", "liver", "prostate", "kidney", "lung", "bone")
#: ids the pack adds to the table (factors.md: "a rule pack may add ids"); docs/rule-authoring.md lists them
PACK_ADDED = {"liver.size_not_used_by_source", "lung.size_not_used_by_source"}

# A three-valued result: (True | False | None, the fields an unknown result waits on).
T, F = (True, frozenset()), (False, frozenset())


def _leaf(facts: dict, name: str, test) -> tuple:  # noqa: ANN001 - a predicate on the value
    return (None, frozenset({name})) if name not in facts else (bool(test(facts[name])), frozenset())


def _all(*items: tuple) -> tuple:
    if any(v is False for v, _ in items):
        return F
    unknown = [w for v, w in items if v is None]
    return (None, frozenset().union(*unknown)) if unknown else T


def _any(*items: tuple) -> tuple:
    if any(v is True for v, _ in items):
        return T
    unknown = [w for v, w in items if v is None]
    return (None, frozenset().union(*unknown)) if unknown else F


def _bool(value: bool) -> tuple:
    return T if value else F


def _linked(f: dict, name: str, test) -> tuple:  # noqa: ANN001 - a predicate on the value
    """A reconciliation link's reading: two-valued, a field not given is false (it adds no missing field)."""
    return _bool(name in f and bool(test(f[name])))


#: Karnofsky at or under 50 reads as ECOG 3-4 (Ma et al. 2010: 40-50 as 3, 10-30 as 4)
_KPS_POOR = 50
#: the sites the SIR 2019 bleeding-risk links read (the high-risk group: ablations of these organs)
_SIR_SITES = ("liver", "kidney", "lung", "bone")


def table(f: dict) -> dict[str, tuple]:
    """The factors.md table, row by row, three-valued (a missing key is unknown)."""
    def eq(name, value):  # noqa: ANN001, ANN202
        return _leaf(f, name, lambda v: v == value)

    def one_of(name, values):  # noqa: ANN001, ANN202
        return _leaf(f, name, lambda v: v in values)

    def has_any(name, values):  # noqa: ANN001, ANN202
        return _leaf(f, name, lambda v: bool(set(v) & set(values)))

    site = f["site"]
    at = {s: _bool(site == s) for s in (*DOCUMENTED, "other")}
    size = _leaf(f, "tumor.size_cm", lambda v: v < 4)
    metastatic = _all(at["bone"], eq("tumor.metastatic", True))
    given = ("overall_health", "ecog", "kps")
    overall = ((None, frozenset({"overall_health"})) if not any(name in f for name in given)
               else _bool(f.get("overall_health") == "poor" or f.get("ecog", 0) >= 3
                          or f.get("kps", 100) <= _KPS_POOR))
    documented = _bool(site in DOCUMENTED)
    pain = _any(_leaf(f, "symptoms.pain_score", lambda v: v >= 1),
                _linked(f, "sins.pain", lambda v: v in ("mechanical", "occasional")),
                _linked(f, "mirels.pain", lambda v: v in ("mild", "moderate", "functional")),
                _linked(f, "symptoms.worst_pain_last_day", lambda v: v >= 1))
    fracture = _any(eq("symptoms.fracture", True),
                    _linked(f, "sins.collapse", lambda v: v in ("over_half", "under_half")))
    bleeding = _any(eq("concerns.bleeding_risk", True),
                    _bool(site in _SIR_SITES and (f.get("labs.inr", 0) > 1.8 or f.get("labs.platelets", 50) < 50)))
    return {
        "site.documented": _bool(site in DOCUMENTED),
        "site.not_documented": at["other"],
        "skin.documented_type": _all(at["skin"], one_of("tumor.histology",
                                                        ("basal_cell_carcinoma", "squamous_cell_carcinoma"))),
        "skin.type_not_documented": _all(at["skin"], one_of("tumor.histology", ("melanoma", "other"))),
        "liver.surgically_difficult": _all(at["liver"], eq("tumor.surgically_difficult", True)),
        "liver.surgically_accessible": _all(at["liver"], eq("tumor.surgically_difficult", False)),
        "prostate.localized": _all(at["prostate"], eq("tumor.stage", "localized")),
        "prostate.salvage": _all(at["prostate"], eq("tumor.stage", "localized"),
                                 _leaf(f, "history.failed_treatments", bool)),
        "prostate.not_localized": _all(at["prostate"], one_of("tumor.stage", ("locally_advanced", "metastatic"))),
        "kidney.size_under_4cm": _all(at["kidney"], size),
        "kidney.size_4cm_or_more": _all(at["kidney"], (None if size[0] is None else not size[0], size[1])),
        "lung.peripheral": _all(at["lung"], eq("tumor.location", "peripheral")),
        "lung.central": _all(at["lung"], eq("tumor.location", "central")),
        "bone.metastatic_palliative": metastatic,
        "bone.not_metastatic": _all(at["bone"], eq("tumor.metastatic", False)),
        "bone.pain": _all(metastatic, _any(pain, eq("history.symptoms_returned", True))),
        "bone.primary_common": _all(metastatic, one_of("tumor.primary_cancer",
                                                       ("breast", "lung", "prostate", "kidney", "thyroid"))),
        "bone.fracture_or_weakness": _all(metastatic, _any(fracture, eq("symptoms.bone_weakness", True))),
        "bone.marrow_effects": _all(metastatic, _any(eq("symptoms.anemia", True), eq("symptoms.fatigue", True))),
        "repeat.regrowth_or_symptoms_returned": _all(metastatic, eq("history.prior_cryoablation", True),
                                                     _any(eq("history.regrowth", True),
                                                          eq("history.symptoms_returned", True))),
        "expectations.not_curative": _all(metastatic, has_any("goals", ("cure", "stop_spread"))),
        "combination.other_treatments": _all(metastatic, has_any("treatments", ("radiation", "chemotherapy"))),
        "supportive_care": metastatic,
        "general.overall_health_poor": overall,
        "risks.documented": documented,
        "risks.near_nerves": _all(documented, eq("concerns.near_nerves", True)),
        "risks.bleeding": _all(documented, bleeding),
        "risks.infection": _all(documented, eq("concerns.active_infection", True)),
        "risks.surrounding_tissue": _all(documented, eq("concerns.near_critical_structures", True)),
        # added by the pack: a size given at a site where the source says "small" without a limit
        "liver.size_not_used_by_source": _bool(site == "liver" and "tumor.size_cm" in f),
        "lung.size_not_used_by_source": _bool(site == "lung" and "tumor.size_cm" in f),
    }


def oracle(f: dict) -> set[str]:
    """The factors whose situation the case meets."""
    return {factor for factor, (value, _) in table(f).items() if value is True}


def missing_oracle(f: dict) -> set[str]:
    """The fields the undecided situations wait on (factors.md: missing information names the field)."""
    return {name for value, waits in table(f).values() if value is None for name in waits}


def oracles(f: dict) -> tuple[set[str], set[str]]:
    """``oracle(f)`` and ``missing_oracle(f)``, reading the table once."""
    rows = table(f)
    return ({factor for factor, (value, _) in rows.items() if value is True},
            {name for value, waits in rows.values() if value is None for name in waits})


def test_the_table_names_every_factor_of_the_pack(source_pack):
    """The source article's pack (the published scales' factors have their own oracle, test_scales_oracle.py)."""
    assert set(table({"site": "other"})) == set(source_pack.factor_by_id)
    assert set(source_pack.factor_by_id) >= PACK_ADDED


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data())
def test_pack_produces_exactly_the_factors_of_the_contract(pack, data):
    case = parse_case(data, pack)
    report = review(case, pack).report
    assert {f.factor for f in report.findings} == oracle(case.facts())
    assert {m.field for m in report.missing} == missing_oracle(case.facts())


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

    from cryoelig.case.contract import case_fields
    from cryoelig.rulepack.conditions import leaves

    thresholds: dict[str, set] = {}
    for rule in pack.rules:
        for leaf in leaves(rule.condition):
            if leaf.op in ("lt", "le", "gt", "ge") and not isinstance(leaf.value, bool):
                thresholds.setdefault(leaf.field, set()).update(
                    v for v in (leaf.value - 0.01, leaf.value, leaf.value + 0.01) if v > 0)
    thresholds["symptoms.pain_score"] = {0, 1, 2}
    thresholds["ecog"] = {0, 2, 3, 4}  # whole numbers around the tool's ECOG 3 convention
    # The source article's fields (ecog among them): the published scales' fields raise no factor of this
    # oracle (their own oracle is tests/test_scales_oracle.py).
    options = [(name, v) for name, spec in case_fields().items() if name in source_columns()
               and name not in ("site", "tumor.metastatic") for v in _values(name, spec, thresholds)]
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
            case = parse_case(data, pack)
            report = review(case, pack, use_engine=False).report
            got, missing = {f.factor for f in report.findings}, {m.field for m in report.missing}
            expected, expected_missing = oracles(case.facts())
            assert got == expected, (facts, got ^ expected)
            assert missing == expected_missing, (facts, missing ^ expected_missing)
            checked += 1
    assert checked > 10_000
