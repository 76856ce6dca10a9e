"""What the case contract takes from the loaded rule pack: the sites a case may name, the check of the
published-scale totals a case gives against the pack's points, and where the pack's rules read an ECOG
performance status as poor overall health (this tool's convention, not the source's).

Why a protocol: the contract is the lowest layer of the domain and the rule pack is built on it (its
clauses name the contract's fields and values), so the contract cannot import the pack. Every caller
hands it the loaded pack instead (``cryoelig.rulepack.packmodel.Pack`` is one), and nothing falls back
to the shipped pack: a case read with ``--pack`` is checked against that pack's sites and points.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import Problem


class PackTerms(Protocol):
    """The loaded pack, as the contract reads it."""

    @property
    def site_ids(self) -> tuple[str, ...]:
        """The sites a case can name, in the pack's order."""
        ...

    @property
    def ecog_poor_from(self) -> int | None:
        """The lowest ECOG the pack's rules read as poor overall health (None: they state no such reading)."""
        ...

    def link_notes(self, facts: Mapping[str, Any]) -> list[str]:
        """The notes of the pack's reconciliation links on the facts (a field answered through another, two
        that disagree)."""
        ...

    def total_problems(self, facts: Mapping[str, Any], file: str | None = None,
                       row: int | None = None) -> list[Problem]:
        """Every published-scale total the facts give that the components they give cannot add up to."""
        ...
