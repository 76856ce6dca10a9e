"""How the memos of the evaluation and the published-scales section are keyed and bounded.

Why a module: both memoize per pack on tuples of a case's values, each key one C call
(``itemgetter`` over the values a case gives), and both empty a full table instead of keeping
LRU order; the helpers are written once here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..rulepack.conditions import derived_refs
from ..rulepack.packmodel import Pack, Rule


def key_of(indices: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A memo key from a case's values: the tuple of the values at ``indices`` (``itemgetter`` gives a
    bare item for one index, so one index gets its own function)."""
    if len(indices) >= 2:
        return operator.itemgetter(*indices)  # type: ignore[return-value]
    if indices:
        only = indices[0]
        return lambda values: (values[only],)
    return lambda values: ()


def remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = 20_000) -> Any:
    """``value`` kept under ``key`` in a bounded memo table (a full table is emptied first)."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


def rule_groups(pack: Pack) -> list[list[Rule]]:
    """The rules evaluated as groups: those of the last packs of a set that neither derive a fact nor
    read one (the published scales), one group per run of rules of the same scale (in pack order). What
    each of their rules gives is fixed by the values of the fields the group reads, so one memo look-up
    stands for all of them; a group per scale, not per pack, keeps one scale's fields (a kidney scale's
    tumor size) out of the other scales' keys."""
    out: list[list[Rule]] = []
    for part in reversed(pack.parts[1:]):
        if not part.rules or any(r.spec.derives or derived_refs(r.condition) for r in part.rules):
            break
        runs: list[list[Rule]] = []
        for rule in part.rules:
            if runs and pack.rule_scale.get(runs[-1][-1].id) == pack.rule_scale.get(rule.id):
                runs[-1].append(pack.rule_by_id[rule.id])
            else:
                runs.append([pack.rule_by_id[rule.id]])
        out[:0] = runs
    return out
