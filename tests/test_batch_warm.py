"""Issue 24, deliverable 5: with --jobs N the workers start from a warmed process: the parent reviews the
first chunk itself (pack loaded and validated, engine compiled, memos filled), then forks the workers."""

from __future__ import annotations

from pathlib import Path

from csvmix import write_mixed_csv

from cryoelig.batch import BatchOptions, run_batch
from cryoelig.batch import run as batch_run


def test_workers_start_after_the_first_chunk_and_change_nothing(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "cases.csv"
    write_mixed_csv(src, 900, seed=24)
    one = run_batch(BatchOptions(input=str(src), out=tmp_path / "one.jsonl", jobs=1, chunk_rows=100))
    started: list[int] = []
    pool = batch_run._Run._pool

    def watched(self):  # noqa: ANN001, ANN202
        from cryoelig.reasoning.engine import _engines

        started.append(self.agg.rows)
        assert self.pack in _engines  # the engine was compiled here, before the workers fork
        return pool(self)

    monkeypatch.setattr(batch_run._Run, "_pool", watched)
    two = run_batch(BatchOptions(input=str(src), out=tmp_path / "two.jsonl", jobs=2, chunk_rows=100))
    assert started == [100]  # once, after the parent reviewed the first chunk
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert (tmp_path / "two.errors.jsonl").read_bytes() == (tmp_path / "one.errors.jsonl").read_bytes()
    assert two.summary == one.summary
