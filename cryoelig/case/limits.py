"""Resource limits on every input, and the one walk that enforces them on decoded case data.

Why fixed limits: a case is a few hundred bytes of known fields, so nothing a real case needs
comes near these bounds, while without them one crafted input can exhaust memory or time
(a JSON nested 1,500 deep, a list of 120,000 items, a 100,000-character key scanned for
identifiers, a 5,000-digit number, ``/dev/zero`` as a case file). Where a user may need more
(the size of a batch record), the command line has a flag whose default is the constant here.

The walk (:func:`check_structure`) runs before the case model sees the data, and also refuses
identifying field names; it never copies a key or a value into a message: a field that is not
in the case schema is described by its position (``#3``), never shown.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..wording import neutral_message
from .identifiers import (
    find_identifier,
    find_label_identifier,
    is_identifying_field,
    normalise_field_name,
    shown_identifying_name,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

#: Largest single case file (YAML or JSON) read by check, explain, report; also standard input.
MAX_CASE_BYTES = 1 << 20
#: Default largest record of a batch (one CSV row, one JSONL line, one case file of a folder).
MAX_RECORD_BYTES = 1 << 20
#: Deepest nesting of mappings and lists (a case needs 3).
MAX_DEPTH = 16
#: Most fields in one mapping (a case has 12 top-level fields).
MAX_KEYS = 200
#: Longest field name (the longest in the schema has 26 characters).
MAX_KEY_CHARS = 128
#: Longest text value or CSV cell (notes are limited to 2,000 characters by the contract).
MAX_STRING_CHARS = 10_000
#: Most items in one list (each list field has at most 5 distinct values).
MAX_LIST_ITEMS = 1_000
#: Most digits in a number, written or parsed.
MAX_DIGITS = 30
#: Longest answer line read by the checklist.
MAX_ANSWER_CHARS = 4_096
#: Longest case label.
MAX_CASE_ID = 64
#: Control characters refused in any text value (NUL from a JSON ``\u0000`` escape, ESC, the C1 controls);
#: tab, line feed and carriage return may stand in notes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "a text value with a control character (such as NUL) is refused (not shown)"


def mib(n: int) -> str:
    """A byte count as people read it: '1 MiB', '512 KiB', '300 bytes'."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"


_INT_BOUND = 10 ** MAX_DIGITS


def _int_too_long(value: int) -> bool:
    return not -_INT_BOUND < value < _INT_BOUND  # as a written number: digits, not bits


def _bad_text(value: str) -> bool:
    """Over the length limit, or holding a control character (a printable text holds none: one C call)."""
    return len(value) > MAX_STRING_CHARS or not value.isprintable() and _CONTROL.search(value) is not None


Levels = dict[tuple[str, ...], frozenset[str]]


def check_structure(data: Any, file: str | None = None, row: int | None = None, *, levels: Levels,
                    max_depth: int = MAX_DEPTH) -> list[Problem]:
    """Problems with the shape of decoded data: bounds, field names that are not text, identifying
    field names. Empty when the data may go on to the case model. ``levels``: the field names of each
    mapping of the case form (``cryoelig.case.contract.schema_levels()``); paths in problems are made of those
    names and positions only (``tumor.#2``). Written for speed: it runs once for every batch row."""
    problems: list[Problem] = []
    kind = type(data)
    if kind is dict and max_depth >= 2 and _plain(data, levels):
        return problems
    if kind is dict:
        _walk_dict(data, [], (), 0, max_depth, problems, levels)
    elif kind is list:
        _walk_list(data, [], 0, max_depth, problems, levels)
    else:
        _scalar(data, [], problems)
    if problems and (file is not None or row is not None):
        problems = [replace(p, file=file, row=row) for p in problems]
    return problems


def _plain(data: dict[Any, Any], levels: Levels) -> bool:
    """True only when the walk below would find nothing: every field name is the schema's at its level, a
    group holds no mapping, every value is a short text, a list of short texts, a yes/no, a bounded number
    or null. One flat pass that builds no paths: a batch row (CSV, JSONL, Parquet, xlsx) is almost always
    like this, and the walk cost a third of validating it. Anything else (an unknown or identifying name, a
    deeper mapping, a value near a bound, another type) goes through the full walk, which alone writes
    problems, so a refusal and its message are the walk's whatever the path. Needs max_depth >= 2."""
    top = levels.get(())
    if top is None or len(data) > MAX_KEYS:
        return False
    for key, value in data.items():
        if key not in top:
            return False
        kind = type(value)
        if kind is str:  # a text that is not printable (a line break, a control character) takes the walk
            if len(value) > MAX_STRING_CHARS or not value.isprintable():
                return False
        elif kind is dict:
            names = levels.get((key,))
            if names is None or len(value) > MAX_KEYS:
                return False
            for name, item in value.items():
                if name not in names or not (type(item) is str and len(item) <= MAX_STRING_CHARS
                                             and item.isprintable() or _plain_leaf(item)):
                    return False
        elif not _plain_leaf(value):
            return False
    return True


