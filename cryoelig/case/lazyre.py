"""Regular expressions compiled on their first use.

Why: the identifier guard holds about 50 patterns, and compiling them all cost more at start-up than the
rest of reading a case (``cryoelig check`` compiles only those its case reaches: a label without a digit
reaches none of the date or number patterns). After the first call a pattern's methods are the compiled
pattern's own, so a scan pays nothing for the laziness.
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "split", "sub")


class LazyPattern:
    """Stands for ``re.compile(pattern)`` until first used, then forwards straight to it."""

    __slots__ = ("pattern", *_METHODS)

    def __init__(self, pattern: str):
        self.pattern = pattern
        for name in _METHODS:
            setattr(self, name, _First(self, name))

    def compiled(self) -> re.Pattern[str]:
        pattern = re.compile(self.pattern)
        for name in _METHODS:
            setattr(self, name, getattr(pattern, name))
        return pattern


class _First:
    """A method of a pattern not compiled yet: compiles it (replacing every method), then calls it."""

    __slots__ = ("lazy", "name")

    def __init__(self, lazy: LazyPattern, name: str):
        self.lazy, self.name = lazy, name

    def __call__(self, *args: Any) -> Any:
        return getattr(self.lazy.compiled(), self.name)(*args)


def lazy(pattern: str) -> Any:
    """A pattern compiled on first use (typed ``Any``: it is used as the ``re.Pattern`` it becomes)."""
    return LazyPattern(pattern)
