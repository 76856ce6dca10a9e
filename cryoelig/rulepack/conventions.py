"""This tool's ECOG convention, read from the rules that apply it.

Why from the rules: the source article names no performance scale. The pack's overall-health rule reads
an ECOG performance status from 3 up as poor overall health (the clause ``ecog >= 3``) and notes on that
clause that this is the tool's convention, not the source's. That noted clause is where the threshold is
decided; the contract's input note on a disagreement with ``overall_health`` and the checklist's ECOG
question word the same reading, and take the threshold from here (``Pack.ecog_poor_from``), so a pack
that reads ECOG otherwise is worded as it reads it. The pack's own texts repeat the range ("ECOG 3-4");
the loader refuses a pack whose texts or noted clauses name another: it would word one reading and
apply another.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from ..errors import Problem
from .conditions import leaves

ECOG = "ecog"
#: A range of ECOG grades a text names ('ECOG 3-4'); one from 0 is the scale itself ('ECOG 0-4').
_RANGE = re.compile(r"\bECOG ([0-9])-[0-9]\b")


def ecog_thresholds(rules: Iterable[Any]) -> dict[int, list[Any]]:
    """The lowest ECOG each noted ``ecog >= n`` (or ``ecog > n``) clause reads as poor overall health, and the
    rules (``Rule``: its condition and notes are read) that write it; a clause without a note is not a
    convention the pack states."""
    found: dict[int, list[Any]] = {}
    for rule in rules:
        notes = rule.spec.notes
        for leaf in leaves(rule.condition) if notes else ():
            if leaf.field == ECOG and leaf.op in ("ge", "gt") and leaf.text in notes:
                lowest = math.floor(leaf.value) + 1 if leaf.op == "gt" else math.ceil(leaf.value)
                found.setdefault(lowest, []).append(rule)
    return found


def ecog_poor_from(rules: Iterable[Any]) -> int | None:
    """The lowest ECOG the pack reads as poor overall health (None: the pack states no such convention)."""
    found = ecog_thresholds(rules)
    return min(found) if found else None


def convention_problems(rules: Iterable[Any]) -> list[Problem]:
    """Noted clauses on ECOG that disagree on where poor overall health starts, one problem per rule apart
    from the first threshold's."""
    found = ecog_thresholds(rules)
    if len(found) < 2:
        return []
    first, *others = sorted(found)
    return [Problem(f"rule '{rule.id}': its noted clause reads ECOG from {n} as poor overall health, rule "
                    f"'{found[first][0].id}' from {first}; the tool states one convention",
                    file=rule.file, line=rule.line)
            for n in others for rule in found[n]]


def convention_text_problems(rules: Iterable[Any], texts: Iterable[tuple[str, str, str]]) -> list[Problem]:
    """Each text ``(what, file, text)`` of a pack that names an ECOG range read as poor ('ECOG 3-4') starting
    elsewhere than the rules' noted clause does, or naming one when the rules note none."""
    poor_from = ecog_poor_from(rules)
    applied = f"from {poor_from}" if poor_from is not None else "nowhere (no noted clause on ecog)"
    return [Problem(f"{what}: says ECOG {m[0].split()[1]}, while the rules read ECOG as poor overall health "
                    f"{applied}", file=file)
            for what, file, text in texts for m in _RANGE.finditer(text)
            if m[1] != "0" and int(m[1]) != poor_from]
