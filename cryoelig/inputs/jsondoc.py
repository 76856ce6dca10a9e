"""JSON documents (a case file, a JSONL line) under the input grammar.

Why hooks instead of plain ``json.loads``: duplicate keys must be an error (the last one silently
won), a number written with an exponent, with more digits than the limit or as ``-0`` must reach
the case model as text so that it is refused *with its field named* (``-0.0`` stays a float: its
sign survives decoding, and the grammar refuses it), and ``NaN``/``Infinity`` are not numbers. A
document nested deeper than the interpreter's recursion limit is one error, not a
``RecursionError`` that aborts a whole batch.
"""

from __future__ import annotations

import json
from typing import Any

from ..case.limits import MAX_DEPTH, MAX_DIGITS
from ..errors import InputError, Problem


class _Duplicate(ValueError):
    pass


def schema_name(key: Any) -> bool:
    """True for a field name of the case schema (at any level): such a name may be shown."""
    from ..case.contract import schema_levels

    return isinstance(key, str) and any(key in names for names in schema_levels().values())


def duplicate_message(key: Any) -> str:
    if schema_name(key):
        return f"field '{key}' appears twice in one mapping; give it once"
    return "a field name appears twice in one mapping (not shown); give it once"


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(duplicate_message(key))
            seen.add(key)
    return data


def _float(text: str) -> float | str:
    # Left as text: the case model refuses it and names the field (the grammar has no exponents).
    if len(text) > MAX_DIGITS + 2 or "e" in text or "E" in text:
        return text
    return float(text)


def _int(text: str) -> int | str:
    # A signed zero stays text, as written: decoded it would be 0, and the grammar refuses "-0".
    return int(text) if len(text) <= MAX_DIGITS + 1 and not negative_zero(text) else text


def negative_zero(text: str) -> bool:
    """'-0' (or '-00'): a whole number a decoder would silently turn into 0."""
    return text[:1] == "-" and not text[1:].strip("0")


def _constant(text: str) -> str:
    return text  # NaN, Infinity, -Infinity: text, refused where a number is expected


def loads(text: str, name: str | None = None, line: int | None = None) -> Any:
    """The decoded document; InputError (naming the line) when it is not JSON under these rules."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_float=_float, parse_int=_int,
                          parse_constant=_constant)
    except json.JSONDecodeError as error:
        at = line if line is not None else error.lineno
        raise InputError([Problem(f"invalid JSON: {error.msg}", file=name, line=at)]) from None
    except _Duplicate as error:
        raise InputError([Problem(f"invalid JSON: {error}", file=name, line=line)]) from None
    except RecursionError:
        raise InputError([Problem(f"invalid JSON: nested more than {MAX_DEPTH} levels deep", file=name,
                                  line=line)]) from None


def sniff(text: str) -> bool:
    """A document that starts like JSON ('{' or '[')."""
    return text.lstrip()[:1] in ("{", "[")
