"""The case of one site from a Record: the nested case dict, its label and its provenance.

Why one step per kind of fact: the cancers give the site and the tumor's kind, observations
give the latest value per field, treatments give prior cryoablation, current treatments and
treatments that did not work. Each step says which resource gave which case field (``give``) or
why a resource was left out (``note``), so the provenance lists every resource, never its content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .record import Cancer, Record, Value
from .resources import IgnoredResource, Provenance, ReadResource

_LABEL_ALPHABET = "bcdfghjkmnpqrstvwxz"  # no digits, no vowels: never a record number, never a word


@dataclass
class _Case:
    """The case being built for one site, with what each resource gave or why it was not used."""

    record: Record
    site: str
    data: dict[str, Any]
    single_site: bool
    tumor: dict[str, Any] = field(default_factory=dict)
    gave: dict[int, list[str]] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)  # why a resource was not used
    read_notes: dict[int, list[str]] = field(default_factory=dict)  # what a resource read says beyond its fields
    active_unnamed: list[str] = field(default_factory=list)  # active treatments the case has no value for

    def give(self, index: int, name: str) -> None:
        names = self.gave.setdefault(index, [])
        if name not in names:
            names.append(name)


def case_data(record: Record, site: str | None = None) -> tuple[dict[str, Any], Provenance]:
    """The nested case dict for one site (None: the record's one site), and which resources gave what."""
    site = record.pick_site(site)
    case = _Case(record, site, {"site": site}, single_site=len(record.sites) <= 1)
    _cancers(case)
    _observations(case)
    _treatments(case)
    if case.tumor:
        case.data["tumor"] = case.tumor
    data = {"case_id": case_label(case.data), **case.data}
    return data, _provenance(case)


def _cancers(case: _Case) -> None:
    """The site, and what the cancers say of the tumor: metastatic and its primary (bone),
    histology (skin), metastatic stage (prostate)."""
    cancers = case.record.cancers
    at_site = [c for c in cancers if c.site == case.site]
    for cancer in at_site:
        case.give(cancer.index, "site")
    tumor_facts = {"bone": _bone, "skin": _skin, "prostate": _prostate}.get(case.site)
    if tumor_facts is not None:
        tumor_facts(case, at_site)
    for c in cancers:
        if c.site != case.site and c.index not in case.gave:
            case.notes[c.index] = f"a cancer at another site ({c.site})"


def _bone(case: _Case, at_site: list[Cancer]) -> None:
    secondary = [c for c in at_site if c.kind == "secondary"]
    if not secondary:
        return
    case.tumor["metastatic"] = True
    for c in secondary:
        case.give(c.index, "tumor.metastatic")
    by_id = {c.ident: c for c in case.record.cancers if c.ident}
    related = [by_id[c.related] for c in secondary if c.related in by_id]
    primaries = {r.primary_cancer for r in related if r.primary_cancer}
    if len(primaries) == 1:
        case.tumor["primary_cancer"] = primaries.pop()
        for r in related:
            case.give(r.index, "tumor.primary_cancer")


def _skin(case: _Case, at_site: list[Cancer]) -> None:
    kinds = {c.histology for c in at_site if c.histology}
    if len(kinds) == 1:
        case.tumor["histology"] = kinds.pop()
        for c in at_site:
            if c.histology:
                case.give(c.index, "tumor.histology")


def _prostate(case: _Case, at_site: list[Cancer]) -> None:
    prostate_ids = {c.ident for c in at_site if c.kind == "primary" and c.ident}
    spread = [c for c in case.record.cancers if c.kind == "secondary" and c.related in prostate_ids]
    if spread:
        case.tumor["stage"] = "metastatic"
        for c in spread:
            case.give(c.index, "tumor.stage")


def _observations(case: _Case) -> None:
    """The latest value per field; tumor sizes only when they belong to this site."""
    chosen: dict[str, list[Value]] = {}
    for value in case.record.values:
        if value.field.startswith("tumor."):
            if value.site is not None and value.site != case.site:
                case.notes[value.index] = f"tumor size of a tumor at another site ({value.site})"
                continue
            if value.site is None and not case.single_site:
                case.notes[value.index] = "tumor size that does not say which tumor it measures"
                continue
        chosen.setdefault("tumor.size" if value.field.startswith("tumor.") else value.field, []).append(value)
    for name, values in chosen.items():
        pick = _latest(values, case.notes)
        if pick is None:
            continue
        target = pick.field
        if target.startswith("tumor."):
            case.tumor[target.removeprefix("tumor.")] = _number(pick.value)
        elif target == "symptoms.pain_score":
            case.data.setdefault("symptoms", {})["pain_score"] = pick.value
        else:
            case.data[target] = pick.value
        case.give(pick.index, target)
        if name == "tumor.size":
            for ident, index in case.record.body_structure_index.items():
                if case.record.body_sites.get(ident) == case.site:
                    case.give(index, "tumor.size (location)")


def _treatments(case: _Case) -> None:
    """Prior cryoablation at this site, current treatments, treatments that did not work. A treatment with
    no case value (not classified, or a targeted therapy) is named in the provenance and does not change
    the lists: ``treatments`` lists the kinds the case can name (left unknown when there is none)."""
    current: list[str] = []
    failed: list[str] = []
    for t in case.record.treatments:
        if t.kind is None:
            _unnamed(case, t)
        elif t.kind == "cryoablation":
            _cryoablation(case, t)
        elif t.kind == "thermal_ablation":
            case.notes[t.index] = "thermal ablation has no case field"
        elif t.state == "current":
            if t.kind not in current:
                current.append(t.kind)
            case.give(t.index, "treatments")
        elif t.state == "failed":
            if t.kind not in failed:
                failed.append(t.kind)
            case.give(t.index, "history.failed_treatments")
        else:
            case.notes[t.index] = ("completed treatment: the case records current treatments and "
                                   "treatments that did not work")
    if current:
        case.data["treatments"] = current
    if failed:
        case.data.setdefault("history", {})["failed_treatments"] = failed


def _unnamed(case: _Case, t: Any) -> None:
    """A treatment the case has no value for: read, named, never dropped as if absent."""
    if t.state == "done":
        case.notes[t.index] = f"completed treatment, {t.named}"
        return
    case.read_notes.setdefault(t.index, []).append(
        f"{'an active' if t.state == 'current' else 'a failed'} treatment, {t.named}")
    if t.state == "current":
        case.active_unnamed.append(t.named)


def _cryoablation(case: _Case, t: Any) -> None:
    if t.state != "done":
        case.notes[t.index] = "cryoablation not completed"
    elif t.site is not None and t.site != case.site:
        case.notes[t.index] = f"cryoablation at another site ({t.site})"
    elif t.site is None and not case.single_site:
        case.notes[t.index] = "cryoablation that does not say at which site"
    else:
        case.data.setdefault("history", {})["prior_cryoablation"] = True
        case.give(t.index, "history.prior_cryoablation")


def _provenance(case: _Case) -> Provenance:
    record = case.record
    provenance = Provenance(active_not_classified=list(case.active_unnamed))
    for i, entry in enumerate(record.entries):
        notes = tuple(record.notes.get(i, ())) + tuple(case.read_notes.get(i, ()))
        if i in case.gave or i in case.read_notes:
            provenance.read.append(ReadResource(record.types[i], entry.where, tuple(case.gave.get(i, ())), notes))
        else:
            reason = case.notes.get(i) or record.reasons.get(i) or "nothing in it maps to a case field"
            provenance.ignored.append(IgnoredResource(record.types[i], entry.where, reason))
    return provenance


def _latest(values: list[Value], notes: dict[int, str]) -> Value | None:
    """The most recent value; undated values that disagree leave the field unknown."""
    if len(values) == 1:
        return values[0]
    dated = sorted((v for v in values if v.date), key=lambda v: v.date or "")
    if dated and (len(dated) == 1 or dated[-1].date != dated[-2].date):
        pick = dated[-1]
        for v in values:
            if v is not pick:
                notes[v.index] = "an earlier or undated value (the latest dated one is used)"
        return pick
    if len({(v.field, v.value) for v in values}) == 1:
        return values[0]
    for v in values:
        notes[v.index] = "values disagree and no date says which is the latest: left unknown"
    return None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def case_label(data: dict[str, Any]) -> str:
    """A non-identifying, deterministic case_id: ``fhir-`` + a hash of the de-identified case content.

    Why the content and not the resource ids: ids are record numbers in many systems and a hash
    of a short id space is reversed by trying every number; the case content is already in the
    report, so hashing it reveals nothing more and gives the same label for the same facts.
    Letters only (no digits, no vowels), so the label can never look like a record number.
    """
    canonical = json.dumps({k: v for k, v in data.items() if k != "case_id"}, sort_keys=True, separators=(",", ":"))
    number = int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:12], "big")
    chars = []
    for _ in range(16):
        number, rest = divmod(number, len(_LABEL_ALPHABET))
        chars.append(_LABEL_ALPHABET[rest])
    return "fhir-" + "".join(chars)

