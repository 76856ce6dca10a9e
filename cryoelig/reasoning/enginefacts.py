"""The facts as the rule engine reads them: JSON text with only the keys a rule compares, plain decimals.

Why its own module: this is the boundary durable_rules' C parser sees, and the cost of a batch row's
engine step was mostly here, in Python. Building a case's flat fact (``conditions.durable_fact``) and
then ``json.dumps`` of it walked the schema and built key strings for every value of every case, and
sent keys no rule reads (the engine parses them, then echoes them in every match). ``FactWriter``
writes the same fact, restricted to the keys the compiled rules read, straight to JSON text from a
table made once per engine, with the text of each list and each token value kept once.

A key no rule reads cannot change a match: the compiled rules compare only the keys they name (a
``$nex`` probe's key is one of them). A float written with an exponent (Python writes ``9e-05`` below
0.0001 and from 1e16 up) crashes the C parser or silently matches nothing (docs/architecture.md, "The rule
engine"): every float here is written in plain decimals, and a number that is not finite is refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from ..case.contract import case_fields
from ..rulepack.conditions import fact_key, list_key


class EngineError(RuntimeError):
    """durable_rules answered in a way this module does not expect: a bug, never the user's."""


def plain_float(value: float) -> str:
    """A float as JSON without an exponent (``0.00009``, never ``9e-05``); refused when not finite."""
    if not math.isfinite(value):
        raise EngineError("a number that is not finite cannot be given to the rule engine")
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


#: A digit, e or E, a digit: how every exponent in JSON text looks (a name like "r1e2" only costs the slow path).
_EXPONENT = re.compile(r"[0-9][eE][-+]?[0-9]")


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, float):
        out.append(plain_float(value))
    else:
        out.append(json.dumps(value))


def plain_json(value: Any) -> str:
    """JSON text for durable_rules: like ``json.dumps``, but every float in plain decimals (``0.00009``,
    never ``9e-05``). Fast path: ``json.dumps``, kept when its text shows no exponent (nearly always)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:  # NaN or infinity: plain_float says so
        text = "e1"
    if not _EXPONENT.search(text):
        return text
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def keys_read(expression: Any) -> set[str]:
    """The fact keys a compiled durable_rules expression compares (operators start with ``$``; a join's
    reference value such as ``{"c": "cid"}`` is not a key of this fact)."""
    if isinstance(expression, list):
        return set().union(*map(keys_read, expression))
    keys: set[str] = set()
    for key, value in expression.items():
        if key in ("$and", "$or"):
            keys |= keys_read(value)
        elif key.startswith("$"):
            keys |= set(value)
        else:
            keys.add(key)
    return keys


_CACHED_TOKENS = 4096  # token values kept per field: enums are a handful; anything unbounded stops being kept


class FactWriter:
    """Writes ``conditions.durable_fact(case)`` restricted to the keys rules read, as one JSON object.

    Per field: the ``, "key": `` prefix when a rule reads it, the (flag key, value) pairs rules read of
    a list field, and the text already written for each list (by its tuple) and each text value. Numbers
    are written each time (``repr``, plain decimals). Anything else goes through ``plain_json``.
    """

    def __init__(self, read: Collection[str]):
        self._read = frozenset(read)
        self._table = {name: self._entry(name, spec) for name, spec in case_fields().items()}

    def _entry(self, name: str, spec: Mapping[str, Any] | None) -> tuple[str | None, tuple | None, dict]:
        """``spec`` None: a fact the schema does not name (a published scale's computed total)."""
        key = fact_key(name)
        flags = None
        if spec is not None and spec["type"] == "list":
            flags = tuple((k, v) for v in spec["values"] if (k := list_key(name, v)) in self._read)
        return (f', "{key}": ' if key in self._read else None), flags, {}

    def write(self, facts: Mapping[str, Any], head: str) -> str:
        """``head`` (the fact's own keys, e.g. ``{"cid": 3, "kind": "case", "sid": "s1"``) and the facts."""
        parts = [head]
        table = self._table
        for name, value in facts.items():
            entry = table.get(name)
            if entry is None:
                if isinstance(value, tuple):  # a list the schema does not know: durable_fact fails too
                    raise KeyError(name)
                entry = table[name] = self._entry(name, None)
            prefix, flags, written = entry
            kind = type(value)
            if flags is not None and kind is tuple:
                text = written.get(value)
                if text is None:
                    text = "".join([f', "{flag}": {"true" if item in value else "false"}' for flag, item in flags])
                    self._keep(written, value, text)
                parts.append(text)
            elif prefix is None:
                continue
            elif kind is float:
                parts.append(prefix + plain_float(value))
            elif kind is int:
                parts.append(prefix + repr(value))
            elif kind is bool:
                parts.append(prefix + ("true" if value else "false"))
            elif kind is str:
                text = written.get(value)
                if text is None:
                    text = prefix + json.dumps(value)
                    self._keep(written, value, text)
                parts.append(text)
            else:
                parts.append(prefix + plain_json(value))
        parts.append("}")
        return "".join(parts)

    @staticmethod
    def _keep(written: dict, value: Any, text: str) -> None:
        if len(written) < _CACHED_TOKENS:
            written[value] = text
