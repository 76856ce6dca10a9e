"""What changes between two reports of one case: the educator's "what if" (one answer changed).

Why a diff of Reports and not a second reasoning: both reports come from ``review()`` (the one
evaluation), so the difference is exactly what the rule pack does with the changed answer:
points raised only after the change, points no longer raised, points whose text or basis
changed (a value filled in, a clause decided otherwise), and information no longer (or newly)
missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..report.projection import Finding, Missing, Report


@dataclass(frozen=True)
class ReportChange:
    """The points and missing information that differ between ``before`` and ``after``."""

    before: Report
    after: Report
    raised: list[Finding]  # only after the change
    dropped: list[Finding]  # only before the change
    changed: list[tuple[Finding, Finding]]  # same rule, other text or basis (before, after)
    unchanged: list[Finding]
    now_missing: list[Missing]
    no_longer_missing: list[Missing]

    @property
    def any(self) -> bool:
        return bool(self.raised or self.dropped or self.changed or self.now_missing or self.no_longer_missing)


def compare(before: Report, after: Report) -> ReportChange:
    """The difference of two reports, points keyed by rule, missing items by field (report order)."""
    old = {f.rule: f for f in before.findings}
    new = {f.rule: f for f in after.findings}
    old_missing = {m.field for m in before.missing}
    new_missing = {m.field for m in after.missing}
    return ReportChange(
        before=before, after=after,
        raised=[f for f in after.findings if f.rule not in old],
        dropped=[f for f in before.findings if f.rule not in new],
        changed=[(old[f.rule], f) for f in after.findings if f.rule in old and old[f.rule] != f],
        unchanged=[f for f in after.findings if f.rule in old and old[f.rule] == f],
        now_missing=[m for m in after.missing if m.field not in old_missing],
        no_longer_missing=[m for m in before.missing if m.field not in new_missing],
    )
