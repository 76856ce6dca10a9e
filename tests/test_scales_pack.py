"""The gate for a pack that cites papers instead of quoting stored texts (the published-scales pack), and
loading several packs together: cites name a source cited in full and a place in it; the numbers are checked
against each other; the wording carries no advice; a pack that adds to another is checked against its sites."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cryoelig.case.contract import parse_case
from cryoelig.cli import app
from cryoelig.errors import InputError, PackError
from cryoelig.facade import review
from cryoelig.reasoning.casefacts import case_facts
from cryoelig.rulepack.load import load_pack, load_pack_set
from cryoelig.rulepack.packset import default_pack_dirs
from cryoelig.views.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "published-scales"


@pytest.fixture(scope="module")
def spack():
    """The published-scales pack on its own (it loads alone; it reviews cases only with its base)."""
    return load_pack(PACK)


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
        load_pack(copy_pack(tmp_path, edits))
    return "\n".join(str(p) for p in info.value.problems)


def test_the_shipped_pack_loads(spack):
    assert spack.name == "published-scales" and len(spack.sha256) == 64
    assert spack.meta.adds_to == "cryoelig-default" and spack.site_ids == ()
    assert {s.id for s in spack.scales} == {"ecog", "kps", "mirels", "sins", "renal", "ajcc_kidney_t1a",
                                            "sir_inr", "sir_platelets", "callstrom_pain"}
    assert default_pack_dirs() == (ROOT / "rules", PACK)


def test_the_hash_is_stable_and_changes_with_a_number(tmp_path):
    first = load_pack(copy_pack(tmp_path / "a")).sha256
    assert load_pack(copy_pack(tmp_path / "b")).sha256 == first
    changed = copy_pack(tmp_path / "c", {"scales.yaml": ("- {value: lytic, points: 3, label: lytic}",
                                                         "- {value: lytic, points: 3, label: lytic lesion}")})
    assert load_pack(changed).sha256 != first


def test_the_source_pack_keeps_its_hash(pack):
    """Adding scales.yaml support changed nothing the source pack hashes (golden outputs pin this hash)."""
    assert pack.parts[0].sha256 == (ROOT / "tests" / "golden" / "pack-sha256.txt").read_text().split()[0]


@pytest.mark.parametrize(("edits", "message"), [
    ({"general.yaml": ("{source: oken-1982,", "{source: oken-1983,")}, "unknown source 'oken-1983'"),
    ({"bone.yaml": ("locator: 'abstract, methods: entry level", "locator: '  ', x: 'abstract")},
     "locator"),
    ({"general.yaml": ("{source: oken-1982, locator: ECOG performance status table (grades 0 to 5)}",
                       "{source: oken-1982, quote: ECOG performance status table (grades 0 to 5)}")},
     "a source cited in full is named by place (locator), never quoted"),
    ({"pack.yaml": ("doi: 10.1002/cncr.27793", "doi: cncr.27793")}, "is not a DOI"),
    ({"pack.yaml": ("    journal: Cancer\n", "")}, "cited with its journal"),
    ({"pack.yaml": ("    pages: 191-205\n", "")}, "cited with its pages"),
    ({"pack.yaml": ("    doi: 10.1097/BRS.0b013e3181e16ae2\n", "")}, "give a DOI or ISBN"),
    ({"pack.yaml": ("adds_to: cryoelig-default\n", "")}, "sites: Field required"),
    ({"scales.yaml": ("{id: total_8, ge: 8, le: 8,", "{id: total_8, ge: 7, le: 8,")}, "total 7 falls in 2 bands"),
    ({"scales.yaml": ("{id: total_8, ge: 8, le: 8,", "{id: total_8, ge: 9, le: 9,")}, "total 8 falls in 0 bands"),
    ({"scales.yaml": ("{id: inr_over_1_8, gt: 1.8,", "{id: inr_over_1_8, gt: 1.9,")}, "falls in 0 ranges"),
    ({"scales.yaml": ("- {gt: 4, lt: 7, points: 2, label: over 4 cm and under 7 cm}",
                      "- {ge: 4, lt: 7, points: 2, label: over 4 cm and under 7 cm}")}, "falls in 2 ranges"),
    ({"scales.yaml": ("- {value: lytic, points: 3, label: lytic}", "- {value: lytic, points: 4, label: lytic}")},
     "differ from the components' 4-13"),
    ({"scales.yaml": ("- {value: peritrochanteric, points: 3,", "- {value: trochanteric, points: 3,")},
     "differ from the values of 'mirels.site' in the case contract"),
    ({"scales.yaml": ("field: renal.nearness_mm", "field: renal.distance_mm")},
     "unknown case field 'renal.distance_mm'"),
    ({"scales.yaml": ("label: 'Mirels 8: the middle band, a single score the paper treats as borderline'",
                      "label: 'Mirels 8: prophylactic fixation to consider'")}, "['fixation']"),
    ({"scales.yaml": ("label: 'SINS 13 to 18: the highest band (the authors'' unstable category)'",
                      "label: 'SINS 13 to 18: unstable, refer'")}, "['refer']"),
    ({"scales.yaml": ("- {source: callstrom-2013, locator: 'abstract, methods: entry level",
                      "- {source: oken-1982, locator: 'abstract, methods: entry level")}, None),
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
     "a published scale is context"),
    ({"general.yaml": ("- kps exists", "- kps >= 10")}, "a 'given' rule reads 'kps exists'"),
    ({"general.yaml": ("      all:\n        - site exists\n        - ecog exists", "      not: ecog exists")},
     "differ from scale 'ecog' applies_when"),
    ({"fields.yaml": ("  labs.inr:\n", "  labs.inrr:\n")}, "unknown case field 'labs.inrr'"),
])
def test_each_kind_of_problem_has_a_clear_message(tmp_path, edits, message):
    if message is None:  # a scale may cite any paper the pack cites in full: not a problem
        load_pack(copy_pack(tmp_path, edits))
        return
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


def test_a_rule_of_a_scales_pack_belongs_to_a_scale(tmp_path):
    text = problems_of(tmp_path, {"pack.yaml": (
        "factors:\n", "factors:\n  - id: scales.extra\n    kind: context\n    label: extra\n"),
        "general.yaml": ("rules:\n", "rules:\n  - id: scales.extra\n    factor: scales.extra\n    kind: context\n"
                         "    when: site exists\n    text: Extra context. Point to discuss with the team.\n"
                         "    cites:\n      - {source: oken-1982, locator: table 1}\n")})
    assert "every rule raises a band or 'given' factor of one of them" in text


def test_a_quote_of_a_stored_source_stays_a_quote(tmp_path):
    """The source pack's gate is unchanged: a stored source is quoted verbatim, never named by place."""
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy, ignore=shutil.ignore_patterns("published-scales"))
    kidney = copy / "kidney.yaml"
    text = kidney.read_text()
    start = text.index("quote:")
    kidney.write_text(text[:start] + "locator: the kidney paragraph" + text[text.index("\n", start):])
    with pytest.raises(PackError, match="a stored source is quoted verbatim"):
        load_pack(copy)


