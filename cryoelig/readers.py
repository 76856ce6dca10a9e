"""Files and streams to validated Cases, with errors that name file, row and field.

Why one module: the same conversions (YAML/JSON documents, dotted CSV columns, ';' lists,
empty cell = unknown) serve `check`, `batch` and the tests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .case import Case, case_fields, parse_case
from .errors import InputError, Problem
from .identifiers import is_identifying_field

#: Dotted CSV columns that are not rule fields but still part of the case contract.
EXTRA_COLUMNS = ("case_id", "tumor.size_mm", "ecog", "notes")


def read_text(path: str) -> str:
    """The whole text of a file, or of standard input for '-'."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem("file not found", file=path)]) from None
    except IsADirectoryError:
        raise InputError([Problem("is a folder, not a case file", file=path)]) from None
    except UnicodeDecodeError:
        raise InputError([Problem("not UTF-8 text", file=path)]) from None
    except OSError as error:
        raise InputError([Problem(f"cannot read: {error.strerror}", file=path)]) from None


def parse_document(text: str, name: str) -> Any:
    """JSON or YAML (safe loading only); syntax errors name the line."""
    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError([Problem(f"invalid JSON: {error.msg}", file=name, line=error.lineno)]) from None
    import yaml  # only for YAML: a JSON case never pays for importing it

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or "cannot parse"
        raise InputError([Problem(f"invalid YAML: {reason}", file=name,
                                  line=mark.line + 1 if mark else None)]) from None


def read_case(path: str, *, sites: Sequence[str] | None = None) -> Case:
    """One case from a YAML or JSON file ('-' for standard input); ``sites``: the pack's."""
    name = "<stdin>" if path == "-" else path
    data = parse_document(read_text(path), name)
    if data is None:
        raise InputError([Problem("the file is empty", file=name)])
    return parse_case(data, file=name, sites=sites)


# ---------------------------------------------------------------- CSV rows

def known_columns() -> set[str]:
    return set(case_fields()) | set(EXTRA_COLUMNS)


def header_problems(columns: list[str], file: str) -> list[Problem]:
    """Identifying or unknown columns refuse the whole file before any row is read."""
    identifying = [c for c in columns if is_identifying_field(c)]
    if identifying:
        return [Problem(f"identifying column(s) refused: {', '.join(identifying)}; no row was processed",
                        file=file, reason="identifier")]
    known = known_columns()
    unknown = [c for c in columns if c not in known]
    problems = [Problem(f"unknown column '{c}' (not in the case schema)", file=file, field=c) for c in unknown]
    if "case_id" not in columns:
        problems.append(Problem("no case_id column", file=file))
    if "site" not in columns:
        problems.append(Problem("no site column", file=file))
    seen = set()
    for c in columns:
        if c in seen:
            problems.append(Problem(f"column '{c}' appears twice", file=file, field=c))
        seen.add(c)
    return problems


def row_to_data(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (dotted columns) as the nested case form; empty cells are unknown."""
    fields = case_fields()
    data: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None:
            continue
        cell = cell.strip()
        if cell == "":
            continue
        spec = fields.get(column)
        value: Any = cell
        if spec is not None and spec["type"] == "list":
            value = [] if cell in ("-", "none") else [v.strip() for v in cell.split(";") if v.strip()]
        parts = column.split(".")
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return data
