"""Errors a user can cause, each with one readable message.

Why: the CLI turns these into one line and exit code 2; anything else escaping is a bug
and shows as a traceback. A Problem prints as one line whatever it holds: the file name
(the one piece of user-given text it may show) is cut to a readable length and every
control character is dropped, so a crafted name cannot forge or rewrite a terminal line;
a name that looks identifying (``Jane_Doe_1950-03-14.yaml``) is not shown at all, the file
is named by its place instead (``safetext.name_may_show``: the identifier guard's test).
"""

from __future__ import annotations

from dataclasses import dataclass

from .safetext import HIDDEN_FILE, clean_line, name_may_show, shown


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
    #: How to name the file when its name looks identifying ('file 12 of the folder'); None: 'the file given'.
    place: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file and name_may_show(self.file):
            where.append(shown(self.file) + (f":{self.line}" if self.line else ""))
        elif self.file:  # named by its place: the line goes apart ('the file given, line 3')
            where.append(self.place or HIDDEN_FILE)
            if self.line:
                where.append(f"line {self.line}")
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
