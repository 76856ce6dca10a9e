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
from cryoelig.report.compact import CompactReport, compact_line, compact_of  # noqa: E402
from cryoelig.report.replay import expand  # noqa: E402


def _round_trip(case, reviewed, pack) -> tuple[str, object]:
    """The compact line of a review (as a batch writes it: built from pieces, the model's own JSON), and its
    expansion read back from that line."""
    line = compact_line(case, reviewed.trace)
    compact = CompactReport.model_validate_json(line)
    assert compact.model_dump_json().encode() == line and compact == compact_of(case, reviewed.trace)
    return line.decode(), expand(compact, pack)


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


# ---------------------------------------------------------------- the batch's compact JSONL and expand

ROOT = Path(__file__).resolve().parents[1]


def _run(src: Path, out: Path, report: str, jobs: int = 1):
    from cryoelig.batch import BatchOptions, run_batch

    return run_batch(BatchOptions(input=str(src), out=out, summary=out.with_name(out.name + ".summary.json"),
                                  jobs=jobs, report=report, cross_check="sample:100"))


def _full_lines_of(compact: Path, pack) -> bytes:
    from cryoelig.batch.expand import expand_file

    return b"".join(r.model_dump_json().encode() + b"\n" for r in expand_file(str(compact), pack))


def _same_runs(src: Path, tmp: Path, pack) -> tuple[bytes, bytes]:
    compact, full = _run(src, tmp / "c.jsonl", "compact"), _run(src, tmp / "f.jsonl", "full")
    assert compact.summary == full.summary  # the summary of a compact run is the full run's
    assert (tmp / "c.jsonl.summary.json").read_bytes() == (tmp / "f.jsonl.summary.json").read_bytes()
    assert (tmp / "c.errors.jsonl").read_bytes() == (tmp / "f.errors.jsonl").read_bytes()
    assert not (tmp / "f.jsonl.words.json").exists()
    return (tmp / "c.jsonl").read_bytes(), (tmp / "f.jsonl").read_bytes()


@pytest.mark.parametrize("source", ["cases.csv", "cases.jsonl"])
def test_a_compact_batch_expands_to_the_full_batch(tmp_path, pack, source) -> None:
    from cryoelig.report.words import Words

    compact, full = _same_runs(ROOT / "examples" / source, tmp_path, pack)
    assert compact.count(b"\n") == full.count(b"\n") > 0 and len(compact) * 4 < len(full)
    assert _full_lines_of(tmp_path / "c.jsonl", pack) == full
    words = Words.model_validate_json((tmp_path / "c.jsonl.words.json").read_bytes())
    assert words.pack.sha256 == pack.sha256 and list(words.rules) == [r.id for r in pack.rules]
    for line in compact.splitlines():  # every clause index of every line names a clause the words file holds
        data = json.loads(line)
        for rule_id, clauses in data["findings"] + data["not_applicable"] + data["derived"]:
            assert all(0 <= i < len(words.rules[rule_id].clauses) for i, _ in clauses)


@pytest.mark.slow
def test_twenty_thousand_generated_batch_rows_expand_byte_for_byte(tmp_path, pack) -> None:
    """The batch tests' generated rows (tests/csvmix.py: every site, invalid values, identifying-looking
    notes), seed fixed: the compact run's lines expand into the full run's, line for line."""
    from csvmix import write_mixed_csv

    src = tmp_path / "rows.csv"
    write_mixed_csv(src, 20_000, seed=24)
    compact, full = _same_runs(src, tmp_path, pack)
    assert compact.count(b"\n") > 19_000
    assert _full_lines_of(tmp_path / "c.jsonl", pack) == full


def test_two_workers_write_the_same_compact_lines(tmp_path) -> None:
    from csvmix import write_mixed_csv

    src = tmp_path / "rows.csv"
    write_mixed_csv(src, 1_500, seed=5)
    one, two = _run(src, tmp_path / "one.jsonl", "compact"), _run(src, tmp_path / "two.jsonl", "compact", jobs=2)
    assert one.summary == two.summary
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl.words.json").read_bytes() == (tmp_path / "two.jsonl.words.json").read_bytes()


