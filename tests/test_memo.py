"""The one memo idiom (cryoelig.reasoning.memo): typed keys, bounded tables, per-pack state that goes with
the pack, and the pack invariants the memo keys rest on, checked when a pack loads."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import pytest
from packs import ADDON_DERIVING_RULES, ADDON_PACK_YAML, BONE_RULES, KIDNEY_RULE, make_pack

from cryoelig.case.contract import parse_case
from cryoelig.errors import PackError
from cryoelig.facade import review, review_many
from cryoelig.reasoning import engine as engine_module
from cryoelig.reasoning import memo
from cryoelig.reasoning.casefacts import CaseFacts
from cryoelig.reasoning.evaluation import evaluate
from cryoelig.render.data import report_json
from cryoelig.report.projection import report_of
from cryoelig.rulepack.conditions import parse
from cryoelig.rulepack.load import _load, load_pack, load_pack_set
from cryoelig.rulepack.packset import combine, default_pack_dirs


@pytest.mark.parametrize("first", [4, 4.0, True, 1])
def test_key_parts_keep_4_and_4point0_and_true_apart_whichever_comes_first(first):
    """Whether checked once per case (the facts a review makes) or not at all (any mapping), a value is
    its own key part only when of its field's own type, the first type seen."""
    name = f"test.typed_{type(first).__name__}_{first}"
    values = memo.CaseValues((name, "site"))
    assert values.of({}) == [memo.UNKNOWN, memo.UNKNOWN]
    memo.checked(memo.CheckedFacts({name: first}))
    for made in (dict, lambda d: memo.checked(memo.CheckedFacts(d))):
        parts = [tuple(values.of(made({name: v}))) for v in (first, 4, 4.0, True, 1)]
        assert len(set(parts[1:])) == 4 and parts[0] in parts[1:] and parts[0] == (first, memo.UNKNOWN)
    pending = values.of({name: 4}, frozenset({name}))
    assert pending not in (values.of({name: 4}), values.of({}), values.of({name: 4.0}, frozenset({name})))


def test_a_table_is_emptied_when_full():
    table = memo.Table(limit=3)
    for i in range(3):
        table.keep(i, str(i))
    assert len(table) == 3
    table.keep(3, "3")
    assert dict(table) == {3: "3"}


def test_an_identity_table_holds_its_objects_so_no_id_is_reused():
    table = memo.IdTable(limit=2)
    piece = ["a piece"]
    table.keep_for(piece, b"json")
    del piece
    gc.collect()
    assert len(table) == 1 and table.get(id(table._held[0])) == b"json"


def test_a_piece_built_for_4_is_not_handed_to_a_case_giving_4point0(pack):
    """A report piece is kept on its rule's trace, and a trace on typed values: the case value the basis
    shows is the case's own, as given. Untyped, the second report showed the first case's 4."""
    case = parse_case({"case_id": "k", "site": "kidney", "tumor": {"size_cm": 4}}, pack)
    memo.forget(pack)
    as_int = report_json(report_of(case, evaluate(pack, {"site": "kidney", "tumor.size_cm": 4})))
    as_float = report_json(report_of(case, evaluate(pack, {"site": "kidney", "tumor.size_cm": 4.0})))
    assert '"value": 4,' in as_int and '"value": 4.0,' in as_float and '"value": 4,' not in as_float


def test_the_totals_are_made_once_and_both_evaluators_read_the_same_facts(pack, monkeypatch):
    seen = []
    fire_many = engine_module.Engine.fire_many

    def recording(self, cases):
        seen.extend(cases)
        return fire_many(self, cases)

    def refused(self, facts):
        raise AssertionError("the engine added the totals itself")

    monkeypatch.setattr(engine_module.Engine, "fire_many", recording)
    monkeypatch.setattr(engine_module.Engine, "_with_totals", refused)
    data = {"case_id": "b", "site": "bone", "tumor": {"metastatic": True, "bone_region": "long_bone"},
            "mirels": {"site": "upper_limb", "pain": "mild", "lesion": "blastic", "size": "under_one_third"}}
    reviewed = list(review_many([parse_case(data, pack), parse_case({**data, "case_id": "c"}, pack)], pack))
    assert [type(f) for f in seen] == [CaseFacts, CaseFacts]
    assert [id(r.trace.facts) for r in reviewed] == [id(f) for f in seen]  # the very facts the engine read
    assert "scales.mirels_total" in seen[0]


