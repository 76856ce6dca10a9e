"""What both sections of a report show the same way: a clause with its case value, and a pack.

Why one module: the source article's points (``projection``) and the published scales' points
(``scalesection``) show their basis alike, clause by clause with the case value and the result, and
each section names the packs it comes from by name, version and sha256. One field list each, so the two
sections cannot drift apart; the subclasses keep the names the report's JSON schema has always given them
(a scale's clause has no note; a report's pack reference lists the set's parts).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class ReportModel(BaseModel):
    """A part of a report: frozen, and no field beyond those declared."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleClause(ReportModel):
    """A clause of a band rule with the case value it was checked against (as a Finding's basis)."""

    clause: str
    field: str | None
    value: Any = None
    result: Literal["met", "not met", "unknown"]


class Clause(ScaleClause):
    """One clause of a rule's condition with the case value it was checked against."""

    #: what the pack says about this clause's reading (e.g. a convention of the tool, not the source's);
    #: the published scales' points show no note (``ScaleClause``)
    note: str | None = None


class ScalePackRef(ReportModel):  # a pack as a scale section names it (no docstring: it would enter the schema)
    name: str
    version: str
    sha256: str


class PackPart(ScalePackRef):
    """One pack of a set, with its own sha256 (a part: the set's is the one to match)."""


class PackRef(ScalePackRef):
    """The rule pack that made the report: its name and version (a set's are its first pack's) and its sha256,
    the one value --version, every output and the service name (a set's: ``packset.set_sha256``); ``parts``
    lists a set's packs with their own (empty for a single pack)."""

    parts: list[PackPart] = []


def json_value(value: Any) -> Any:
    """A case value as a report holds it (a list field's tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value
