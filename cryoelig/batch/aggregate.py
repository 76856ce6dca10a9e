"""The running aggregate of a batch (counts per site, factor, kind, missing field, error reason,
cases per site and factor, and per published scale the cases with a total computed / given / none and
the cases in each band), and the sources the reports quote (named once by the summary, as by
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
from collections.abc import Iterable
from typing import Any

from ..case.identifiers import find_identifier, find_label_identifier
from ..safetext import clean_line

#: A key the tool writes: lower-case words, dots, '#<n>' positions, list indices.
_TOKEN = re.compile(r"[a-z][a-z0-9_]{0,63}(?:\.(?:[a-z][a-z0-9_]{0,63}|#?\d{1,6}))*|#\d{1,6}(?:\.[a-z0-9_#]{1,64})*")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # a pack's source ids (packmodel.SourceSpec)
NOT_SHOWN = "(not shown)"
#: How a case gives a published scale's total (the report's ``total_from``; a measure's or grade's value is given).
TOTAL_STATES = ("computed", "given", "none")
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
        #: per scale: {"total": {state: cases}, "bands": {band: cases}}, over the cases the scale applies to
        self.scales: dict[str, dict[str, dict[str, int]]] = {k: {part: dict(v.get(part, {})) for part in _SCALE_PARTS}
                                                             for k, v in d.get("scales", {}).items()}

    def add_report(self, site: str, findings: list[tuple[str, str]], missing: list[str],
                   sources: list[dict[str, Any]] = (), scales: Iterable[ScaleState] = ()) -> None:
        """One report: its site, (factor, kind) per finding, the missing fields, the sources it quotes
        (the Report's ``sources``: models, or their dicts read back from a results file), and the
        published scales that apply to it (``scale_states``)."""
        for scale, total, band in scales:
            self.add_scale(scale, total, band)
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

    def add_scale(self, scale: str, total: str, band: str | None, n: int = 1) -> None:
        """``n`` cases the scale applies to, with a total ``total`` (TOTAL_STATES) and ``band`` (None: none)."""
        _inc(self._scale(scale)["total"], total, n)
        if band is not None:
            self.add_band(scale, band, n)

    def add_band(self, scale: str, band: str, n: int) -> None:
        _inc(self._scale(scale)["bands"], band, n)

    def _scale(self, scale: str) -> dict[str, dict[str, int]]:
        entry = self.scales.get(scale)
        if entry is None:
            entry = self.scales[scale] = {part: {} for part in _SCALE_PARTS}
        return entry

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
        for scale, parts in other.scales.items():
            target = self.scales.setdefault(scale, {part: {} for part in _SCALE_PARTS})
            for part in _SCALE_PARTS:
                for key, n in parts[part].items():
                    _inc(target[part], key, n)

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
            "scales": {k: {part: _sorted(v[part]) for part in _SCALE_PARTS} for k, v in sorted(self.scales.items())},
        }


_SCALE_PARTS = ("total", "bands")
#: A published scale on one case as the aggregate counts it: (scale, total state, band or None).
ScaleState = tuple[str, str, "str | None"]


def _get(item: Any, name: str) -> Any:
    """A field of a report's model, or of its dict read back (TypeError for anything else: not a report)."""
    if isinstance(item, dict):
        return item.get(name)
    if isinstance(item, str | int | float | list):
        raise TypeError("not a published-scales section")
    return getattr(item, name)


def _items(section: Any, name: str) -> list[Any]:
    items = _get(section, name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise TypeError("not a published-scales section")
    return items


def scale_states(section: Any) -> list[ScaleState]:
    """The published scales that apply to a case (applies yes or unknown), from its report's
    ``published_scales`` (the model, or its dict read back from a results file; None: no scales):
    each scale's total state (computed from components, given, none) and band. A scale the
    paper does not describe for the case (applies no) is not counted, as its result columns are empty."""
    if section is None:
        return []
    out: list[ScaleState] = []
    for line in _items(section, "lines"):
        if _get(line, "applies") == "no":
            continue
        total = _get(line, "total")
        state = "none" if total is None else "computed" if _get(line, "total_from") == "components" else "given"
        band = _get(line, "band")
        out.append((safe_key(_get(line, "scale")), state, None if band is None else safe_key(band)))
    for item in _items(section, "not_given"):
        out.append((safe_key(_get(item, "scale")), "none", None))
    return out


def _inc(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


def _sorted(counter: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def summary_json(summary: dict[str, Any]) -> str:
    """The summary file's text (deterministic)."""
    return json.dumps(summary, indent=2, sort_keys=True) + "\n"
