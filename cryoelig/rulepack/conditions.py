"""The condition language of the rule pack: parse, and compile for durable_rules.

Why one module: both evaluators read the same parsed tree, so they cannot drift apart (a
differential test keeps them in agreement). Evaluating a condition against a case, three-valued,
is the job of ``cryoelig.reasoning.evaluation`` and of nothing else.

Grammar (YAML). A condition is a leaf string, or ``{all: [c, ...]}``, ``{any: [c, ...]}``,
``{not: c}``. Leaves::

    FIELD == VALUE    FIELD != VALUE    FIELD < N   FIELD <= N   FIELD > N   FIELD >= N
    FIELD in [a, b]   FIELD exists      FIELD has VALUE          FIELD has any [a, b]
    derived NAME      (a fact established by another rule; only as an item of a top-level all)

``not`` is pushed down to the leaves when parsing (negation normal form), so every leaf states
in plain words what the case must show. Field names and values are checked against the field
specs of the pack being loaded (``Pack.field_specs``: the case schema with the pack's sites).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..case.contract import case_fields

FieldSpecs = Mapping[str, Mapping[str, Any]]

_NEGATE = {
    "eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt",
    "in": "not_in", "not_in": "in", "has": "not_has", "not_has": "has",
    "has_any": "has_none", "has_none": "has_any", "exists": "not_exists", "not_exists": "exists",
}
_SYMBOL = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_FROM_SYMBOL = {v: k for k, v in _SYMBOL.items()}
_DURABLE_CMP = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class ConditionError(ValueError):
    """A condition that does not parse or names an unknown field or value."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One clause over one field (or one derived fact), already in negation normal form."""

    field: str
    op: str
    value: Any = None
    #: the clause's predicate on a value the case gives (two-valued; absence is evaluation's business)
    test: Callable[[Any], bool] | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The clause as a clinician reads it."""
        if self.op == "derived":
            return f"derived {self.field}"
        if self.op in _SYMBOL:
            return f"{self.field} {_SYMBOL[self.op]} {_fmt(self.value)}"
        words = {
            "in": "in", "not_in": "not in", "has": "has", "not_has": "does not have",
            "has_any": "has any of", "has_none": "has none of",
        }
        if self.op in ("exists", "not_exists"):
            return f"{self.field} {'is given' if self.op == 'exists' else 'is not given'}"
        return f"{self.field} {words[self.op]} {_fmt(self.value)}"


@dataclass(frozen=True, slots=True)
class Node:
    """``all`` or ``any`` over items."""

    op: str
    items: tuple[Node | Leaf, ...]


Condition = Node | Leaf


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_LEAF = re.compile(
    r"^\s*(?:(?P<derived>derived)\s+(?P<name>[a-z][a-z0-9_]*)"
    r"|(?P<field>[a-z_]+(?:\.[a-z_]+)?)\s*"
    r"(?:(?P<exists>exists)"
    r"|has\s+any\s*\[(?P<has_any>[^\]]*)\]"
    r"|has\s+(?P<has>[A-Za-z0-9_.]+)"
    r"|(?P<notin>not\s+)?in\s*\[(?P<in>[^\]]*)\]"
    r"|(?P<cmp>==|!=|<=|>=|<|>)\s*(?P<value>[A-Za-z0-9_.\-]+)))\s*$"
)


def _scalar(token: str) -> Any:
    token = token.strip()
    if token in ("true", "false"):
        return token == "true"
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        return token


def _values(field_name: str, tokens: str) -> tuple[Any, ...]:
    values = tuple(_scalar(t) for t in tokens.split(",") if t.strip())
    if not values:
        raise ConditionError(f"empty list in condition on '{field_name}'")
    return values


def _check_value(field_name: str, spec: Mapping[str, Any], value: Any, op: str) -> None:
    kind = spec["type"]
    if op in ("lt", "le", "gt", "ge") and kind != "number":
        raise ConditionError(f"'{field_name}' is not a number: '{_SYMBOL[op]}' cannot be used")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConditionError(f"'{field_name}' is a number; '{_fmt(value)}' is not")
    elif spec["values"] is not None and value not in spec["values"]:
        allowed = ", ".join(_fmt(v) for v in spec["values"])
        raise ConditionError(f"'{_fmt(value)}' is not a value of '{field_name}' (allowed: {allowed})")


def _members(value: Any) -> frozenset[Any]:
    return frozenset(value)


#: op -> (value -> a fast one-argument predicate); list values become frozensets once.
_TESTS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "eq": lambda x: lambda v: v == x,
    "ne": lambda x: lambda v: v != x,
    "lt": lambda x: lambda v: v < x,
    "le": lambda x: lambda v: v <= x,
    "gt": lambda x: lambda v: v > x,
    "ge": lambda x: lambda v: v >= x,
    "has": lambda x: lambda v: x in v,
    "not_has": lambda x: lambda v: x not in v,
    "in": lambda x: (lambda m: lambda v: v in m)(_members(x)),
    "not_in": lambda x: (lambda m: lambda v: v not in m)(_members(x)),
    "has_any": lambda x: (lambda m: lambda v: not m.isdisjoint(v))(_members(x)),
    "has_none": lambda x: (lambda m: lambda v: m.isdisjoint(v))(_members(x)),
}


def _make_test(op: str, value: Any) -> Callable[[Any], bool]:
    """A fast one-argument predicate for a known value."""
    if op not in _TESTS:
        raise ConditionError(f"unknown operator {op}")
    return _TESTS[op](value)


def make_leaf(field_name: str, op: str, value: Any = None) -> Leaf:
    """Build a leaf with its predicate; used by the parser and by negation."""
    if op in ("exists", "not_exists", "derived"):
        return Leaf(field_name, op, None)
    return Leaf(field_name, op, value, _make_test(op, value))


def parse_leaf(text: str, fields: FieldSpecs | None = None) -> Leaf:
    """Parse one clause, checking the field and its values against the field specs
    (default: the case schema, whose ``site`` takes any value)."""
    if not isinstance(text, str):
        raise ConditionError(f"a clause is text, got {type(text).__name__}: {text!r}")
    match = _LEAF.match(text)
    if not match:
        raise ConditionError(
            f"cannot read clause '{text}' (expected e.g. 'site == kidney', 'tumor.size_cm < 4', "
            "'site in [a, b]', 'goals has cure', 'goals has any [a, b]', 'x exists', 'derived name')"
        )
    if match["derived"]:
        return make_leaf(match["name"], "derived")
    name = match["field"]
    fields = case_fields() if fields is None else fields
    if name not in fields:
        raise ConditionError(f"unknown field '{name}' in clause '{text}'")
    spec = fields[name]
    if match["exists"]:
        return make_leaf(name, "exists")
    if spec["type"] == "list":
        return _list_leaf(name, spec, match)
    if match["has_any"] is not None or match["has"] is not None:
        raise ConditionError(f"'{name}' is not a list: use '==' or 'in' instead of 'has'")
    if match["in"] is not None:
        values = _values(name, match["in"])
        for v in values:
            _check_value(name, spec, v, "in")
        return make_leaf(name, "not_in" if match["notin"] else "in", values)
    op = _FROM_SYMBOL[match["cmp"]]
    value = _scalar(match["value"])
    _check_value(name, spec, value, op)
    return make_leaf(name, op, value)


def _list_leaf(name: str, spec: Mapping[str, Any], match: re.Match[str]) -> Leaf:
    """A clause over a list field: only 'has' and 'has any' apply."""
    if match["has"] is not None:
        value = _scalar(match["has"])
        _check_value(name, spec, value, "has")
        return make_leaf(name, "has", value)
    if match["has_any"] is None:
        raise ConditionError(f"'{name}' is a list: use 'has' or 'has any [..]'")
    values = _values(name, match["has_any"])
    for v in values:
        _check_value(name, spec, v, "has")
    return make_leaf(name, "has_any", values)


def parse(raw: Any, negate: bool = False, fields: FieldSpecs | None = None) -> Condition:
    """Parse a YAML condition into negation normal form."""
    if isinstance(raw, str):
        leaf = parse_leaf(raw, fields)
        if not negate:
            return leaf
        if leaf.op == "derived":
            raise ConditionError(f"'derived {leaf.field}' cannot be negated (absence of a derived fact is not known)")
        return make_leaf(leaf.field, _NEGATE[leaf.op], leaf.value)
    if isinstance(raw, dict) and len(raw) == 1:
        (key, body), = raw.items()
        if key == "not":
            return parse(body, not negate, fields)
        if key in ("all", "any"):
            if not isinstance(body, list) or not body:
                raise ConditionError(f"'{key}' needs a non-empty list of conditions")
            op = key if not negate else ("any" if key == "all" else "all")
            return Node(op, tuple(parse(item, negate, fields) for item in body))
    raise ConditionError(f"a condition is a clause, or one of all / any / not; got {raw!r}")


def leaves(cond: Condition) -> list[Leaf]:
    """Every leaf, in order."""
    if isinstance(cond, Leaf):
        return [cond]
    out: list[Leaf] = []
    for item in cond.items:
        out.extend(leaves(item))
    return out


def derived_refs(cond: Condition) -> list[str]:
    return [leaf.field for leaf in leaves(cond) if leaf.op == "derived"]


def check_derived_placement(cond: Condition) -> None:
    """Derived facts are joined in the engine, so they may only be top-level conjuncts."""
    top = [cond] if isinstance(cond, Leaf) else list(cond.items) if cond.op == "all" else []
    allowed = {id(x) for x in top if isinstance(x, Leaf)}
    for leaf in leaves(cond):
        if leaf.op == "derived" and id(leaf) not in allowed:
            raise ConditionError(
                f"'derived {leaf.field}' may only be an item of the top-level 'all' (not inside any / not)"
            )


# ---------------------------------------------------------------- durable_rules compiler

def fact_key(field_name: str) -> str:
    """durable_rules reads a dot as a path: facts use '__' instead."""
    return field_name.replace(".", "__")


def list_key(field_name: str, value: Any) -> str:
    return f"{fact_key(field_name)}__{value}"


def to_durable(cond: Condition) -> dict[str, Any]:
    """Compile a condition without derived leaves into durable_rules' JSON expression.

    Missing fields fail every comparison in durable_rules, which matches 'unknown does not
    fire' because negation was already pushed to the leaves.
    """
    if isinstance(cond, Node):
        return {"$and" if cond.op == "all" else "$or": [to_durable(i) for i in cond.items]}
    key = fact_key(cond.field)
    op, value = cond.op, cond.value
    if op == "eq":
        return {key: value}
    if op in _DURABLE_CMP:
        return {_DURABLE_CMP[op]: {key: value}}
    if op == "in":
        return {"$or": [{key: v} for v in value]}
    if op == "not_in":
        return {"$and": [{"$neq": {key: v}} for v in value]}
    if op in ("exists", "not_exists"):
        spec = case_fields().get(cond.field, {"type": "number"})  # a computed total is a number
        probe = list_key(cond.field, spec["values"][0]) if spec["type"] == "list" else key
        return {"$ex" if op == "exists" else "$nex": {probe: 1}}
    if op == "has":
        return {list_key(cond.field, value): True}
    if op == "not_has":
        return {list_key(cond.field, value): False}
    if op == "has_any":
        return {"$or": [{list_key(cond.field, v): True} for v in value]}
    if op == "has_none":
        return {"$and": [{list_key(cond.field, v): False} for v in value]}
    raise ConditionError(f"cannot compile '{cond.text}' for the engine")


def durable_fact(facts: Mapping[str, Any]) -> dict[str, Any]:
    """A case's facts in the flat form the compiled rules read (lists as one flag per value), every key:
    the reference ``enginefacts.FactWriter`` (the keys rules read, as JSON text) is tested against."""
    fields = case_fields()
    out: dict[str, Any] = {}
    for name, value in facts.items():
        if isinstance(value, tuple):
            for allowed in fields[name]["values"]:
                out[list_key(name, allowed)] = allowed in value
        else:
            out[fact_key(name)] = value
    return out
