"""The rule catalog of a pack as Markdown (docs/rule-catalog.md, `rules catalog`).

Why generated: the catalog a clinician reviews is exactly what the engine runs; a test fails
when the committed catalog is stale.
"""

from __future__ import annotations

from ..report.projection import source_info
from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack
from ..views.catalog import ScenarioInfo, area_key, scenario_index
from .catalog_rule import anchor, rule_section
from .catalog_scales import scales_part
from .common import md as _md
from .common import source_line

CATALOG_COMMAND = "cryoelig rules catalog --out docs/rule-catalog.md"


def catalog_markdown(pack: Pack, **_: object) -> str:
    """The rule catalog of a pack, or of each pack of a set in turn, as Markdown (deterministic;
    independent of where the packs live)."""
    scenarios = scenario_index(pack)
    out = [f"<!-- Generated from the rule pack by `{CATALOG_COMMAND}`. Do not edit by hand:",
           "     change the pack, then regenerate. A test fails when this file is stale. -->", ""]
    if pack.members:  # the one sha256 to match a report or the service to; each part below has its own
        out += [f"Pack set {pack.name} {pack.version}: sha256 `{pack.sha256}`, the one every report, output file, "
                "`--version` and the service name. Each pack below is a part of it, with its own sha256.", ""]
    for part in pack.parts:
        mine = [s for s in scenarios if s.pack == part.name]
        out += scales_part(part, mine) if part.scales else _source_part(part, mine)
    return "\n".join(out)


def _source_part(pack: Pack, scenarios: list[ScenarioInfo]) -> list[str]:
    """The catalog of a pack that quotes a stored source text."""
    meta = pack.meta
    out = [f"# Rule catalog: {meta.name} {meta.version}", ""]
    if meta.description:
        out += [_md(meta.description), ""]
    out += [f"- Pack sha256 (this pack's own): `{pack.sha256}`",
            f"- {len(pack.rules)} rules ({sum(r.kind == 'derived' for r in pack.rules)} of kind derived), "
            f"{len(meta.factors)} factors, {len(pack.statements)} source statements, {len(scenarios)} scenarios",
            "", "Every point a rule raises names the rule, the case values that met its condition and the quote "
            "below; the texts are written for discussion with the multidisciplinary team and are checked by the "
            "pack linter for directive wording.", "", "## Sources", "", "| id | as every view names it | provenance |",
            "|---|---|---|"]
    for s in meta.sources:
        named = source_line(source_info(s)).removeprefix("Source: ")
        out.append(f"| `{s.id}` | {_md(named)} | {_md(s.provenance or '')} |")
    out += ["", "## Factors", "", "| factor | kind | label | rules |", "|---|---|---|---|"]
    for f in meta.factors:
        rules = ", ".join(f"[`{r.id}`](#{anchor(r.id)})" for r in pack.rules if r.spec.factor == f.id)
        out.append(f"| `{f.id}` | {f.kind} | {_md(f.label)} | {rules} |")
    derived = [r for r in pack.rules if r.kind == "derived"]
    if derived:
        out += ["", "## Derived facts", "", "A derived fact is established by a rule of kind `derived` and read by "
                "other rules as `derived NAME`.", "", "| fact | established by | read by |", "|---|---|---|"]
        names = list(dict.fromkeys(r.spec.derives for r in derived))
        for name in names:
            by = ", ".join(f"`{r.id}`" for r in derived if r.spec.derives == name)
            readers = ", ".join(f"`{r.id}`" for r in pack.rules
                                if any(lf.op == "derived" and lf.field == name for lf in leaves(r.condition)))
            out.append(f"| `{name}` | {by} | {readers} |")
    out += ["", "## Rules by area", ""]
    areas = list(dict.fromkeys(r.area for r in sorted(pack.rules, key=lambda r: area_key(pack, r))))
    for area in areas:
        out += [f"### {area}", ""]
        for rule in sorted((r for r in pack.rules if r.area == area), key=lambda r: area_key(pack, r)):
            out += rule_section(pack, rule, scenarios)
    if meta.not_encoded:
        out += ["## Statements deliberately not encoded", ""]
        by_id = {s.id: s for s in pack.statements}
        for item in meta.not_encoded:
            st = by_id.get(item.statement)
            topic = f" ({_md(st.topic)})" if st else ""
            out.append(f"- **{item.statement}**{topic}: \u201c{_md(st.quote) if st else ''}\u201d")
            out.append(f"  - Reason: {_md(item.reason)}")
        out.append("")
    out += ["## Scenarios", "", "Example cases in `scenarios/` with the factors they expect (run them with "
            "`cryoelig rules test`).", "", "| file | scenario | expects | expects absent |", "|---|---|---|---|"]
    for s in scenarios:
        if s.error:
            out.append(f"| `{s.file}` | unreadable: {_md(s.error)} | | |")
            continue
        out.append(f"| `{s.file}` | {_md(s.name)} | {', '.join(f'`{f}`' for f in s.factors)} | "
                   f"{', '.join(f'`{f}`' for f in s.not_factors)} |")
    out.append("")
    return out