# ---------------------------------------------------------------- packs loaded together

def test_the_default_set_is_the_source_pack_and_the_scales_pack(pack):
    assert [p.name for p in load_pack_set().parts] == ["cryoelig-default", "published-scales"]
    assert load_pack() is load_pack_set() and load_pack_set().sha256 == pack.sha256
    assert [p.name for p in pack.parts] == ["cryoelig-default", "published-scales"]
    assert pack.site_ids == pack.parts[0].site_ids and pack.name == "cryoelig-default"
    assert len(pack.rules) == sum(len(p.rules) for p in pack.parts)
    assert pack.sha256 not in {p.sha256 for p in pack.parts}


def test_one_folder_is_that_pack_alone(source_pack):
    alone = load_pack_set([ROOT / "rules"])  # the pack itself, not a set of one (no members)
    assert alone.parts == (alone,) and alone.sha256 == source_pack.sha256 and not alone.scales
    assert [p.name for p in load_pack_set([PACK, ROOT / "rules"]).parts] == ["cryoelig-default",
                                                                               "published-scales"]


def test_an_add_on_alone_names_the_pack_it_needs():
    with pytest.raises(PackError) as info:
        load_pack_set([PACK])
    assert "adds to the pack cryoelig-default, which is not loaded with it" in str(info.value)


