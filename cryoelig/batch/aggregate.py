"""The running aggregate of a batch (counts per site, factor, kind, missing field, error reason,
and cases per site and factor), and the sources the reports quote (named once by the summary, as by
every view of a report).

Why it only ever holds names the tool wrote: ``summary.json`` is read by people, so every key is a
site, a factor id, a field path made of schema names and ``#<n>`` positions, or a reason word;
:func:`safe_key` replaces anything else (from a hand-edited results file given to ``summarize``)
by ``(not shown)``.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from ..case.identifiers import find_identifier, find_label_identifier
from ..safetext import clean_line

#: A key the tool writes: lower-case words, dots, '#<n>' positions, list indices.
_TOKEN = re.compile(r"[a-z][a-z0-9_]{0,63}(?:\.(?:[a-z][a-z0-9_]{0,63}|#?\d{1,6}))*|#\d{1,6}(?:\.[a-z0-9_#]{1,64})*")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # a pack's source ids (packmodel.SourceSpec)
NOT_SHOWN = "(not shown)"
#: What a summary says about each source (the Report's ``sources`` entries, without the id).
SOURCE_KEYS = ("title", "publisher", "date", "description", "scope")


def safe_key(value: Any) -> str:
    """``value`` when it is a short token of the tool's own vocabulary, else '(not shown)'."""
    return _safe_token(value) if isinstance(value, str) and len(value) <= 128 else NOT_SHOWN


@functools.lru_cache(maxsize=4096)
def _safe_token(value: str) -> str:
    """Memoized: a run names a few hundred distinct sites, factors and fields over millions of lines
    (summarize spent half its time re-checking them); at most 4,096 short strings are kept."""
    return value if _TOKEN.fullmatch(value) and not find_label_identifier(value) else NOT_SHOWN


def _source_key(value: Any) -> str:
    """A source id as a summary shows it (a pack's ids: lower case, digits and '-')."""
    return _safe_source_id(value) if isinstance(value, str) and len(value) <= 64 else NOT_SHOWN


@functools.lru_cache(maxsize=256)
def _safe_source_id(value: str) -> str:
    return value if _SOURCE_ID.fullmatch(value) and not find_label_identifier(value) else NOT_SHOWN


def safe_text(value: Any) -> str | None:
    """A source's title or description as a summary shows it: short text of one line with nothing
    that looks identifying (a hand-edited results file given to ``summarize`` may hold anything)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 300 or find_identifier(value) or clean_line(value) != value:
        return NOT_SHOWN
    return value


class Aggregate:
    """Counts over results and errors; merges and round-trips through JSON exactly."""

    def __init__(self, data: dict[str, Any] | None = None):
        d = data or {}
        self.rows = d.get("counts", {}).get("rows_read", 0)
        self.results = d.get("counts", {}).get("results", 0)
        self.errors = d.get("counts", {}).get("errors", 0)
        self.sites: dict[str, int] = dict(d.get("sites", {}))
        self.kinds: dict[str, int] = dict(d.get("findings", {}).get("by_kind", {}))
        self.factors: dict[str, dict[str, int]] = {k: dict(v) for k, v in
                                                   d.get("findings", {}).get("by_factor", {}).items()}
        self.missing: dict[str, int] = dict(d.get("missing", {}))
        self.reasons: dict[str, int] = dict(d.get("errors", {}).get("by_reason", {}))
        self.error_fields: dict[str, int] = dict(d.get("errors", {}).get("by_field", {}))
        # Cases (not findings) per site and factor: the summary page's share of cases raising each factor.
        self.site_factors: dict[str, dict[str, int]] = {k: dict(v) for k, v in
                                                        d.get("cases_by_site_factor", {}).items()}
        self.sources: dict[str, dict[str, str | None]] = {k: dict(v) for k, v in d.get("sources", {}).items()}

    def add_report(self, site: str, findings: list[tuple[str, str]], missing: list[str],
                   sources: list[dict[str, Any]] = ()) -> None:
        """One report: its site, (factor, kind) per finding, the missing fields, the sources it quotes
        (the Report's ``sources``: models, or their dicts read back from a results file)."""
        self.rows += 1
        self.results += 1
        sites, kinds, factors, counted = self.sites, self.kinds, self.factors, self.missing
        sites[site] = sites.get(site, 0) + 1
        for source in sources:
            is_dict = isinstance(source, dict)
            key = _source_key(source.get("id") if is_dict else getattr(source, "id", None))
            if key not in self.sources:
                self.sources[key] = {name: safe_text(source.get(name) if is_dict else getattr(source, name, None))
                                     for name in SOURCE_KEYS}
        for factor, kind in findings:
            kinds[kind] = kinds.get(kind, 0) + 1
            by_kind = factors.get(factor)
            if by_kind is None:
                by_kind = factors[factor] = {}
            by_kind[kind] = by_kind.get(kind, 0) + 1
        at_site = self.site_factors.get(site)
        if at_site is None:
            at_site = self.site_factors[site] = {}
        for factor in dict.fromkeys([factor for factor, _ in findings]):  # once per case
            at_site[factor] = at_site.get(factor, 0) + 1
        for name in missing:
            counted[name] = counted.get(name, 0) + 1

    def add_error(self, reason: str, field_name: str | None) -> None:
        self.rows += 1
        self.errors += 1
        _inc(self.reasons, reason)
        _inc(self.error_fields, field_name or "(none)")

    def merge(self, other: Aggregate) -> None:
        self.rows += other.rows
        self.results += other.results
        self.errors += other.errors
        for mine, theirs in ((self.sites, other.sites), (self.kinds, other.kinds), (self.missing, other.missing),
                             (self.reasons, other.reasons), (self.error_fields, other.error_fields)):
            for key, n in theirs.items():
                _inc(mine, key, n)
        for factor, kinds in other.factors.items():
            target = self.factors.setdefault(factor, {})
            for kind, n in kinds.items():
                _inc(target, kind, n)
        for site, factors in other.site_factors.items():
            target = self.site_factors.setdefault(site, {})
            for factor, n in factors.items():
                _inc(target, factor, n)
        for key, source in other.sources.items():
            self.sources.setdefault(key, dict(source))

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {"rows_read": self.rows, "results": self.results, "errors": self.errors},
            "sites": _sorted(self.sites),
            "findings": {"by_kind": _sorted(self.kinds),
                         "by_factor": {k: _sorted(v) for k, v in sorted(self.factors.items())}},
            "missing": _sorted(self.missing),
            "errors": {"by_reason": _sorted(self.reasons), "by_field": _sorted(self.error_fields)},
            "cases_by_site_factor": {k: _sorted(v) for k, v in sorted(self.site_factors.items())},
            "sources": {k: v for k, v in sorted(self.sources.items())},
        }


def _inc(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


def _sorted(counter: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def summary_json(summary: dict[str, Any]) -> str:
    """The summary file's text (deterministic)."""
    return json.dumps(summary, indent=2, sort_keys=True) + "\n"
