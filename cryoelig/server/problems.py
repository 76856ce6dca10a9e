"""Errors as JSON: ``{"problems": [{"field": ..., "message": ...}]}``, the CLI's one-line problems.

Why one module: every error path of the service (bad JSON, a case that fails the contract,
oversize bodies, unknown routes, FastAPI's own validation) answers in one shape, with field
names from the schema and the tool's words, never an input value or a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ..errors import Problem

_FIELD_PART = re.compile(r"^[a-z_]{1,40}$|^\d{1,6}$")


def schema_names() -> frozenset[str]:
    """Every field name of the case contract (top level and nested), the only names echoed."""
    from ..case import Case

    names: set[str] = set()

    def walk(model: Any) -> None:
        for name, info in model.model_fields.items():
            names.add(name)
            for arg in getattr(info.annotation, "__args__", ()) or ():
                if hasattr(arg, "model_fields"):
                    walk(arg)

    walk(Case)
    return frozenset(names | {"resourceType", "entry", "format", "site", "hook", "context", "prefetch",
                              "hookInstance", "fhirServer", "fhirAuthorization", "feedback", "why_not"})


_NAMES: frozenset[str] | None = None


def safe_field(field: str | None) -> str | None:
    """A dotted field name fit to print: every part a schema name or a list index, else None."""
    global _NAMES
    if not field:
        return None
    if _NAMES is None:
        _NAMES = schema_names()
    parts = field.split(".")
    if all(_FIELD_PART.match(p) and (p.isdigit() or p in _NAMES) for p in parts):
        return field
    return None


def problem_dicts(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    out = []
    for p in problems:
        field = safe_field(p.field)
        message = p.message
        if p.field and field is None:
            message = "a field that is not in the case schema (its name is not shown)" if (
                "unknown field" in message) else message
        out.append({"field": field, "message": message})
    return out


def body(problems: Iterable[Problem]) -> bytes:
    return json.dumps({"problems": problem_dicts(problems)}, ensure_ascii=False).encode("utf-8")


def one(message: str, field: str | None = None) -> bytes:
    return body([Problem(message, field=field)])
