"""Validated groups of a case kept per raw value, so that a batch validates each group's values once.

Why: in a batch, most of a row's validation is the groups of yes/no and 0-10 answers (symptoms,
history, concerns), whose values repeat from row to row (a few hundred combinations), each field
read through the input grammar by a Python validator. A group is a frozen model whose validation
reads nothing but its own values, so the model made for one row stands for the same raw values in
another: ``parse_case`` hands pydantic the kept model instead of the raw group, and pydantic takes an
instance of the field's own model as it is. Only groups that validated are kept, so every refusal,
and every message, is what the full validation gives.

The key is typed (``True`` and ``1``, ``4`` and ``4.0`` are equal in Python, not in the grammar),
floats by their text (``-0.0``); a raw value that cannot be a key (a nested mapping) is never kept.
"""

from __future__ import annotations

from typing import Any

#: The groups kept: fields with few values each (no free text, no measured size).
GROUPS = ("symptoms", "history", "concerns")
_LIMIT = 4096  # models kept per group; a full table is emptied (bounded memory)
_memo: dict[str, dict[tuple[Any, ...], Any]] = {group: {} for group in GROUPS}


def _typed(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return (kind, repr(value))
    if kind is list:
        return (kind, tuple([_typed(item) for item in value]))
    return (kind, value)


def _key(raw: dict[Any, Any]) -> tuple[Any, ...] | None:
    key = tuple([(name, _typed(value)) for name, value in raw.items()])
    try:
        hash(key)
    except TypeError:  # a mapping inside: left to the full validation
        return None
    return key


def known_parts(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, tuple[Any, ...]]]]:
    """``data`` with each group validated before replaced by its model (a copy; ``data`` is not
    changed), and the (group, key) of the groups not kept yet, for ``keep``."""
    out = data
    new: list[tuple[str, tuple[Any, ...]]] = []
    for group in GROUPS:
        raw = data.get(group)
        if type(raw) is not dict or (key := _key(raw)) is None:
            continue
        model = _memo[group].get(key)
        if model is None:
            new.append((group, key))
            continue
        if out is data:
            out = dict(data)
        out[group] = model
    return out, new


def keep(case: Any, new: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Keep the groups of a case that validated, under the keys ``known_parts`` gave."""
    for group, key in new:
        table = _memo[group]
        if len(table) >= _LIMIT:
            table.clear()
        table[key] = getattr(case, group)


def forget() -> None:
    """Drop every kept group (tests)."""
    for table in _memo.values():
        table.clear()
