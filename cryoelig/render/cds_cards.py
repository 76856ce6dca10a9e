"""A Report as CDS Hooks 2.0 cards: information only, never an order.

Why these choices: every card has ``indicator: "info"`` and no ``suggestions``, ``actions``
or ``selectionBehavior`` (a suggestion would place or change an order; the tool never
proposes a treatment). The ``summary`` is the finding's own text (linted pack wording), cut to 139
characters at a word; ``detail`` is Markdown with the rule, the basis with the case values,
the verbatim source quote, the pack and the non-diagnostic notice. ``source`` names the tool,
the pack version and the cited document. Absent fields are left out, never null.

A card's ``uuid`` is random (uuid4), new for every card of every response: two patients, two
hookInstances or two calls never share one (issue 25), and feedback names the card it is about; the
service's audit trail records which uuids a response carried. Nothing in it derives from the record.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from ..report.headline import is_background
from ..report.projection import Finding, Report, format_value
from ..rulepack.load import Pack
from .common import clause_text, md
from .kinds import KIND_HEADINGS
from .scale_lines import markdown_section

SUMMARY_LIMIT = 139
CARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cryoelig:cds-hooks:card")
#: A card holds one point: the report's section headings (render/kinds.py) in the singular.
KIND_TITLE = {"supporting": "Documented factor present", "caution": "Point of caution",
              "context": "Background from the source"}


def summary(text: str) -> str:
    """One line under 140 characters, cut at a word with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[:SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "\u2026"


def content_key(site: str, facts: dict[str, Any]) -> str:
    content = json.dumps({"site": site, "facts": facts}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def card_uuid() -> str:
    """A random card uuid (uuid4): never the same for two cards, two calls or two patients."""
    return str(uuid.uuid4())


def uuid_for(pack_sha256: str, rule: str, key: str) -> str:
    return str(uuid.uuid5(CARD_NAMESPACE, f"{pack_sha256}|{rule}|{key}"))


def _source(pack: Pack, source_ids: list[str]) -> dict[str, Any]:
    titles = [pack.source_by_id[s].title for s in source_ids if s in pack.source_by_id] or [
        s.title for s in pack.parts[0].meta.sources]  # the source article's (a set's papers are the scales')
    return {"label": f"cryoelig rule pack {pack.name} {pack.version} \u00b7 source: {'; '.join(titles)}"}


def _footer(report: Report) -> list[str]:
    p = report.pack
    return ["", f"Rule pack {md(p.name)} {md(p.version)}, sha256 `{p.sha256}`.", "", f"*{md(report.disclaimer)}*"]


def _finding_lines(report: Report, f: Finding) -> list[str]:
    lines = [f"**{KIND_TITLE[f.kind]}** \u00b7 site {md(format_value(report.site))} \u00b7 rule `{f.rule}` "
             f"\u00b7 factor `{f.factor}`", "", md(f.text), "",
             "Basis (the rule's conditions with the case values):", ""]
    lines += [f"- {md(clause_text(c))}" for c in f.basis]
    for s in f.sources:
        lines += ["", f"> \u201c{md(s.quote)}\u201d", ">", f"> \u2014 {md(s.title)} (`{s.source}`)"]
    return lines


def _finding_card(report: Report, pack: Pack, f: Finding) -> dict[str, Any]:
    lines = _finding_lines(report, f) + _footer(report)
    return {"uuid": card_uuid(), "summary": summary(f.text), "indicator": "info",
            "detail": "\n".join(lines), "source": _source(pack, [s.source for s in f.sources])}


def _summary_card(report: Report, pack: Pack) -> dict[str, Any]:
    """The first card: the headline's counts, then each point in one line (the cards after it hold the basis)."""
    h = report.headline
    assert h is not None  # every report made by report_of has one
    lines = [f"**{md(h.text)}**", ""]
    lines += [f"- {KIND_TITLE[f.kind]}: {md(f.text.partition(': the source')[0])} (rule `{f.rule}`)"
              for f in report.findings if f.kind != "context"]
    lines += [f"- Published-scale band: {md(b.short)} {md(b.summary)}" for b in h.threshold_bands]
    context = [f for f in report.findings if f.kind == "context" and not is_background(f)]
    if context:
        lines.append(f"- Background from the source for this case: {len(context)} (rules "
                     + ", ".join(f"`{f.rule}`" for f in context) + ")")
    if h.background:
        lines.append(f"- {md(h.background)}")
    if report.missing:
        lines.append(f"- {KIND_HEADINGS['missing']}: {len(report.missing)} fields")
    return {"uuid": card_uuid(), "summary": summary(h.text.split(" (", 1)[0]),
            "indicator": "info", "detail": "\n".join(lines + _footer(report)), "source": _source(pack, [])}


def _background_card(report: Report, pack: Pack, found: list[Finding]) -> dict[str, Any]:
    """The background every case of the site gets, folded into one card (each point with its basis)."""
    lines: list[str] = []
    for f in found:
        lines += [*(["", "---", ""] if lines else []), *_finding_lines(report, f)]
    text = report.headline.background if report.headline and report.headline.background else found[0].text
    return {"uuid": card_uuid(), "summary": summary(text), "indicator": "info",
            "detail": "\n".join(lines + _footer(report)),
            "source": _source(pack, list(dict.fromkeys(s.source for f in found for s in f.sources)))}


def _missing_card(report: Report, pack: Pack, active: list[str]) -> dict[str, Any]:
    """The facts the record does not give; when treatments are among them while the record has active
    treatments the case has no value for, the card says so (a treatment is active, not absent)."""
    labels = [m.label for m in report.missing]
    head = f"Not in the record, so {sum(len(m.rules) for m in report.missing)} documented points are unchecked: "
    lines = [f"**{KIND_HEADINGS['missing']}** \u00b7 site {md(format_value(report.site))}", "",
             "A fact the record does not give is unknown, never taken as no.", ""]
    lines += [f"- **{md(m.label)}** (`{m.field}`): {md(m.why)} Rules waiting: "
              + ", ".join(f"`{r}`" for r in m.rules) for m in report.missing]
    if active and any(m.field == "treatments" for m in report.missing):
        lines += ["", "The record has active treatments the case has no value for, so `treatments` is left "
                      "unknown rather than read as none:", ""] + [f"- {md(a)}" for a in active]
    lines += _footer(report)
    return {"uuid": card_uuid(), "summary": summary(head + ", ".join(labels)),
            "indicator": "info", "detail": "\n".join(lines), "source": _source(pack, [])}


def _input_card(report: Report, pack: Pack, provenance: dict[str, Any]) -> dict[str, Any]:
    read, ignored = provenance.get("read", []), provenance.get("ignored", [])
    lines = [f"**Record data read** \u00b7 site {md(format_value(report.site))}", "",
             "Only coded fields listed in the cryoelig FHIR mapping are read; demographics are never read.", "",
             "| resource | where | case fields | notes |", "|---|---|---|---|"]
    lines += [f"| {r['resource']} | {md(r['where'])} | {md(', '.join(r['fields']) or 'none')} | "
              f"{md('; '.join(r.get('notes', [])))} |" for r in read]
    if ignored:
        lines += ["", "| resource not used | where | why |", "|---|---|---|"]
        lines += [f"| {i['resource']} | {md(i['where'])} | {md(i['reason'])} |" for i in ignored]
    lines += _footer(report)
    text = (f"Record data used for the {format_value(report.site)} summary: {len(read)} FHIR resources read, "
            f"{len(ignored)} not used")
    return {"uuid": card_uuid(), "summary": summary(text), "indicator": "info",
            "detail": "\n".join(lines), "source": _source(pack, [])}


def _scales_card(report: Report, pack: Pack) -> dict[str, Any] | None:
    """The published scales the record gives, as one card (the report's section, never a source point)."""
    section = report.published_scales
    if section is None or not section.lines:
        return None
    text = f"{section.title}: " + ", ".join(line.short for line in section.lines)
    lines = markdown_section(report, sources=True)
    lines[0] = f"**{section.title}** \u00b7 site {md(format_value(report.site))}"
    return {"uuid": card_uuid(), "summary": summary(text), "indicator": "info",
            "detail": "\n".join(lines + _footer(report)), "source": _scales_source(pack, section)}


def _scales_source(pack: Pack, section: Any) -> dict[str, Any]:
    """The tool, the pack and the source article as on every card, then the papers the scales cite."""
    label = _source(pack, [])["label"]
    papers = ", ".join(s.short for s in section.sources)
    return {"label": f"{label} \u00b7 published scales: {papers}" if papers else label}


def cards_for(report: Report, pack: Pack, provenance: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Cards for one report: the summary first (the headline), one per point to discuss (the background every
    case of the site gets folded into one card, last of them), one for missing information, one for the
    published scales the record gives, one for the data read."""
    cards = [_summary_card(report, pack)] if report.headline is not None else []
    cards += [_finding_card(report, pack, f) for f in report.findings if not is_background(f)]
    if background := [f for f in report.findings if is_background(f)]:
        cards.append(_background_card(report, pack, background))
    if report.missing:
        cards.append(_missing_card(report, pack, (provenance or {}).get("active_treatments_not_classified", [])))
    if (scales := _scales_card(report, pack)) is not None:  # after the source article's cards
        cards.append(scales)
    if provenance is not None:
        cards.append(_input_card(report, pack, provenance))
    return cards


def unread_card(pack: Pack, why: str, unplaced: list[tuple[str, str, list[str]]]) -> dict[str, Any]:
    """The one card when the record cannot be read for this purpose: no cancer Condition is placed at a
    site. It names each Condition not placed by its position, why, and the codes seen (system and code,
    shown by the reader only when well formed), and what would let cryoelig read them: never silence."""
    lines = ["**The record could not be read for a cryoablation summary**", "",
             "cryoelig summarizes one tumor site from the record's current cancer Conditions. None could be placed "
             "at a site it reads, so nothing was summarized: this does not say there is nothing to discuss.", "",
             "| Condition | why it was not placed | codes seen |", "|---|---|---|"]
    lines += [f"| {md(where)} | {md(reason)} | {md(', '.join(codes) or 'none')} |" for where, reason, codes in unplaced]
    part = pack.parts[0]  # the pack as every report names it (render/cds_cards._footer)
    lines += ["", f"What would let cryoelig read them: {md(why)}.", "",
              f"Rule pack {md(part.name)} {md(part.version)}, sha256 `{part.sha256}`."]
    key = hashlib.sha256(json.dumps(unplaced).encode("utf-8")).hexdigest()
    return {"uuid": uuid_for(pack.sha256, "record-not-read", key), "indicator": "info",
            "summary": summary("cryoelig could not read this record for a cryoablation summary: no cancer "
                               "Condition could be placed at a site"),
            "detail": "\n".join(lines), "source": {"label": f"cryoelig rule pack {pack.name} {pack.version}"}}
