"""The cross-check of a part's columns against the references: the case model, the Python evaluator and
the rule engine decide the sampled rows, and any disagreement stops the run (exit code 2, nothing written).

Why column by column: the sampled rows' results are read as one Python list per column and compared with
the evaluator's values of the same column in one comparison, instead of a dict of ~150 names per row
(the cross-check was a quarter of a table run). The comparison is as strict as a value-by-value one: a
list holds equal values only when each pair is equal, and a flag column must hold only true, false or
None on both sides (``True == 1`` would pass an equality). On a disagreement the first one in row order
(then in column order, the engine's last) is named, as it always was.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem
from ..reasoning.columns import Plan
from ..reasoning.references import references


class CrossCheckFailed(InputError):
    """The columns and a reference disagree on a row: the run stops (exit code 2), nothing is written."""


def cross_check(plan: Plan, results: pa.Table, sample: dict[int, Any], label: str,
                traces: dict[int, Any] | None = None) -> None:
    """The sampled rows: the model's verdict, the Python evaluator's values (from its ``traces`` when made)
    and the engine's fired rules must be the columns'."""
    if not sample:
        return
    rows = sorted(sample)
    taken = results.filter(pc.is_in(results.column("row"), value_set=pa.array(rows, pa.int64())))
    decided = taken.column("row").to_pylist()
    at = set(decided)
    for row in rows:
        if (sample[row] is None) != (row not in at):
            stop_run(label, row, "the case model", "(the row itself)", "refuses" if sample[row] is None else "takes")
    names, said, met, fired = references(plan, [sample[row].facts() for row in decided], engine=True,
                                        traces=[(traces or {}).get(row) for row in decided])
    first: tuple[int, int, str, str, str] | None = None
    for k, (name, want) in enumerate(zip(names, zip(*said, strict=True) if said else (), strict=False)):
        got = taken.column(name).to_pylist()
        if got != list(want) or not _typed(want, pa.types.is_boolean(taken.schema.field(name).type)):
            i = next((i for i, (a, b) in enumerate(zip(got, want, strict=True)) if not _same(a, b)), 0)
            if first is None or (i, k) < first[:2]:
                first = (i, k, "the Python evaluator", name, f"says {want[i]!r} where the columns say {got[i]!r}")
    for i, (engine, python) in enumerate(zip(fired or (), met, strict=True)):
        if engine != python and (first is None or i < first[0]):
            rule = sorted(engine ^ python)[0]
            first = (i, len(names), "the rule engine", f"rule.{rule}",
                     "fires it" if rule in engine else "does not fire it, where the columns do")
            break
    if first is not None:
        stop_run(label, decided[first[0]], *first[2:])


def _typed(values: Any, flags: bool) -> bool:
    """A flag column holds only True, False and None; any other column no True or False."""
    kinds = set(map(type, values))
    return kinds <= {bool, type(None)} if flags else bool not in kinds


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def check_records(recheck: dict[int, tuple[bytes, bytes | None]], label: str) -> None:
    """The sampled rows whose error record was built column-wise: the per-row path's must be the same bytes."""
    for row, (built, per_row) in sorted(recheck.items()):
        if per_row is None:
            stop_run(label, row, "the case model", "(the row itself)", "takes it, where the columns refuse it")
        if built != per_row:
            stop_run(label, row, "the per-row path", "its error record", "writes another record than the columns")


def stop_run(label: str, row: int, who: str, what: str, how: str) -> None:
    raise CrossCheckFailed([Problem(
        f"cross-check failed at row {row}, {what}: {who} {how}; nothing was written (a bug of cryoelig, not of the "
        "input: please report it; --report full decides every row with the engine)", file=label)])