def _fresh_set():
    return combine([_load(d) for d in default_pack_dirs()])


def test_a_packs_memos_and_engine_go_with_the_pack():
    """Nothing a memo keeps holds its pack: a reviewed pack, once dropped, is collected with its state."""
    fresh = _fresh_set()
    reviewed = review(parse_case({"case_id": "k", "site": "kidney", "tumor": {"size_cm": 3}}, fresh), fresh)
    assert reviewed.report.findings
    key = id(fresh)
    holders = [p for p in memo.PerPack._all if fresh in p]
    assert len(holders) >= 5  # rules, scales, report, published-scales section, engine
    gone = weakref.ref(fresh)
    del fresh, reviewed
    gc.collect()
    assert gone() is None
    assert all(key not in p._states for p in holders)


def test_forget_drops_every_memo_of_a_pack():
    fresh = _fresh_set()
    evaluate(fresh, {"site": "kidney"})
    assert fresh in memo.rule_memos
    memo.forget(fresh)
    assert not [p for p in memo.PerPack._all if fresh in p]


# ---------------------------------------------------------------- what the keys assume, checked at load


def test_a_fact_derived_after_a_rule_reads_it_is_refused(tmp_path):
    """Loaded together, the add-on's rule deriving bone_metastatic would come after the base's rule reading
    it: that rule's kept trace would stand for a state its key does not cover."""
    base = make_pack(tmp_path / "base")
    addon = make_pack(tmp_path / "addon", {"addon.yaml": ADDON_DERIVING_RULES}, ADDON_PACK_YAML)
    load_pack(addon)  # each pack alone is valid
    with pytest.raises(PackError, match="rule 'addon.metastatic': derives 'bone_metastatic' after rule "
                                        "'bone.pain' reads it"):
        load_pack_set([base, addon])


def test_a_text_showing_what_its_key_does_not_cover_is_refused(tmp_path):
    """A piece is kept on the values of the case fields the rule's conditions read: a placeholder naming a
    derived fact (not a case field of the key) is refused."""
    rules = BONE_RULES.replace("text: Pain. Point to discuss.", "text: Pain {bone_metastatic}. Point to discuss.")
    folder = make_pack(tmp_path, {"kidney.yaml": KIDNEY_RULE, "bone.yaml": rules})
    with pytest.raises(PackError, match=r"rule 'bone.pain': its text shows '\{bone_metastatic\}'"):
        load_pack(folder)


def _scale_rule(pack, scale_id):
    return next(r for r in pack.rules if pack.rule_scale.get(r.id) == scale_id)


def test_a_scale_rule_reading_another_scales_total_is_refused(pack):
    """A published-scales section is kept on each scale's own fields, its total standing for its inputs."""
    rule = _scale_rule(pack, "mirels")
    specs = {"scales.mirels_total": {"type": "number", "values": None},
             "scales.sins_total": {"type": "number", "values": None}}
    other = dataclasses.replace(rule, condition=parse({"all": ["scales.mirels_total <= 7", "scales.sins_total <= 6"]},
                                                      fields=specs))
    with pytest.raises(PackError, match=f"rule '{rule.id}': a rule of scale 'mirels' reads 'scales.sins_total'"):
        dataclasses.replace(pack, rules=[other if r is rule else r for r in pack.rules])


def test_a_scale_rule_or_applies_when_reading_a_derived_fact_is_refused(pack):
    rule = _scale_rule(pack, "mirels")
    derived = dataclasses.replace(rule, condition=parse({"all": ["derived bone_metastatic",
                                                                 "tumor.bone_region == long_bone"]}))
    with pytest.raises(PackError, match=f"rule '{rule.id}': a rule of scale 'mirels' reads a derived fact"):
        dataclasses.replace(pack, rules=[derived if r is rule else r for r in pack.rules])
    scales = pack.parts[-1]
    guards = {**scales.guards, "mirels": parse({"all": ["derived bone_metastatic", "site == bone"]})}
    with pytest.raises(PackError, match="scale 'mirels' applies_when reads a derived fact"):
        dataclasses.replace(scales, guards=guards)


def test_a_rule_id_twice_is_refused(source_pack):
    first = source_pack.rules[0]
    with pytest.raises(PackError, match=f"rule '{first.id}': its id is that of another rule"):
        dataclasses.replace(source_pack, rules=[*source_pack.rules, first])