def _plain_leaf(value: Any) -> bool:
    """A value under a schema field, other than a short text (tested by the caller), that the walk passes
    without a problem and without going deeper."""
    kind = type(value)
    if kind is list:
        if len(value) > MAX_LIST_ITEMS:
            return False
        return all(type(item) is str and len(item) <= MAX_STRING_CHARS and item.isprintable() for item in value)
    if kind is bool or value is None:
        return True
    if kind is int:
        return not _int_too_long(value)
    return kind is float and math.isfinite(value)


def _add(problems: list[Problem], message: str, path: list[str], reason: str = "invalid") -> None:
    problems.append(Problem(message, field=".".join(path) or None, reason=reason))


def _scalar(item: Any, path: list[str], problems: list[Problem]) -> None:
    kind = type(item)
    if kind is str:
        if len(item) > MAX_STRING_CHARS:
            _add(problems, f"a text value longer than {MAX_STRING_CHARS} characters", path)
        elif _CONTROL.search(item):
            _add(problems, CONTROL_MESSAGE, path)
    elif kind is int:
        if _int_too_long(item):
            _add(problems, f"a number with more than {MAX_DIGITS} digits", path)
    elif kind is float and not math.isfinite(item):
        _add(problems, "not a finite number", path)


def _walk_list(value: list[Any], path: list[str], depth: int, max_depth: int, problems: list[Problem],
               levels: Levels) -> None:
    if depth >= max_depth:
        _add(problems, f"nested more than {max_depth} levels deep", path)
        return
    if len(value) > MAX_LIST_ITEMS:
        _add(problems, f"a list of more than {MAX_LIST_ITEMS} items", path)
        return
    for index, item in enumerate(value):
        if len(problems) >= 20:
            return
        kind = type(item)
        if kind is dict:
            _walk_dict(item, [*path, str(index)], None, depth + 1, max_depth, problems, levels)
        elif kind is list:
            _walk_list(item, [*path, str(index)], depth + 1, max_depth, problems, levels)
        elif kind is not str or _bad_text(item):
            _scalar(item, [*path, str(index)], problems)


def _walk_dict(value: dict[Any, Any], path: list[str], names: tuple[str, ...] | None, depth: int, max_depth: int,
               problems: list[Problem], levels: Levels) -> None:
    """``names``: the schema path of this mapping, None once under a field the schema does not know."""
    if depth >= max_depth:
        _add(problems, f"nested more than {max_depth} levels deep", path)
        return
    if len(value) > MAX_KEYS:
        _add(problems, f"more than {MAX_KEYS} fields in one mapping", path)
        return
    known = levels.get(names) if names is not None else None
    for key, item in value.items():
        if len(problems) >= 20:
            return
        if known is not None and key in known:
            _known_item(item, [*path, key], (*names, key), depth, max_depth, problems, levels)  # type: ignore[misc]
        else:
            _unknown_item(key, item, [*path, f"#{list(value).index(key) + 1}"], path, depth, max_depth, problems,
                          levels)


def _known_item(item: Any, path: list[str], names: tuple[str, ...], depth: int, max_depth: int,
                problems: list[Problem], levels: Levels) -> None:
    """The value of a schema field: the common shapes (a short text, a list of words) cost one test."""
    kind = type(item)
    if kind is str:
        if _bad_text(item):
            _scalar(item, path, problems)
    elif kind is list:
        if len(item) > MAX_LIST_ITEMS or not all(type(x) is str and not _bad_text(x) for x in item):
            _walk_list(item, path, depth + 1, max_depth, problems, levels)
    elif kind is dict:
        _walk_dict(item, path, names if names in levels else None, depth + 1, max_depth, problems, levels)
    else:
        _scalar(item, path, problems)