def test_which_report_a_batch_writes() -> None:
    from cryoelig.batch.options import resolve_report

    assert resolve_report("auto", Path("r.jsonl")) == "compact"
    assert resolve_report("auto", Path("r.jsonl"), on_cluster=True) == "full"
    assert resolve_report("full", Path("r.jsonl")) == "full"
    assert resolve_report("compact", Path("parts"), on_cluster=True) == "compact"
    for wrong in ("r.csv", "r.parquet", "r.xlsx"):
        with pytest.raises(InputError, match="--report compact writes JSON Lines"):
            resolve_report("compact", Path(wrong))


def _cli(*args: str, cwd: Path) -> object:
    import subprocess

    return subprocess.run([sys.executable, "-m", "cryoelig", *args], capture_output=True, text=True, cwd=cwd)


def test_cryoelig_expand_gives_the_full_lines_and_each_report(tmp_path, pack, source_pack) -> None:
    from cryoelig.report.projection import Report

    assert _cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", "r.jsonl", "-q", cwd=tmp_path).returncode == 0
    assert _cli("batch", str(ROOT / "examples" / "cases.csv"), "--out", "f.jsonl", "-q", "--report", "full",
                cwd=tmp_path).returncode == 0
    assert _cli("expand", "r.jsonl", "--out", "e.jsonl", cwd=tmp_path).returncode == 0
    assert (tmp_path / "e.jsonl").read_bytes() == (tmp_path / "f.jsonl").read_bytes()
    third = Report.model_validate_json((tmp_path / "f.jsonl").read_bytes().splitlines()[2])
    for name in ("x.html", "x.md", "x.json"):
        assert _cli("expand", "r.jsonl", "--row", "3", "--out", name, cwd=tmp_path).returncode == 0
        made = (tmp_path / name).read_text(encoding="utf-8")
        want = (render.get("report", "json").render(third) if name.endswith(".json")
                else render.printable(third, pack, "html" if name.endswith(".html") else "markdown"))
        assert made == want, name
    shown = _cli("expand", "r.jsonl", "--row", "3", cwd=tmp_path).stdout
    assert shown and third.case_id in shown and "Traceback" not in shown
    other = _cli("expand", "r.jsonl", "--pack", str(ROOT / "rules"), cwd=tmp_path)
    assert other.returncode == 2 and "r.jsonl:1, field 'pack'" in other.stderr and "Traceback" not in other.stderr
    beyond = _cli("expand", "r.jsonl", "--row", "999", cwd=tmp_path)
    assert beyond.returncode == 2 and "has no result line 999" in beyond.stderr
    summarized = _cli("summarize", "r.jsonl", "--errors", "r.errors.jsonl", "--json", cwd=tmp_path)
    assert summarized.returncode == 0 and json.loads(summarized.stdout)["counts"]["results"] > 0


def test_identifying_data_in_a_compact_line_is_refused_and_never_shown(pack) -> None:
    """A compact line is read back through the case contract: an identifying case id or value is refused
    with the field named, the value never shown."""
    data = _compact(pack)
    data["case_id"] = "Jane_Doe_1950-03-14"
    message = _refused(data, pack)
    assert "Jane" not in message and "1950" not in message
    data = _compact(pack)
    data["facts"]["tumor.primary_cancer"] = "Jane Doe, born 1950-03-14"
    message = _refused(data, pack)
    assert "Jane" not in message and "1950" not in message and "tumor" in message


def test_an_engine_disagreement_is_one_error_row_in_a_compact_run_as_in_a_full_one(tmp_path, pack, monkeypatch):
    """A case the engine and the evaluator disagree on (planted on row 1, which the default cross-check
    decides with the engine) becomes an error record of its own in either run; the rest goes on."""
    from cryoelig.errors import EngineMismatchError
    from cryoelig.reasoning.evaluation import Trace

    real = Trace.check_engine

    def planted(self, fired, case_id):
        if case_id == "batch-01":
            raise EngineMismatchError("planted")
        return real(self, fired, case_id)

    monkeypatch.setattr(Trace, "check_engine", planted)
    # JSONL: decided row by row (from a CSV the compact lines are built column-wise, where a disagreement stops the
    # run: tests/test_colcompact.py)
    compact, full = _same_runs(ROOT / "examples" / "cases.jsonl", tmp_path, pack)
    [error] = [json.loads(line) for line in (tmp_path / "c.errors.jsonl").read_text().splitlines()]
    assert error["row"] == 1 and error["reason"] == "internal" and error["case_id"] == "batch-01"
    assert compact.count(b"\n") == full.count(b"\n") == 13 and b'"batch-01"' not in compact
    assert _full_lines_of(tmp_path / "c.jsonl", pack) == full
