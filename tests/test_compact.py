"""The compact report (schema version 2) expands into today's report, byte for byte.

For every golden case (the examples and the scenarios) and for generated cases, a review's compact report,
written as its JSON line and read back, expands (``expand``) into exactly the report the review made: its
JSON as ``check --format json`` and a batch's result line write it, and every rendering of it (terminal,
Markdown, HTML, CDS cards). A planted mistake (a clause index, a result, the pack's sha256, a rule of another
part) is refused with one readable error, never shown as a basis.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

import regenerate as golden  # noqa: E402

from cryoelig import render  # noqa: E402
from cryoelig.batch.serialize import ReportLines  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402
from cryoelig.facade import parse_case, review  # noqa: E402
from cryoelig.render.cds_cards import cards_for  # noqa: E402
from cryoelig.report.compact import CompactReport, compact_of, expand  # noqa: E402


def _round_trip(case, reviewed, pack) -> tuple[str, object]:
    """The compact line of a review, and its expansion read back from that line."""
    line = compact_of(case, reviewed.trace).model_dump_json()
    return line, expand(CompactReport.model_validate_json(line), pack)


def _no_uuid(cards: list[dict]) -> str:
    return json.dumps([{k: v for k, v in card.items() if k != "uuid"} for card in cards], sort_keys=True)


def _views(report, pack) -> list[str | bytes]:
    out: list[str | bytes] = [render.get("report", "json").render(report)]
    for name in ("rich", "markdown"):
        out.append(render.get("report", name).render(report, sources=True, why_not=True, full=True))
    out.append(render.get("report", "rich").render(report))
    out += [render.printable(report, pack, "html", why_not=True), render.printable(report, pack, "markdown")]
    out.append(_no_uuid(cards_for(report, pack)))
    return out


@pytest.mark.parametrize("name,data", golden.all_cases(), ids=[name for name, _ in golden.all_cases()])
def test_every_golden_case_expands_to_its_report_and_views(name, data, pack) -> None:
    case = parse_case(data, pack)
    reviewed = review(case, pack)
    line, back = _round_trip(case, reviewed, pack)
    assert back.model_dump_json() == reviewed.report.model_dump_json()
    assert ReportLines().line(SimpleNamespace(report=back)) == ReportLines().line(reviewed)  # the batch's line
    assert _views(back, pack) == _views(reviewed.report, pack)
    assert len(line) < len(reviewed.report.model_dump_json()) / 2


def test_the_source_pack_alone_expands_too(source_pack) -> None:
    for _, data in golden.all_cases()[:12]:
        case = parse_case(data, source_pack)
        reviewed = review(case, source_pack)
        line, back = _round_trip(case, reviewed, source_pack)
        assert json.loads(line)["scales"] is None
        assert back.model_dump_json() == reviewed.report.model_dump_json()


def test_generated_cases_expand_byte_for_byte(pack) -> None:
    """Cases of the golden generator (every site, the published scales' fields, sizes in mm): each expands
    into its review's report."""
    differ = []
    for data in golden.generated_case_data(1500, seed=golden.SEED + 24):
        case = parse_case(data, pack)
        reviewed = review(case, pack, use_engine=False)
        _, back = _round_trip(case, reviewed, pack)
        if back.model_dump_json() != reviewed.report.model_dump_json():
            differ.append(case.case_id)
    assert not differ, differ[:10]


def _compact(pack, example: str = "bone-femur-mirels.yaml") -> dict:
    case = parse_case(golden.all_cases()[[n for n, _ in golden.all_cases()].index(f"example-{Path(example).stem}")][1],
                      pack)
    return json.loads(compact_of(case, review(case, pack).trace).model_dump_json())


def _refused(data: dict, pack) -> str:
    with pytest.raises(InputError) as caught:
        expand(CompactReport.model_validate_json(json.dumps(data)), pack)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("field '")
    return message


def test_a_planted_clause_index_is_refused(pack) -> None:
    data = _compact(pack)
    rule, clauses = data["findings"][3]  # bone.pain, met on several clauses
    assert len(clauses) > 1
    data["findings"][3] = [rule, [[clauses[0][0] + 2, True], *clauses[1:]]]  # a clause the case does not meet
    assert "stored result is not what its case value gives" in _refused(data, pack)
    data["findings"][3] = [rule, [[99, True]]]
    assert f"rule {rule} has no such clause" in _refused(data, pack)


def test_a_planted_result_or_rule_is_refused(pack) -> None:
    data = _compact(pack)
    data["not_applicable"][0][1][0][1] = True  # a false clause said met
    assert "stored result" in _refused(data, pack)
    data = _compact(pack)
    data["findings"].append(data["not_applicable"].pop(0))  # a rule not met listed as met
    _refused(data, pack)
    data = _compact(pack)
    data["findings"].append(data["scales"]["lines"][0]["points"][0])  # a scale's rule among the source's
    _refused(data, pack)
    data = _compact(pack)
    data["scales"]["lines"][1]["total"] = 11
    assert "scale mirels" in _refused(data, pack)


def test_another_packs_sha256_is_refused_without_echoing_it(pack) -> None:
    data = _compact(pack)
    data["pack"] = "Jane Doe " + "0" * 55
    message = _refused(data, pack)
    assert "Jane" not in message and pack.sha256 in message and "another pack set" in message


def test_a_fact_that_is_no_case_field_is_refused(pack) -> None:
    data = _compact(pack)
    data["facts"]["patient.name"] = "x"
    assert "not a case field" in _refused(data, pack)