def test_an_add_on_naming_a_site_its_base_lacks_is_refused(tmp_path):
    copy = copy_pack(tmp_path)
    for name in ("scales.yaml", "general.yaml"):
        path = copy / name
        path.write_text(path.read_text().replace("site in [liver, kidney, lung, bone]",
                                                 "site in [liver, kidney, lung, bone, pancreas]"))
    load_pack(copy)  # alone it loads: an add-on's sites are checked against the pack it adds to
    with pytest.raises(PackError) as info:
        load_pack_set([ROOT / "rules", copy])
    text = str(info.value)
    assert "rule 'scales.inr-1-5-or-less': site 'pancreas' is not a site of pack cryoelig-default" in text
    assert "scale 'sir_inr' applies_when: site 'pancreas'" in text


def test_ids_are_unique_across_the_set(tmp_path):
    copy = copy_pack(tmp_path, {"general.yaml": ("- id: scales.kps-given", "- id: general.site-documented")})
    with pytest.raises(PackError, match="rule 'general.site-documented' is in pack cryoelig-default and in pack"):
        load_pack_set([ROOT / "rules", copy])


def test_a_bad_pack_folder_is_one_line():
    with pytest.raises(PackError, match="not a rule pack folder"):
        load_pack_set([ROOT / "rules", ROOT / "examples"])


# ---------------------------------------------------------------- scenarios and whole cases

def test_the_scenarios_of_both_packs_hold(pack):
    results = run_scenarios(pack)
    assert [r.failures for r in results if r.failures] == []
    assert len([r for r in results if "published-scales" in r.file]) >= 15


def test_a_wrong_scenario_is_reported(tmp_path):
    copy = copy_pack(tmp_path, {"scenarios/bone-long-mirels-10.yaml": ("totals: {mirels: 10}",
                                                                       "totals: {mirels: 11}")})
    results = run_scenarios(load_pack_set([ROOT / "rules", copy]))
    assert [r.failures for r in results if r.failures] == [["mirels: total 10, expected 11"]]


def test_a_whole_case_gives_facts_for_both_packs(pack):
    data = {"case_id": "c1", "site": "kidney", "tumor": {"size_mm": 40}, "ecog": 1,
            "renal": {"exophytic": "under_half", "nearness_mm": 5, "polar_location": "crosses_polar_line"},
            "labs": {"platelets_per_ul": 120000}}
    facts = parse_case(data, pack).facts()
    assert facts["tumor.size_cm"] == 4.0 and facts["ecog"] == 1 and facts["labs.platelets"] == 120
    assert "overall_health" not in facts  # ECOG is read as given by both packs, never rewritten (issue 9)
    assert case_facts(pack, facts)["scales.renal_total"] == 1 + 2 + 2 + 2


def test_a_scale_conflict_in_a_whole_case_is_an_input_error(pack):
    data = {"case_id": "c1", "site": "bone", "mirels": {"site": "upper_limb", "pain": "mild", "lesion": "blastic",
                                                        "size": "under_one_third", "total": 12}}
    with pytest.raises(InputError) as info:
        parse_case(data, pack, file="case.yaml")
    assert info.value.problems[0].field == "mirels.total"


def test_the_t1a_limit_is_shown_beside_the_source_and_not_reconciled(pack):
    """At exactly 4 cm the source article's 'less than 4 cm' is not met (kidney.size_4cm_or_more) while the
    AJCC 8th edition T1a size limit (4 cm or less) is: both are shown, neither changes the other."""
    report = review(parse_case({"case_id": "c1", "site": "kidney", "tumor": {"size_cm": 4.0}}, pack), pack).report
    assert {f.factor for f in report.findings} >= {"kidney.size_4cm_or_more"}
    assert "kidney.size_under_4cm" not in {f.factor for f in report.findings}
    lines = {line.scale: line for line in report.published_scales.lines}
    assert [p.factor for p in lines["ajcc_kidney_t1a"].points] == ["scales.ajcc_kidney.size_within_t1a_limit"]
    assert lines["ajcc_kidney_t1a"].beside == ["kidney.size-4cm-or-more: Kidney tumor of 4 cm or more"]
    assert "not reconciled" in lines["ajcc_kidney_t1a"].note
    [renal] = [x for x in report.published_scales.not_given if x.scale == "renal"]  # the size alone starts nothing
    assert renal.fields == ["renal.exophytic", "renal.nearness_mm", "renal.polar_location"]


