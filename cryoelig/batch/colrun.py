"""A batch decided by the pack compiled to columns (``--report table``), checked by the references.

Why: the rule engine and the Python evaluator remain the references; the columns decide every row,
and both references decide a deterministic sample (``--cross-check``: the first 1,000 rows and every
N-th row; ``all``: every row). Any disagreement stops the run with one line naming the row and the
rule (exit code 2), and no result file is written: a disagreement is a bug of the tool, never of the
input. Rows the columns refuse take today's per-row path (``colread``), so the error file is today's.

The run is not resumable (it writes its files at the end, atomically); ``--resume`` starts it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..reasoning.columns import Plan, compile_pack
from ..reasoning.evaluation import evaluate
from .aggregate import Aggregate
from .colcompact_out import LinesWriter
from .colcross import check_records, cross_check, stop_run
from .colread import parts
from .outfiles import open_partial, write_all
from .table_out import TableWriter, table_of
from .workers import CrossCheck

FIRST_ROWS = 1000  # the cross-check's sample always holds the first rows


def sampler(cross: CrossCheck) -> Callable[[Any], Any]:
    """Row numbers -> the rows the references decide: every row (``all``), or the first 1,000 and every N-th."""
    if cross.every == 1:
        return lambda rows: pc.greater(rows, 0)

    def sampled(rows: Any) -> Any:
        after = pc.subtract(rows, 1)  # rows 1, 1 + N, 1 + 2N, ... (integer division)
        return pc.or_(pc.less_equal(rows, FIRST_ROWS), pc.equal(pc.multiply(pc.divide(after, cross.every),
                                                                            cross.every), after))
    return sampled


def aggregate_part(agg: Aggregate, plan: Plan, results: pa.Table, errors: list[Any]) -> None:
    """The summary counts of a part, from its columns (the same counts ``--report full`` makes of reports)."""
    for _row, (_line, reason, field) in errors:
        agg.add_error(reason, field)
    n = results.num_rows
    agg.rows += n
    agg.results += n
    if not n:
        return
    for site, count in zip(*_counts(results.column("site")), strict=True):
        agg.sites[site] = agg.sites.get(site, 0) + count
    any_finding = pc.is_null(results.column("row"))
    for rule in plan.missing_rules:
        met = pc.fill_null(results.column(f"rule.{rule.id}"), False)
        count = pc.sum(pc.cast(met, pa.int64())).as_py() or 0
        if count:
            agg.kinds[rule.kind] = agg.kinds.get(rule.kind, 0) + count
            by_kind = agg.factors.setdefault(rule.spec.factor, {})
            by_kind[rule.kind] = by_kind.get(rule.kind, 0) + count
            any_finding = pc.or_(any_finding, met)
            _source_rule(agg, plan, rule)
    if not pc.all(any_finding).as_py():
        _all_sources(agg, plan)
    _site_factors(agg, plan, results)
    _scales(agg, plan, results)
    for name in plan.missing_fields:
        count = pc.sum(pc.cast(results.column(f"missing.{name}"), pa.int64())).as_py() or 0
        if count:
            agg.missing[name] = agg.missing.get(name, 0) + count


def _counts(column: Any) -> tuple[list[Any], list[int]]:
    counts = pc.value_counts(column)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def _source_rule(agg: Aggregate, plan: Plan, rule: Any) -> None:
    from ..report.projection import sources_used

    for info in sources_used(plan.pack.parts[0], [_Quoting(rule.id)]):
        agg.sources.setdefault(info.id, {k: getattr(info, k) for k in ("title", "publisher", "date", "description",
                                                                        "scope")})


def _all_sources(agg: Aggregate, plan: Plan) -> None:
    from ..report.projection import sources_used

    for info in sources_used(plan.pack.parts[0], []):
        agg.sources.setdefault(info.id, {k: getattr(info, k) for k in ("title", "publisher", "date", "description",
                                                                        "scope")})


class _Quoting:
    """A finding as ``sources_used`` reads it: its rule."""

    def __init__(self, rule: str):
        self.rule = rule


def _site_factors(agg: Aggregate, plan: Plan, results: pa.Table) -> None:
    """Cases per site and factor (a case once per factor, whatever the number of its rules met)."""
    factors = list(dict.fromkeys(r.spec.factor for r in plan.missing_rules))
    raised = {f: pc.fill_null(_any_met(results, [r for r in plan.missing_rules if r.spec.factor == f]), False)
              for f in factors}
    table = pa.table({"site": results.column("site"), **{f: pc.cast(v, pa.int64()) for f, v in raised.items()}})
    grouped = table.group_by("site").aggregate([(f, "sum") for f in factors]).to_pylist()
    for row in grouped:
        at_site = agg.site_factors.setdefault(row["site"], {})
        for f in factors:
            if row[f"{f}_sum"]:
                at_site[f] = at_site.get(f, 0) + row[f"{f}_sum"]


def _scales(agg: Aggregate, plan: Plan, results: pa.Table) -> None:
    """Per published scale, over the rows it applies to (yes or unknown): the rows with a total computed from
    the components, given, or none, and the rows in each band (``aggregate.scale_states`` of the reports)."""
    for scale in plan.pack.scales:
        applies = pc.fill_null(results.column(f"applies.{scale.id}"), True)
        total = pc.is_valid(results.column(f"total.{scale.id}"))
        states = {"given": total, "none": pc.invert(total)}
        if scale.kind == "score":
            computed = results.column(f"computed.{scale.id}")
            states.update(computed=pc.and_(total, computed), given=pc.and_(total, pc.invert(computed)))
        for state, rows in states.items():
            count = pc.sum(pc.cast(pc.and_(applies, rows), pa.int64())).as_py() or 0
            if count:
                agg.add_scale(scale.id, state, None, count)
        if scale.bands:
            for band, count in zip(*_counts(results.column(f"band.{scale.id}").filter(applies).drop_null()),
                                   strict=True):
                agg.add_band(scale.id, band, count)


def _any_met(results: pa.Table, rules: list[Any]) -> Any:
    out = pc.fill_null(results.column(f"rule.{rules[0].id}"), False)
    for rule in rules[1:]:
        out = pc.or_(out, pc.fill_null(results.column(f"rule.{rule.id}"), False))
    return out


def run_columns(source: Any, pack: Any, out_kind: str, temp: Path, errors_partial: Path,
                cross: CrossCheck, progress: Callable[[int, int, Any], None] | None = None) -> Aggregate:
    """Decide the whole input column-wise: the table (or, ``out_kind`` ``compact``, the compact lines) into
    ``temp``, the error records into ``errors_partial``; returns the aggregate. ``CrossCheckFailed`` when a
    reference disagrees (the partial files are removed)."""
    compiled = compile_pack(pack)
    plan = compiled.plan
    sink: Any = LinesWriter(plan, temp, source.label, stop_run) if out_kind == "compact" else \
        _TableSink(TableWriter(out_kind, temp, pack), plan.table_columns(), pack)
    fd = open_partial(errors_partial, truncate=True)
    agg = Aggregate()
    try:
        for part in parts(source, plan, sampler(cross)):
            if out_kind == "compact":  # the sampled rows' traces: for both checks, the columns' and the lines'
                results, nodes = compiled.decide(part.facts)
                traces = {r: evaluate(pack, c.facts()) for r, c in part.sample.items() if c is not None}
            else:
                results, nodes, traces = compiled(part.facts), None, None
            cross_check(plan, results, part.sample, source.label, traces)
            check_records(part.recheck, source.label)
            sink.write(part, results, nodes, traces)
            write_all(fd, b"".join(line for _, (line, _r, _f) in part.errors))
            aggregate_part(agg, plan, results, part.errors)
            if progress:
                progress(agg.rows, 0, None)
        sink.finish(compiled)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        sink.close(errors_partial, agg.to_dict())
    except BaseException:
        if fd >= 0:
            os.close(fd)
        sink.abort()
        errors_partial.unlink(missing_ok=True)
        raise
    return agg


class _TableSink:
    """The analysis table's parts to its writer (an empty table when no row was decided)."""

    def __init__(self, writer: TableWriter, columns: list[str], pack: Any):
        self.writer, self.columns, self.pack = writer, columns, pack

    def write(self, part: Any, results: pa.Table, nodes: Any, traces: Any) -> None:
        self.writer.write(table_of(results, self.columns, self.pack))

    def finish(self, compiled: Any) -> None:
        if self.writer.writer is None:
            self.writer.write(table_of(compiled(parts_empty(compiled.plan)), self.columns, self.pack))

    def close(self, errors_partial: Path, summary: dict[str, Any]) -> None:
        self.writer.close(errors_partial, summary)

    def abort(self) -> None:
        self.writer.abort()


def parts_empty(plan: Plan) -> pa.Table:
    return plan.schema().empty_table()
