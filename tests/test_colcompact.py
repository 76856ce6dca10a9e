"""Compact JSONL built column-wise (cryoelig.batch.colcompact) against the per-row compact lines: the same
files byte for byte, error records included, on generated rows; a planted disagreement stops the run (issue 24)."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
from csvmix import write_mixed_csv  # noqa: E402
from test_batch_formats import write_parquet_dotted  # noqa: E402
from test_columns import _FLOAT_FIELDS, THRESHOLDS  # noqa: E402

from cryoelig.batch import BatchOptions, run_batch  # noqa: E402
from cryoelig.batch import run as batch_run  # noqa: E402
from cryoelig.case.contract import case_fields  # noqa: E402
from cryoelig.case.measures import MEASURES  # noqa: E402
from cryoelig.errors import InputError  # noqa: E402
from cryoelig.rulepack.load import load_pack  # noqa: E402


def per_row(monkeypatch: pytest.MonkeyPatch, src: Path, out: Path) -> Any:
    with monkeypatch.context() as m:
        m.setattr(batch_run, "compact_by_columns", lambda *a: False)
        return run_batch(BatchOptions(input=str(src), out=out, jobs=1, report="compact", cross_check="sample:100"))


def columns(src: Path, out: Path, cross: str = "sample:100") -> Any:
    """The run, and that its lines were built column-wise (every result row through ``CompactLines.lines``)."""
    from cryoelig.batch.colcompact import CompactLines

    built = [0]
    real = CompactLines.lines

    def counted(self: Any, facts: Any, results: Any, nodes: Any) -> Any:
        built[0] += facts.num_rows
        return real(self, facts, results, nodes)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(CompactLines, "lines", counted)
        result = run_batch(BatchOptions(input=str(src), out=out, jobs=1, report="compact", cross_check=cross))
    assert built[0] == result.summary["counts"]["results"] > 0
    return result


def test_twenty_thousand_rows_as_the_per_row_path_writes_them(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src, parquet = tmp_path / "mix.csv", tmp_path / "mix.parquet"
    write_mixed_csv(src, 20_000, seed=24)
    write_parquet_dotted(src, parquet, row_group=4096)
    want = per_row(monkeypatch, parquet, tmp_path / "rows.jsonl")
    got = columns(parquet, tmp_path / "cols.jsonl")
    assert got.summary == want.summary and 0 < want.summary["counts"]["errors"] < 20_000
    assert (tmp_path / "cols.jsonl").read_bytes() == (tmp_path / "rows.jsonl").read_bytes()
    assert (tmp_path / "cols.errors.jsonl").read_bytes() == (tmp_path / "rows.errors.jsonl").read_bytes()
    assert (tmp_path / "cols.jsonl.words.json").read_bytes() == (tmp_path / "rows.jsonl.words.json").read_bytes()


def scale_rows(path: Path, n: int, seed: int) -> None:
    """Rows giving every field of the contract (the published scales' too), numbers at the pack's thresholds,
    lists in any order: a CSV whose refused rows go per row too."""
    rng = random.Random(seed)
    fields = {n: s for n, s in case_fields().items() if not n.endswith(("size_mm", "platelets_per_ul"))}
    pack = load_pack()
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n", delimiter=";")
        out.writerow(["case_id", *fields])
        for i in range(n):
            row = [f"c-{i}"]
            for name, spec in fields.items():
                given = 0.15 if name.endswith(".total") else 0.6  # a total beside its components may conflict
                row.append(_cell(rng, name, spec, pack) if name == "site" or rng.random() < given else "")
            out.writerow(row)


def _cell(rng: random.Random, name: str, spec: dict[str, Any], pack: Any) -> str:
    if name == "site":
        return rng.choice(pack.site_ids)
    if spec["type"] == "list":
        return ",".join(rng.sample(spec["values"], rng.randint(0, len(spec["values"])))) or "none"
    if spec["type"] in ("enum", "bool"):
        return str(rng.choice(spec["values"])).lower()
    if name in _FLOAT_FIELDS and name in THRESHOLDS:
        return str(rng.choice(THRESHOLDS[name]))
    m = MEASURES[name]
    if name == "kps":
        return str(rng.randrange(10, 101, 10))
    return str(rng.randint(int(m.low), int(m.high))) if m.whole else f"{rng.uniform(m.low, m.high):.2f}"


def test_every_scale_and_list_order_as_the_per_row_path_writes_them(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "scales.csv"
    scale_rows(src, 3000, seed=24)
    want = per_row(monkeypatch, src, tmp_path / "rows.jsonl")
    columns(src, tmp_path / "cols.jsonl", cross="all")
    assert want.summary["counts"]["results"] > 1000
    assert (tmp_path / "cols.jsonl").read_bytes() == (tmp_path / "rows.jsonl").read_bytes()
    assert (tmp_path / "cols.errors.jsonl").read_bytes() == (tmp_path / "rows.errors.jsonl").read_bytes()
    assert b'"lines":[{' in (tmp_path / "cols.jsonl").read_bytes()


def test_a_planted_disagreement_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule's deciding clauses as the columns replay them, one clause short: the first sampled row with that
    rule not met stops the run (exit code 2, nothing written), naming the row and the rule."""
    from cryoelig.reasoning.coldeciders import Decided, RuleKeys

    src = tmp_path / "mix.csv"
    write_mixed_csv(src, 500, seed=24)
    rule = "general.overall-health-poor"
    real = RuleKeys.decided

    def planted(self: Any, rule_id: str, key: int) -> Decided:
        d = real(self, rule_id, key)
        return Decided(d.result, d.deciders[:-1], d.waits_on) if rule_id == rule and d.result is False else d

    monkeypatch.setattr(RuleKeys, "decided", planted)
    with pytest.raises(InputError) as stop:
        columns(src, tmp_path / "bad.jsonl")
    assert f"not_applicable rule.{rule}" in str(stop.value) and "cross-check failed at row " in str(stop.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.csv"]