def test_the_source_pack_is_unchanged_by_the_scale_fields(pack, source_pack):
    """The same case with and without scale fields gives the same source-article points, with the set or
    with the source pack alone; the scale points are only in the published-scales section. A scale field
    that answers a question of the source (issue 22: KPS 60 reads as ECOG 2) only answers it: overall health
    is not listed as missing, and no point is added."""
    base = {"case_id": "c1", "site": "bone", "tumor": {"metastatic": True}, "symptoms": {"pain_score": 6}}
    with_scales = {**base, "tumor": {"metastatic": True, "bone_region": "long_bone"}, "kps": 60,
                   "mirels": {"total": 9}, "symptoms": {"pain_score": 6, "worst_pain_last_day": 6}}
    reports = [review(parse_case(d, pack), p).report for d in (base, with_scales) for p in (pack, source_pack)]
    assert len({tuple((f.rule, f.kind, f.text) for f in r.findings) for r in reports}) == 1
    assert reports[0].missing == reports[1].missing == reports[3].missing
    assert [m.field for m in reports[0].missing if m.field not in {m.field for m in reports[2].missing}] == [
        "overall_health"]
    assert reports[1].published_scales is None and reports[3].published_scales is None
    assert [p.factor for line in reports[2].published_scales.lines for p in line.points] == [
        "scales.kps.given", "scales.mirels.total_9_to_12", "scales.pain.worst_24h_4_or_more"]


# ---------------------------------------------------------------- the packs given are the packs used

MIRELS_4 = {"case_id": "m1", "site": "bone", "mirels": {"site": "upper_limb", "pain": "mild", "lesion": "blastic",
                                                       "size": "under_one_third", "total": 4}}


@pytest.fixture()
def swapped_points(tmp_path: Path) -> Path:
    """The published-scales pack copied with two Mirels site points swapped (upper limb 3, peritrochanteric 1):
    MIRELS_4's components add up to 4 by the shipped points and to 6 by the copy's. Minimum, maximum and
    bands stay as they are, so the copy loads."""
    target = copy_pack(tmp_path)
    path = target / "scales.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("{value: upper_limb, points: 1,", "{value: upper_limb, points: 3,"),
                     ("{value: peritrochanteric, points: 3,", "{value: peritrochanteric, points: 1,")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return target


def test_a_total_is_checked_against_the_points_of_the_packs_loaded(swapped_points):
    """Issue 23: the contract was given a pack's sites but never its scales, so a total was checked against
    the shipped points whatever --pack said. The same case: accepted by the shipped set, refused by the copy."""
    swapped = load_pack_set([ROOT / "rules", swapped_points])
    assert parse_case(MIRELS_4, load_pack_set()).mirels.total == 4
    with pytest.raises(InputError) as info:
        parse_case(MIRELS_4, swapped)
    [problem] = info.value.problems
    assert problem.field == "mirels.total"
    assert "(mirels.site 3, mirels.pain 1, mirels.lesion 1, mirels.size 1: 6)" in problem.message


@pytest.mark.parametrize("command", ["check", "explain", "batch"])
def test_the_commands_check_a_total_against_the_pack_option(swapped_points, tmp_path, command):
    """Through the command line, a case file (check, explain) or a batch row: components that add up to 4 by
    the shipped points and to 6 by the --pack copy's. A total of 6 is accepted with the copy and refused
    without it (before issue 23 the shipped points refused it whatever --pack said); a total of 4 the reverse."""
    packs = ["--pack", str(ROOT / "rules"), "--pack", str(swapped_points)]
    runner = CliRunner()

    def run(total: int, pack_options: list[str]) -> tuple[int, str]:
        data = {**MIRELS_4, "mirels": {**MIRELS_4["mirels"], "total": total}}
        case = tmp_path / ("case.jsonl" if command == "batch" else "case.yaml")
        case.write_text(json.dumps(data) + "\n" if command == "batch" else yaml.safe_dump(data))
        out = ["--out", str(tmp_path / "r.jsonl"), "--quiet", "--force"] if command == "batch" else []
        result = runner.invoke(app, [command, str(case), *out, *pack_options])
        errors = tmp_path / "r.errors.jsonl"
        return result.exit_code, errors.read_text() if command == "batch" and errors.exists() else result.stderr

    refused = 1 if command == "batch" else 2
    for total, accepted_by, refused_by in ((6, packs, []), (4, [], packs)):
        code, _ = run(total, accepted_by)
        assert code == 0, (total, accepted_by)
        code, shown = run(total, refused_by)
        assert code == refused, (total, refused_by)
        assert f"mirels.total ({total}) differs from the sum of the components given" in shown