def _unknown_item(key: Any, item: Any, part: list[str], path: list[str], depth: int, max_depth: int,
                  problems: list[Problem], levels: Levels) -> None:
    """A field the schema does not know: refused later by the model, but never shown, and checked here for
    what it may hold (an identifying name, an identifier as its name, or a bound exceeded below it)."""
    if not isinstance(key, str):
        _add(problems, "a field name that is not text (not shown)", part)
    elif len(key) > MAX_KEY_CHARS:
        _add(problems, f"a field name longer than {MAX_KEY_CHARS} characters (not shown)", part)
    elif is_identifying_field(key):
        _add(problems, f"identifying field '{shown_identifying_name(key)}' is refused: cryoelig takes "
             "de-identified cases only", [*path, normalise_field_name(key)], reason="identifier")
    elif kind_of := find_identifier(key):
        _add(problems, f"a field name that looks like {kind_of} is refused (not shown): identifying data is "
             "refused", part, reason="identifier")
    elif type(item) is dict:
        _walk_dict(item, part, None, depth + 1, max_depth, problems, levels)
    elif type(item) is list:
        _walk_list(item, part, depth + 1, max_depth, problems, levels)
    else:
        _scalar(item, part, problems)


# ---------------------------------------------------------------- field paths that are safe to show

def safe_loc(loc: tuple[Any, ...], data: Any, levels: Levels) -> tuple[str | None, Any, tuple[str, ...] | None]:
    """A pydantic error location as a path that shows only schema names, list positions and '#<n>'
    for a field name the schema does not know (its position among its mapping's fields). Also returns
    the last key as given (to suggest a spelling) and the schema path of its mapping."""
    parts: list[str] = []
    names: tuple[str, ...] | None = ()
    node = data
    key: Any = None
    parent: tuple[str, ...] | None = ()
    for part in loc:
        key, parent = part, names
        if isinstance(part, int):
            parts.append(str(part))
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
            names = None
            continue
        known = levels.get(names) if names is not None else None
        if known is not None and part in known:
            parts.append(part)
            names = (*names, part) if (*names, part) in levels else None
        else:
            keys = list(node) if isinstance(node, dict) else []
            parts.append(f"#{keys.index(part) + 1}" if part in keys else "#?")
            names = None
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or None, key, parent


def suggest_field(key: Any, parent: tuple[str, ...] | None, levels: Levels) -> str | None:
    """'tumor.size_cm' for a key like 'size_cn' under tumor (or 'size_cm' at the top), or None.
    Nothing is suggested for a key that itself looks identifying: the suggestion would point at it."""
    if not isinstance(key, str) or len(key) > MAX_KEY_CHARS or parent is None or find_label_identifier(key):
        return None
    prefix = ".".join(parent) + "." if parent else ""
    candidates = {f"{prefix}{name}": name for name in levels.get(parent, ())}
    if not parent:  # a nested field given at the top: 'size_cm' -> 'tumor.size_cm'
        for path, names in levels.items():
            if path:
                candidates.update({f"{'.'.join(path)}.{name}": name for name in names})
    wanted = key.strip().lower()
    exact = [full for full, name in candidates.items() if name == wanted or full == wanted]
    if exact:
        return exact[0]
    close = difflib.get_close_matches(wanted, list(candidates.values()) + list(candidates), n=1, cutoff=0.75)
    if not close:
        return None
    return close[0] if close[0] in candidates else next(full for full, name in candidates.items() if name == close[0])


def validation_problems(error: ValidationError, file: str | None, row: int | None, data: Any,
                        levels: Levels) -> list[Problem]:
    """pydantic's errors as Problems naming the field by a safe path (see ``safe_loc``); no value and no
    field name the schema does not know is ever copied into a message."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        field, key, parent = safe_loc(tuple(item["loc"]), data, levels)
        reason = item["type"]
        message = neutral_message(item["msg"])
        if reason == "extra_forbidden":
            message = "unknown field (not shown): not in the case schema"
            suggestion = suggest_field(key, parent, levels)
            if suggestion:
                message += f"; did you mean '{suggestion}'?"
        elif reason in ("identifier", "limit"):
            field = item.get("ctx", {}).get("field") or field
            message = item.get("ctx", {}).get("message", message)
        elif reason == "missing":
            message = "required field is missing"
        elif reason == "string_pattern_mismatch" and field == "case_id":
            message = f"use 1 to {MAX_CASE_ID} letters, digits, '.', '_' or '-' (no spaces)"
        kind = "identifier" if reason == "identifier" else "invalid"
        problems.append(Problem(message, file=file, row=row, field=field, reason=kind))
    return problems
