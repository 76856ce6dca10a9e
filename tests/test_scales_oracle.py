"""An oracle for the published-scales factors, written from the papers' tables and not from the pack.

The points and bands below are copied by hand from the papers (see docs/published-scales.md for each
number's place: Mirels 1989 scoring table; Fisher et al. 2010 SINS table and categories; Kutikov and
Uzzo 2009 scoring table and complexity categories; AJCC 8th ed. kidney T1a; Patel et al. 2019 high
bleeding-risk thresholds; Callstrom et al. 2013 entry level), independently of rules/published-scales.
The oracle predicts, three-valued, which scales.* factors a case must raise (a component or a guard the
case does not give raises nothing); the reports' published-scales section must raise exactly those. The
factor ids are the stable vocabulary listed in docs/published-scales.md.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from strategies import case_data

from cryoelig.case.contract import parse_case
from cryoelig.facade import review

MIRELS = {  # Mirels 1989, scoring table
    "mirels.site": {"upper_limb": 1, "lower_limb": 2, "peritrochanteric": 3},
    "mirels.pain": {"mild": 1, "moderate": 2, "functional": 3},
    "mirels.lesion": {"blastic": 1, "mixed": 2, "lytic": 3},
    "mirels.size": {"under_one_third": 1, "one_third_to_two_thirds": 2, "over_two_thirds": 3},
}
SINS = {  # Fisher et al. 2010, SINS table
    "sins.location": {"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0},
    "sins.pain": {"mechanical": 3, "occasional": 1, "none": 0},
    "sins.lesion": {"lytic": 2, "mixed": 1, "blastic": 0},
    "sins.alignment": {"subluxation": 4, "deformity": 2, "normal": 0},
    "sins.collapse": {"over_half": 3, "under_half": 2, "body_involved": 1, "none": 0},
    "sins.posterolateral": {"bilateral": 3, "unilateral": 1, "none": 0},
}
RENAL = {  # Kutikov and Uzzo 2009, scoring table (R and N from numbers below)
    "renal.exophytic": {"half_or_more": 1, "under_half": 2, "entirely_endophytic": 3},
    "renal.polar_location": {"outside_polar_lines": 1, "crosses_polar_line": 2, "between_or_midline": 3},
}


def _radius(cm: float) -> int:
    return 1 if cm <= 4 else (2 if cm < 7 else 3)


def _nearness(mm: float) -> int:
    return 1 if mm >= 7 else (2 if mm > 4 else 3)


def _total(f: dict, points: dict[str, int | None], total_field: str) -> int | None:
    """Every component known: their sum; else the total given; else unknown."""
    if None not in points.values():
        return sum(points.values())  # type: ignore[arg-type]
    return f.get(total_field)


def _table_points(f: dict, table: dict) -> dict[str, int | None]:
    return {field: (values[f[field]] if field in f else None) for field, values in table.items()}


def scales_oracle(f: dict) -> set[str]:
    out = {"scales.ecog.given"} if "ecog" in f else set()
    if "kps" in f:
        out.add("scales.kps.given")
    return out | _bleeding(f) | _bone(f) | _kidney(f)


def _bleeding(f: dict) -> set[str]:
    """Patel et al. 2019: ablation is in the high bleeding-risk group; INR 1.5-1.8, platelets 50 x10^9/L."""
    out: set[str] = set()
    if f["site"] not in ("liver", "kidney", "lung", "bone"):
        return out
    inr, platelets = f.get("labs.inr"), f.get("labs.platelets")
    if inr is not None:
        out.add("scales.bleeding.inr_1_5_or_less" if inr <= 1.5 else
                "scales.bleeding.inr_over_1_5_to_1_8" if inr <= 1.8 else "scales.bleeding.inr_over_1_8")
    if platelets is not None:
        out.add("scales.bleeding.platelets_under_50" if platelets < 50 else "scales.bleeding.platelets_50_or_more")
    return out


def _bone(f: dict) -> set[str]:
    """Callstrom et al. 2013 (worst pain >= 4/10), Mirels 1989 (<= 7, 8, >= 9), Fisher et al. 2010 (0-6,
    7-12, 13-18)."""
    out: set[str] = set()
    if f["site"] != "bone":
        return out
    metastatic, region, pain = f.get("tumor.metastatic") is True, f.get("tumor.bone_region"), \
        f.get("symptoms.worst_pain_last_day")
    if metastatic and pain is not None:
        out.add("scales.pain.worst_24h_4_or_more" if pain >= 4 else "scales.pain.worst_24h_under_4")
    mirels = _total(f, _table_points(f, MIRELS), "mirels.total")
    if metastatic and region == "long_bone" and mirels is not None:
        out.add("scales.mirels.total_4_to_7" if mirels <= 7 else
                "scales.mirels.total_8" if mirels == 8 else "scales.mirels.total_9_to_12")
    sins = _total(f, _table_points(f, SINS), "sins.total")
    if region == "spine" and sins is not None:
        out.add("scales.sins.total_0_to_6" if sins <= 6 else
                "scales.sins.total_7_to_12" if sins <= 12 else "scales.sins.total_13_to_18")
    return out


def _kidney(f: dict) -> set[str]:
    """Kutikov and Uzzo 2009 (4-6, 7-9, 10-12) and the AJCC 8th edition T1a limit (4 cm or less)."""
    out: set[str] = set()
    if f["site"] != "kidney":
        return out
    size = f.get("tumor.size_cm")
    points = {"R": _radius(size) if size is not None else None, **_table_points(f, RENAL),
              "N": _nearness(f["renal.nearness_mm"]) if "renal.nearness_mm" in f else None}
    total = _total(f, points, "renal.total")
    if total is not None:
        out.add("scales.renal.total_4_to_6" if total <= 6 else
                "scales.renal.total_7_to_9" if total <= 9 else "scales.renal.total_10_to_12")
    if size is not None:
        out.add("scales.ajcc_kidney.size_within_t1a_limit" if size <= 4 else "scales.ajcc_kidney.size_beyond_t1a_limit")
    return out


def scale_factors(report) -> set[str]:
    return {p.factor for line in report.published_scales.lines for p in line.points}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_data())
def test_the_scales_raise_exactly_the_factors_of_the_papers(pack, data):
    case = parse_case(data, pack)
    report = review(case, pack).report  # the engine decides, the evaluation explains (cross-checked)
    assert scale_factors(report) == scales_oracle(case.facts())
    assert not {f.factor for f in report.findings} & scale_factors(report), "scale points stay in their section"


GUARDS = [{"site": "kidney"}, {"site": "lung"}, {"site": "skin"},
          {"site": "bone", "tumor": {"metastatic": True, "bone_region": "long_bone"}},
          {"site": "bone", "tumor": {"metastatic": False, "bone_region": "long_bone"}},
          {"site": "bone", "tumor": {"metastatic": True, "bone_region": "spine"}},
          {"site": "bone", "tumor": {"metastatic": True}}, {"site": "bone", "tumor": {"bone_region": "pelvis"}}]
VALUES = [("mirels", "total", range(4, 13)), ("sins", "total", range(0, 19)), ("renal", "total", range(4, 13)),
          ("labs", "inr", (1.49, 1.5, 1.51, 1.8, 1.81)), ("labs", "platelets", (49.99, 50, 50.01)),
          ("symptoms", "worst_pain_last_day", (3, 4))]


def test_every_total_and_threshold_under_every_guard():
    """Deterministic: every total of each score and the values at and around each threshold, under the
    guards each scale names (and those it does not), against the oracle."""
    from cryoelig.rulepack.load import load_pack

    pack = load_pack()
    checked = 0
    for guard, (group, name, values) in itertools.product(GUARDS, VALUES):
        for value in values:
            data = {"case_id": "grid", **guard}
            data = {**data, group: {**data.get(group, {}), name: value}}
            case = parse_case(data, pack)
            assert scale_factors(review(case, pack, use_engine=False).report) == scales_oracle(case.facts()), data
            checked += 1
    assert checked > 300
