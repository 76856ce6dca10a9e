"""The catalog part of a pack of published scales: its papers cited in full, each scale with its
components, points, bands and the place in the paper, its rules, and what is deliberately left out."""

from __future__ import annotations

from ..citations import full_reference, short_reference
from ..rulepack.packmodel import Pack
from ..scales.scalemodel import Scale
from ..views.catalog import ScenarioInfo, area_key
from .catalog_rule import anchor, rule_section
from .common import md as _md


def scales_part(pack: Pack, scenarios: list[ScenarioInfo]) -> list[str]:
    meta = pack.meta
    out = [f"# Rule catalog: {meta.name} {meta.version}", ""]
    if meta.description:
        out += [_md(" ".join(meta.description.split())), ""]
    out += [f"- Pack sha256 (this pack's own): `{pack.sha256}`",
            f"- Adds to the pack `{meta.adds_to}` and reads its sites" if meta.adds_to else "- Lists its own sites",
            f"- {len(pack.scales)} published scales, {len(pack.rules)} rules, {len(meta.factors)} factors, "
            f"{len(meta.sources)} papers cited in full, {len(scenarios)} scenarios", "",
            "No text of these papers is stored or copied: a rule names the paper and the place in it (table or "
            "section). Every number below is listed with its verification in docs/published-scales.md.", "",
            "## Papers", "", "| id | reference |", "|---|---|"]
    out += [f"| `{s.id}` | {_md(full_reference(s, s.title, s.publisher))} |" for s in meta.sources]
    out += ["", "## Published scales", ""]
    for scale in pack.scales:
        out += _scale(pack, scale)
    out += ["## Factors", "", "| factor | kind | label | rules |", "|---|---|---|---|"]
    for f in meta.factors:
        rules = ", ".join(f"[`{r.id}`](#{anchor(r.id)})" for r in pack.rules if r.spec.factor == f.id)
        out.append(f"| `{f.id}` | {f.kind} | {_md(f.label)} | {rules} |")
    out += ["", "## Rules by area", ""]
    for area in dict.fromkeys(r.area for r in sorted(pack.rules, key=lambda r: area_key(pack, r))):
        out += [f"### {area}", ""]
        for rule in sorted((r for r in pack.rules if r.area == area), key=lambda r: area_key(pack, r)):
            out += rule_section(pack, rule, scenarios)
    if meta.not_encoded:
        out += ["## Deliberately not encoded", ""]
        out += [f"- **{_md(item.item or item.statement or '')}**: {_md(' '.join(item.reason.split()))}"
                for item in meta.not_encoded]
        out.append("")
    out += ["## Scenarios", "", "| file | scenario | expects | expects absent |", "|---|---|---|---|"]
    out += [f"| `{s.file}` | {_md(s.error or s.name)} | {', '.join(f'`{f}`' for f in s.factors)} | "
            f"{', '.join(f'`{f}`' for f in s.not_factors)} |" for s in scenarios]
    out.append("")
    return out


def _scale(pack: Pack, scale: Scale) -> list[str]:
    cites = "; ".join(
        f"{_md(short_reference(pack.source_by_id[c.source]))} (`{c.source}`), {_md(c.locator or '')}"
        for c in scale.cites)
    out = [f"### {_md(scale.name)}", "", f"- Kind: {scale.kind} \u00b7 applies to {_md(scale.applies_to)}",
           f"- Source: {cites}"]
    if scale.kind == "score":
        out.append(f"- Total `{scale.fact}` from {scale.minimum} to {scale.maximum}, computed from the components; "
                   f"or given as `{scale.total_field}`")
    else:
        out.append(f"- Case field `{scale.field}`" + (f" ({_md(scale.unit)})" if scale.unit else ""))
    if scale.note:
        out.append(f"- Note: {_md(' '.join(scale.note.split()))}")
    out.append("")
    if scale.components:
        out += ["| component | case field | value | points | meaning |", "|---|---|---|---|---|"]
        for comp in scale.components:
            for option in comp.options:
                value = getattr(option, "value", None)
                shown = f"`{value}`" if value is not None else _md(option.text)  # type: ignore[union-attr]
                out.append(f"| {_md(comp.label)} | `{comp.field}` | {shown} | {option.points} | {_md(option.label)} |")
        out.append("")
    if scale.descriptors:
        out += [f"- Descriptor {_md(d.label)} (`{d.field}`): "
                + ", ".join(f"`{c.value}` {c.code}" for c in d.codes) for d in scale.descriptors] + [""]
    if scale.levels:
        out += ["| value | description (paraphrased) |", "|---|---|"]
        out += [f"| {lv.value} | {_md(lv.description)} |" for lv in scale.levels] + [""]
    if scale.bands:
        out += ["| band | range | factor | label |", "|---|---|---|---|"]
        out += [f"| `{b.id}` | {_md(b.text)} | `{b.factor}` | {_md(b.label)} |" for b in scale.bands] + [""]
    return out
