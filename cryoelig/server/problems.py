"""Errors as JSON: ``{"problems": [{"field": ..., "message": ...}]}``, the CLI's one-line problems.

Why one module: every error path of the service (bad JSON or YAML, a case that fails the
contract, oversize bodies, unknown routes, FastAPI's own validation) answers in one shape. The
field and the message are the ones the command line prints for the same input: the input layer
and ``parse_case`` already show only schema field names, positions (``tumor.#2``) and the tool's
words (``cryoelig.case.limits.safe_loc``), never a value or a key a client sent. The file name the
command line would print is left out (the body has none); a line number is kept for syntax errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..errors import Problem
from ..safetext import clean_line


def problem_dict(p: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {"field": p.field, "message": clean_line(p.message)}
    if p.line is not None:
        out["line"] = p.line
    return out


def body(problems: Iterable[Problem]) -> bytes:
    return json.dumps({"problems": [problem_dict(p) for p in problems]}, ensure_ascii=False).encode("utf-8")


def one(message: str, field: str | None = None) -> bytes:
    return body([Problem(message, field=field)])
