"""The report's section "Published scales (not from the source article)": a projection of the Trace.

Why a section of its own: the published scales are context a team reads beside the source article,
never one of its points. Each line names the scale, its total (or "incomplete: N of M components
given"), its band, the components with their values and points, and the paper with the place in it;
the points the scale's band rules raise are listed under the scale with their basis, and the
components missing are missing information for that scale only (never added to the source article's
missing list). A line for a case value the source article also reads (the kidney tumor's size) names
the source article's point beside it, without reconciling the two.

Speed: a section is fixed by the typed values of the fields the scales read and by which source points
read them, so it is kept per pack on them (``cryoelig.reasoning.memo``: bounded, typed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from ..citations import full_reference, short_reference
from ..reasoning.casefacts import scale_result
from ..reasoning.evaluation import RESULT_WORD, RuleTrace, Trace
from ..reasoning.memo import CaseValues, PerPack, Table, picker
from ..rulepack.conditions import leaves
from ..rulepack.packmodel import Pack, Rule
from ..scales.scalemodel import Scale
from ..scales.scoring import ScaleResult
from .basis import ReportModel, ScaleClause, ScalePackRef, json_value

TITLE = "Published scales (not from the source article)"
NOTICE = ("Published scales and thresholds shown as context beside the source article, each with its paper "
          "and the place in it. A band names a range of a total; it is not a point of the source article and "
          "it decides nothing.")


class ScaleComponent(ReportModel):
    """One component: the case field, its value (None when not given), what it counts as, its points."""

    field: str
    label: str
    value: Any = None
    value_label: str | None = None
    points: int | None = None


class ScalePoint(ReportModel):
    """A point a scale's rule raises: its rule, factor, text and basis (the cites are the line's)."""

    rule: str
    factor: str
    text: str
    basis: list[ScaleClause]


class ScaleCite(ReportModel):
    source: str
    short: str
    locator: str


class ScaleMissing(ReportModel):
    field: str
    label: str


class ScaleLine(ReportModel):
    """One published scale on the case."""

    scale: str
    name: str
    short: str
    kind: Literal["score", "grade", "measure"]
    status: Literal["not_given", "incomplete", "complete", "total_given", "given"]
    summary: str
    total: int | float | None = None
    total_from: Literal["components", "given"] | None = None
    band: str | None = None
    band_label: str | None = None
    #: the band lies at or past a threshold its paper names (scales.yaml ``named_threshold``)
    named_threshold: bool = False
    components: list[ScaleComponent]
    descriptors: str = ""
    applies_to: str
    applies: Literal["yes", "no", "unknown"]
    missing: list[ScaleMissing]
    points: list[ScalePoint]
    beside: list[str]
    note: str | None = None
    cites: list[ScaleCite]


class ScaleNotGiven(ReportModel):
    """A scale published for such a case that the case does not give: its fields, and the paper."""

    scale: str
    short: str
    applies: Literal["yes", "unknown"]
    fields: list[str]
    cite: str


class ScaleSource(ReportModel):
    id: str
    short: str
    reference: str


class PublishedScales(ReportModel):
    """The section: one line per scale the case gives (wholly or in part), the scales published for such a
    case that it does not give, the full references of the papers the lines cite, and the packs."""

    title: str = TITLE
    notice: str = NOTICE
    lines: list[ScaleLine]
    not_given: list[ScaleNotGiven]
    sources: list[ScaleSource]
    packs: list[ScalePackRef]


_APPLIES = {True: "yes", False: "no", None: "unknown"}


#: How a rule's text is filled with the case values (``report.fill``: the source article's points and
#: these show a value alike, e.g. a size cut to 2 decimals that never crosses a threshold).
Fill = Callable[[Rule, Mapping[str, Any]], str]


def published_scales(trace: Trace, source_rules: list[str], fill: Fill, *, replayed: bool = False
                     ) -> PublishedScales | None:
    """The section for one case (None when no pack of the set has published scales). ``source_rules``:
    the rules of the source article's points in the report, to name those read from the same value;
    ``fill``: the report's own filling of a rule's text; ``replayed``: the trace's decisions were read back
    from a file (a compact report expanded), so the section is kept apart, on those decisions too (each
    scale's rules' traces and whether it applies), never handed to a reviewed case."""
    pack = trace.pack
    if not pack.scales:
        return None
    memo = _memo(pack)
    beside = tuple(r for r in source_rules if r in memo.readers)
    if replayed:
        key = (tuple(memo.values.of(trace.facts)), beside, tuple([trace.rule(r) for r in memo.scale_rule_ids]),
               tuple([trace.applies(s.id) for s in pack.scales]))
        hit = memo.replayed.get(key)
        return hit if hit is not None else memo.replayed.keep(key, _section(trace, beside, memo, fill))
    # A scale that is not given and not published for this case adds nothing to the section, so its
    # fields do not enter the key (a kidney scale's tumor size would otherwise make every lung case with a
    # size a new section). Typed: 4 == 4.0 must not hand a section built for one to the other (its basis
    # shows the value as given). Fields still to be asked (the checklist's) change what applies: they key too.
    key = (memo.scale_parts(trace), beside) if not trace.pending else (_scale_parts(trace, memo), beside,
                                                                        trace.pending)
    hit = memo.sections.get(key)
    if hit is None:
        hit = memo.sections.keep(key, _section(trace, beside, memo, fill))
    return hit


class _Memo:
    """Per pack: the fields the section depends on, the source rules that read a scale's field, the
    rules of each scale, and the sections built so far. Holds no Pack (``PerPack``)."""

    def __init__(self, pack: Pack):
        scale_rules: dict[str, list[str]] = {}
        for rule_id, scale_id in pack.rule_scale.items():
            scale_rules.setdefault(scale_id, []).append(rule_id)
        self.scale_rules = scale_rules
        #: Per scale, every case field its part of the section reads: its inputs, what decides whether it
        #: applies, and the fields of its rules (a computed total stands for its inputs).
        self.scale_fields: dict[str, tuple[str, ...]] = {}
        for scale in pack.scales:
            fields = dict.fromkeys(scale.input_fields)
            fields.update(dict.fromkeys(leaf.field for leaf in leaves(pack.guards[scale.id])))
            for rule_id in scale_rules.get(scale.id, []):
                fields.update(dict.fromkeys(f for f in pack.rule_by_id[rule_id].fields
                                            if f not in pack.computed_inputs))
            self.scale_fields[scale.id] = tuple(fields)
        #: Scales read only from fields the source article's rules read too (the AJCC T1a limit from the
        #: tumor size): a case gives those for the source's points, not for the scale, so such a scale is
        #: shown only where the paper describes it (no kidney staging line in a lung case).
        source_fields = {f for part in pack.parts if not part.scales for r in part.rules for f in r.fields}
        self.source_read = frozenset(s.id for s in pack.scales if set(s.input_fields) <= source_fields)
        read = {s.id: set(s.input_fields) for s in pack.scales}
        self.readers: dict[str, list[str]] = {}
        for rule in (r for part in pack.parts for r in part.rules):  # as written: a link's reading is reconciled
            if rule.id not in pack.rule_scale:
                hits = [sid for sid, names in read.items() if names & set(rule.fields)]
                if hits:
                    self.readers[rule.id] = hits
        self.sections: Table = Table()
        self.replayed: Table = Table()
        self.scale_rule_ids = tuple(r for rules in scale_rules.values() for r in rules)
        #: every field some scale's part of the key reads, once, and per scale the positions of its own
        self.values = CaseValues(tuple(dict.fromkeys(f for s in pack.scales for f in self.scale_fields[s.id])))
        at = {f: i for i, f in enumerate(self.values.fields)}
        self.parts = [(scale, picker([at[f] for f in self.scale_fields[scale.id]]), Table())
                      for scale in pack.scales]

    def scale_parts(self, trace: Trace) -> tuple[Any, ...]:
        """Per scale, its part of the section key (see ``published_scales``): None when the scale adds
        nothing, else the key parts of its fields; whether it adds anything is kept on those, so a
        case's part is a tuple look-up and one dictionary hit per scale instead of scoring and guarding every
        scale (a quarter of a batch row's report, measured)."""
        values = self.values.of(trace.facts)
        out = []
        for scale, pick, table in self.parts:
            key = pick(values)
            nothing = table.get(key)
            if nothing is None:
                result = scale_result(trace.pack, scale.id, trace.facts)
                nothing = table.keep(key, _adds_nothing(result, trace.applies(scale.id), self))
            out.append(None if nothing else key)
        return tuple(out)


_memo = PerPack(_Memo).get


def _scale_parts(trace: Trace, memo: _Memo) -> tuple[Any, ...]:
    """The key parts computed in full, for a trace with fields still to be asked (the checklist): a
    scale's "adds nothing" then depends on those too."""
    values = memo.values.of(trace.facts)
    return tuple([None if _adds_nothing(result, trace.applies(result.scale.id), memo) else pick(values)
                  for result, (_, pick, _) in zip(trace.scales, memo.parts, strict=True)])


def _adds_nothing(result: ScaleResult, applies: bool | None, memo: _Memo) -> bool:
    """A scale the case does not start, or gives only through the source article's fields, where the
    paper does not describe it: no line and no 'not given' item."""
    return applies is False and (result.status == "not_given" or result.scale.id in memo.source_read)


def _section(trace: Trace, beside: tuple[str, ...], memo: _Memo, fill: Fill) -> PublishedScales:
    pack = trace.pack
    lines: list[ScaleLine] = []
    not_given: list[ScaleNotGiven] = []
    for result in trace.scales:
        scale = result.scale
        applies = trace.applies(scale.id)
        if _adds_nothing(result, applies, memo):
            continue
        if result.status == "not_given":
            if applies is not False:
                not_given.append(_not_given(trace, scale, applies, memo.scale_rules.get(scale.id, [])))
            continue
        near = [r for r in beside if scale.id in memo.readers[r]]
        lines.append(_line(trace, result, applies, memo.scale_rules.get(scale.id, []), near, fill))
    cited = dict.fromkeys(c.source for line in lines for c in line.cites)
    sources = [ScaleSource(id=s, short=short_reference(pack.source_by_id[s]),
                           reference=full_reference(pack.source_by_id[s], pack.source_by_id[s].title,
                                                    pack.source_by_id[s].publisher)) for s in cited]
    packs = [ScalePackRef(name=p.name, version=p.version, sha256=p.sha256) for p in pack.parts if p.scales]
    return PublishedScales(lines=lines, not_given=not_given, sources=sources, packs=packs)


def _not_given(trace: Trace, scale: Scale, applies: bool | None, rule_ids: list[str]) -> ScaleNotGiven:
    """What the case would give for the scale: what decides whether it applies, then its components."""
    pack = trace.pack
    fields = dict.fromkeys(f for r in rule_ids for f in trace.rule(r).waits_on if f not in pack.computed_inputs)
    fields.update(dict.fromkeys(f for f in pack.asked_fields([scale.value_field], trace.facts)
                                if f != scale.total_field))
    return ScaleNotGiven(scale=scale.id, short=scale.short, applies=_APPLIES[applies],  # type: ignore[arg-type]
                         fields=list(fields), cite=short_reference(pack.source_by_id[scale.cites[0].source]))


def _line(trace: Trace, result: ScaleResult, applies: bool | None, rule_ids: list[str],
          beside: list[str], fill: Fill) -> ScaleLine:
    pack, facts, scale = trace.pack, trace.facts, result.scale
    traces = [trace.rule(r) for r in rule_ids]
    missing: dict[str, None] = {}
    if applies is not False:
        missing.update(dict.fromkeys(result.missing))
        for rt in traces:
            missing.update(dict.fromkeys(f for f in rt.waits_on if f not in pack.computed_inputs))
    components = [ScaleComponent(field=c.field, label=c.label, value=c.value, value_label=c.value_label,
                                 points=c.points) for c in result.components]
    summary = result.summary
    if applies is False:
        summary += f"; given, and the paper describes the scale for {scale.applies_to}"
    return ScaleLine(
        scale=scale.id, name=scale.name, short=scale.short, kind=scale.kind, status=result.status,
        summary=summary, total=result.total, total_from=result.total_from,
        band=result.band.id if result.band else None, band_label=result.band.label if result.band else None,
        named_threshold=bool(result.band and result.band.named_threshold),
        components=components, descriptors=result.descriptors, applies_to=scale.applies_to,
        applies=_APPLIES[applies],  # type: ignore[arg-type]
        missing=[ScaleMissing(field=f, label=_label(pack, result, f)) for f in missing],
        points=[_point(rt, facts, fill) for rt in traces if rt.result is True],
        beside=[f"{r}: {pack.factor_by_id[pack.rule_by_id[r].spec.factor or ''].label}" for r in beside],
        note=" ".join(scale.note.split()) if scale.note else None,
        cites=[ScaleCite(source=c.source, short=short_reference(pack.source_by_id[c.source]),
                         locator=c.locator or "") for c in scale.cites],
    )


def _label(pack: Pack, result: ScaleResult, name: str) -> str:
    """A missing field's label: the component's (the line names the scale), else the pack's wording of the
    field, else the scale's name."""
    component = next((c for c in result.components if c.field == name), None)
    if component is not None:
        return component.label
    if name in pack.fields:
        return pack.fields[name].label
    return result.scale.name if name == result.scale.field else name


def _point(rt: RuleTrace, facts: Any, fill: Fill) -> ScalePoint:
    spec = rt.rule.spec
    basis = [ScaleClause(clause=leaf.text, field=leaf.field, value=json_value(facts.get(leaf.field)),
                         result=RESULT_WORD[result]) for leaf, result in rt.deciders]  # type: ignore[arg-type]
    return ScalePoint(rule=rt.rule.id, factor=spec.factor or "", text=fill(rt.rule, facts), basis=basis)


