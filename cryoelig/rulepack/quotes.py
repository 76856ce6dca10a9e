"""A quote checked against its stored source: found verbatim, and within one paragraph of it.

Why its own module: what a quote may be is one decision (spaces normalised; no quote joining two
paragraphs, which would read as one statement of the source), used by the rules' and the statements' checks.
"""

from __future__ import annotations

import re

from ..errors import Problem
from .packyaml import normalise_space


def by_paragraph(text: str) -> str:
    """A stored source as its paragraphs (blank-line separated), each with its spaces normalised, one per
    line: a normalised quote holds no line break, so it is found only within one paragraph."""
    return "\n".join(normalise_space(p) for p in _PARAGRAPH_BREAK.split(text))


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def check_quote(source: str, quote: str, normalised_sources: dict[str, str], file: str,
                 line: int | None, problems: list[Problem]) -> None:
    """A quote is found verbatim within one paragraph of its source: a quote that joins two paragraphs would
    read as one statement of the source (cite each paragraph on its own)."""
    if source not in normalised_sources:
        problems.append(Problem(f"unknown source '{source}'", file=file, line=line))
        return
    quote, text = normalise_space(quote), normalised_sources[source]
    if quote in text:
        return
    if quote in normalise_space(text):
        problems.append(Problem(f"quote joins two paragraphs of source '{source}' (cite each paragraph on its "
                                f"own): \"{quote[:80]}\"", file=file, line=line))
    else:
        problems.append(Problem(f"quote not found verbatim in source '{source}': \"{quote[:80]}\"",
                                file=file, line=line))
