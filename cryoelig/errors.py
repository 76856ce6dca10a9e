"""Errors a user can cause, each with one readable message.

Why: the CLI turns these into one line and exit code 2; anything else escaping is a bug
and shows as a traceback. A Problem prints as one line whatever it holds: the file name
(the one piece of user-given text it may show) is cut to a readable length and every
control character is dropped, so a crafted name cannot forge or rewrite a terminal line.
"""

from __future__ import annotations

from dataclasses import dataclass

from .safetext import clean_line, shown


class CryoeligError(Exception):
    """Base of every error caused by input, files or packs."""


@dataclass(frozen=True)
class Problem:
    """One problem in one place: a file (and row or line) and a field."""

    message: str
    file: str | None = None
    row: int | None = None
    line: int | None = None
    field: str | None = None
    reason: str = "invalid"

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(shown(self.file) + (f":{self.line}" if self.line else ""))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return clean_line(f"{prefix}: {self.message}" if prefix else self.message)


class InputError(CryoeligError):
    """A case or input file that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PackError(CryoeligError):
    """A rule pack that fails validation; carries every problem found in one run."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class EngineMismatchError(Exception):
    """The rule engine and the Python evaluator disagree: a bug, never the user's fault."""
