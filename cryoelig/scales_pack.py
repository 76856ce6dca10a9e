"""Load and validate the published-scales pack: a pack whose sources are papers cited, not texts stored.

Why its own loader (phase 1): the source pack's gate checks every quote verbatim against a stored text.
The papers behind the published scales cannot be copied, so there is no text to check against. Instead
every cite names a source id that the pack cites in full (authors, title, journal or book, year,
volume:pages, DOI where one exists) and a non-empty locator (the table or section); the numbers
themselves are checked against each other (bands cover the range without overlap, a rule's band clauses
match its band exactly, a scale's guards are the same in its rules) and each number's verification is in
docs/published-scales.md. Phase 2 folds this into ``rulepack.load_pack`` (see the design note).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .case import case_fields
from .conditions import Condition, Leaf, Node, leaves, make_leaf
from .conditions import evaluate as evaluate_condition
from .errors import PackError, Problem
from .rulepack import PLACEHOLDER, FieldSpec, canonical_json, read_yaml
from .scales import Cite, Scale, ScaleResult, computed_facts, score_all
from .scales_case import scale_case_fields
from .wording import advice_words

SPECIAL_FILES = ("pack.yaml", "scales.yaml", "fields.yaml")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PAGES = re.compile(r"^[A-Za-z]?\d+(-[A-Za-z]?\d+(\.[a-z]\d+)?)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """A source cited in full; no file, because its text is not ours to store."""

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["journal-article", "book", "book-chapter"]
    authors: list[str] = Field(..., min_length=1)
    authors_are_editors: bool = False
    title: str
    journal: str | None = None
    book: str | None = None
    editors: list[str] = []
    edition: str | None = None
    publisher: str | None = None
    place: str | None = None
    year: int = Field(..., ge=1900, le=2100)
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = Field(None, pattern=r"^\d{1,9}$")
    isbn: str | None = Field(None, pattern=r"^97[89]-[\d-]{10,13}$")
    note: str | None = None

    @property
    def short(self) -> str:
        """Author-year, as texts name the paper: 'Mirels 1989', 'Kutikov and Uzzo 2009', 'Fisher et al. 2010'."""
        names = [a.split()[0] for a in self.authors if a != "et al."]
        if len(names) == 1 and "et al." not in self.authors:
            return f"{names[0]} {self.year}"
        if len(names) == 2 and "et al." not in self.authors:
            return f"{names[0]} and {names[1]} {self.year}"
        return f"{names[0]} et al. {self.year}"

    @property
    def text(self) -> str:
        """The full reference in Vancouver style, e.g. for a report's sources section."""
        authors = ", ".join(self.authors) + (", eds." if self.authors_are_editors else ".")
        if self.kind == "journal-article":
            where = f"{self.journal}. {self.year}"
            where += f";{self.volume}" if self.volume else ";"
            where += f"({self.issue})" if self.issue else ""
            where += f":{self.pages}." if self.pages else "."
            ref = f"{authors} {self.title}. {where}"
        elif self.kind == "book-chapter":
            eds = ", ".join(self.editors)
            ref = (f"{authors} {self.title}. In: {eds}, ed. {self.book}. {self.place}: {self.publisher}; "
                   f"{self.year}:{self.pages}.")
        else:
            edition = f" {self.edition}" if self.edition else ""
            ref = f"{authors} {self.title}.{edition} {self.place}: {self.publisher}; {self.year}."
        for label, value in (("doi", self.doi), ("PMID", self.pmid), ("ISBN", self.isbn)):
            if value:
                ref += f" {label}: {value}." if label != "doi" else f" doi:{value}."
        return ref


class Factor(_Strict):
    id: str = Field(..., pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")
    kind: Literal["context"]
    label: str


class NotEncoded(_Strict):
    item: str
    reason: str


class Meta(_Strict):
    name: str
    version: str
    description: str | None = None
    sources: list[Citation] = Field(..., min_length=1)
    factors: list[Factor] = Field(..., min_length=1)
    not_encoded: list[NotEncoded] = []


class RuleSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
    kind: Literal["context"]
    factor: str
    when: Any
    text: str
    cites: list[Cite] = Field(..., min_length=1)


class RuleFile(_Strict):
    area: str
    rules: list[RuleSpec]


class ScalesFile(_Strict):
    scales: list[Scale] = Field(..., min_length=1)


class FieldsFile(_Strict):
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class ScaleRule:
    spec: RuleSpec
    condition: Condition
    area: str
    file: str
    line: int | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(eq=False, repr=False)
class ScalesPack:
    """The validated published-scales pack."""

    directory: Path
    meta: Meta
    scales: list[Scale]
    rules: list[ScaleRule]
    fields: dict[str, FieldSpec]
    sha256: str
    source_by_id: dict[str, Citation] = field(default_factory=dict)
    scale_by_id: dict[str, Scale] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source_by_id = {s.id: s for s in self.meta.sources}
        self.scale_by_id = {s.id: s for s in self.scales}

    def __repr__(self) -> str:
        return f"<ScalesPack {self.name} {self.version} sha256 {self.sha256[:12]}>"

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version

    def score(self, facts: dict[str, Any]) -> list[ScaleResult]:
        return score_all(self.scales, facts)

    def facts_with_totals(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The case's facts plus the computed totals the rules read (``scales.<id>_total``)."""
        return {**facts, **computed_facts(self.score(facts))}

    def fired(self, facts: dict[str, Any]) -> list[ScaleRule]:
        """Rules whose condition is true on these facts (three-valued: unknown does not fire).

        Phase 1 only: phase 2 runs these rules in the one evaluator and the engine with the source pack."""
        full = self.facts_with_totals(facts)
        return [r for r in self.rules if evaluate_condition(r.condition, full, {}) is True]


# ---------------------------------------------------------------- field registry and conditions

@functools.cache
def field_registry() -> dict[str, dict[str, Any]]:
    """Every field the pack may read: the case, the proposed scale fields, ECOG, and the computed totals."""
    fields = {**case_fields(), **scale_case_fields(), "ecog": {"type": "number", "values": None}}
    return fields


_LEAF = re.compile(
    r"^\s*(?P<field>[a-z_]+(?:\.[a-z_]+)?)\s*"
    r"(?:(?P<exists>exists)"
    r"|(?P<notin>not\s+)?in\s*\[(?P<in>[^\]]*)\]"
    r"|(?P<cmp>==|!=|<=|>=|<|>)\s*(?P<value>[A-Za-z0-9_.\-]+))\s*$"
)
_OPS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _scalar(token: str) -> Any:
    token = token.strip()
    if token in ("true", "false"):
        return token == "true"
    for cast in (int, float):
        try:
            return cast(token)
        except ValueError:
            pass
    return token


def parse_condition(raw: Any, fields: dict[str, dict[str, Any]]) -> Condition:
    """The condition language, restricted to what this pack needs (leaves, ``all``, ``any``), read against
    ``fields``. Phase 2 replaces this with ``conditions.parse`` given the same registry; a test keeps the two
    in agreement on the shared grammar."""
    if isinstance(raw, dict) and len(raw) == 1:
        (key, body), = raw.items()
        if key in ("all", "any") and isinstance(body, list) and body:
            return Node(key, tuple(parse_condition(item, fields) for item in body))
        raise ValueError(f"'{key}' is not available in this pack (use a clause, all: [...] or any: [...])")
    if not isinstance(raw, str):
        raise ValueError(f"a condition is a clause or all / any; got {raw!r}")
    match = _LEAF.match(raw)
    if not match:
        raise ValueError(f"cannot read clause '{raw}'")
    name = match["field"]
    if name not in fields:
        raise ValueError(f"unknown field '{name}' in clause '{raw}'")
    spec = fields[name]
    if match["exists"]:
        return make_leaf(name, "exists")
    if match["in"] is not None:
        values = tuple(_scalar(t) for t in match["in"].split(",") if t.strip())
        for value in values:
            _check_value(name, spec, value, "in")
        return make_leaf(name, "not_in" if match["notin"] else "in", values)
    op = _OPS[match["cmp"]]
    value = _scalar(match["value"])
    _check_value(name, spec, value, op)
    return make_leaf(name, op, value)


def _check_value(name: str, spec: dict[str, Any], value: Any, op: str) -> None:
    if op in ("lt", "le", "gt", "ge") and spec["type"] != "number":
        raise ValueError(f"'{name}' is not a number")
    if spec["type"] == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"'{name}' is a number; '{value}' is not")
    elif spec["values"] is not None and value not in spec["values"]:
        raise ValueError(f"'{value}' is not a value of '{name}'")


# ---------------------------------------------------------------- loading

def default_scales_pack_dir() -> Path:
    """The pack in a checkout (rules/published-scales), else the copy installed with the default pack."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules" / "published-scales"
    if (checkout / "pack.yaml").is_file():
        return checkout
    return here / "pack" / "published-scales"


def load_scales_pack(directory: str | Path | None = None) -> ScalesPack:
    """Load and validate the published-scales pack (cached per folder); raises PackError with every problem."""
    path = Path(directory) if directory is not None else default_scales_pack_dir()
    if not (path / "pack.yaml").is_file():
        raise PackError([Problem("no pack.yaml here: not a rule pack folder", file=str(path))])
    return _load_cached(str(path.resolve()))


@functools.lru_cache(maxsize=4)
def _load_cached(directory: str) -> ScalesPack:
    return _load(Path(directory))


def _line_at(data: Any, loc: tuple[Any, ...]) -> int | None:
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line


def _validate(model: type[BaseModel], data: Any, file: str, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            loc = tuple(item["loc"])
            msg = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(f"{'.'.join(map(str, loc))}: {msg}", file=file, line=_line_at(data, loc)))
        return None


def _lint(what: str, text: str, file: str, line: int | None, problems: list[Problem]) -> None:
    words = advice_words(text)
    if words:
        problems.append(Problem(
            f"{what}: directive or advice wording {sorted({w.lower() for w in words})}; a scale names a range "
            "and points to discuss, never a course of action", file=file, line=line))


def _load(directory: Path) -> ScalesPack:
    problems: list[Problem] = []
    pack_file = str(directory / "pack.yaml")
    raw_meta = read_yaml(directory / "pack.yaml")
    meta = _validate(Meta, raw_meta, pack_file, problems)
    if meta is None:
        raise PackError(problems)
    _check_meta(meta, pack_file, problems)
    sources = {s.id for s in meta.sources}
    factors = {f.id for f in meta.factors}
    registry = dict(field_registry())

    scales_file = str(directory / "scales.yaml")
    raw_scales = read_yaml(directory / "scales.yaml")
    parsed = _validate(ScalesFile, raw_scales, scales_file, problems)
    scales: list[Scale] = parsed.scales if parsed else []
    guards: dict[str, Condition] = {}
    for i, scale in enumerate(scales):
        line = _line_at(raw_scales, ("scales", i))
        if scale.fact:
            registry[scale.fact] = {"type": "number", "values": None}
        guard = _check_scale(scale, sources, factors, registry, scales_file, line, problems)
        if guard is not None:
            guards[scale.id] = guard
    if len({s.id for s in scales}) != len(scales):
        problems.append(Problem("a scale id is listed twice", file=scales_file))

    fields: dict[str, FieldSpec] = {}
    raw_fields: Any = None
    if (directory / "fields.yaml").is_file():
        fields_file = str(directory / "fields.yaml")
        raw_fields = read_yaml(directory / "fields.yaml")
        parsed_fields = _validate(FieldsFile, raw_fields, fields_file, problems)
        if parsed_fields is not None:
            fields = parsed_fields.fields
            for name, spec in fields.items():
                line = _line_at(raw_fields, ("fields", name))
                if name not in scale_case_fields() and name != "labs.platelets_per_ul":
                    problems.append(Problem(f"'{name}' is not a scale field", file=fields_file, line=line))
                for part in (spec.label, spec.question, spec.help or ""):
                    _lint(f"field '{name}'", part, fields_file, line, problems)

    rules: list[ScaleRule] = []
    raw_rules: dict[str, Any] = {}
    for path in sorted(p for p in directory.glob("*.yaml") if p.name not in SPECIAL_FILES):
        raw = read_yaml(path)
        raw_rules[path.name] = raw
        rule_file = _validate(RuleFile, raw, str(path), problems)
        for i, spec in enumerate(rule_file.rules if rule_file else []):
            rule = _check_rule(spec, rule_file.area, path, _line_at(raw, ("rules", i)), sources, factors,
                               registry, problems)
            if rule is not None:
                rules.append(rule)

    ids = [r.id for r in rules]
    for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(f"duplicate rule id '{rule_id}'", file=str(directory)))
    _check_bands_against_rules(scales, guards, rules, problems)
    used = {r.spec.factor for r in rules}
    for f in meta.factors:
        if f.id not in used:
            problems.append(Problem(f"factor '{f.id}' is produced by no rule", file=pack_file))
    if problems:
        raise PackError(problems)

    content = {"meta": raw_meta, "scales": raw_scales, "fields": raw_fields, "rules": raw_rules}
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return ScalesPack(directory, meta, scales, rules, fields, digest)


def _check_meta(meta: Meta, file: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for source in meta.sources:
        if source.id in seen:
            problems.append(Problem(f"source '{source.id}' listed twice", file=file))
        seen.add(source.id)
        where = f"source '{source.id}'"
        need = {"journal-article": ("journal", "pages"), "book": ("publisher", "place"),
                "book-chapter": ("book", "editors", "publisher", "place", "pages")}[source.kind]
        for key in need:
            if not getattr(source, key):
                problems.append(Problem(f"{where}: a {source.kind} is cited with its {key}", file=file))
        if source.kind == "journal-article" and not (source.volume or source.issue):
            problems.append(Problem(f"{where}: a journal article is cited with its volume or issue", file=file))
        if source.doi is not None and not DOI.match(source.doi):
            problems.append(Problem(f"{where}: '{source.doi}' is not a DOI (10.<registrant>/<suffix>)", file=file))
        if source.pages is not None and not PAGES.match(source.pages):
            problems.append(Problem(f"{where}: pages '{source.pages}' are not first-last", file=file))
        for text in (source.title, source.book or "", source.note or ""):
            _lint(f"{where} (shown in every report's sources)", text, file, None, problems)
        if not (source.doi or source.isbn or source.note):
            problems.append(Problem(f"{where}: give a DOI or ISBN, or a note saying why there is none", file=file))
    seen = set()
    for factor in meta.factors:
        if factor.id in seen:
            problems.append(Problem(f"factor '{factor.id}' listed twice", file=file))
        seen.add(factor.id)
        if not factor.id.startswith("scales."):
            problems.append(Problem(f"factor '{factor.id}': this pack's factors start with 'scales.'", file=file))
        _lint(f"factor '{factor.id}' label", factor.label, file, None, problems)
    for item in meta.not_encoded:
        _lint(f"not_encoded '{item.item}'", item.reason, file, None, problems)


def _check_cites(what: str, cites: list[Cite], sources: set[str], file: str, line: int | None,
                 problems: list[Problem]) -> None:
    for cite in cites:
        if cite.source not in sources:
            problems.append(Problem(f"{what}: unknown source '{cite.source}'", file=file, line=line))
        if not cite.locator.strip():
            problems.append(Problem(f"{what}: the locator names where in the source", file=file, line=line))


def _check_scale(scale: Scale, sources: set[str], factors: set[str], registry: dict[str, dict[str, Any]],
                 file: str, line: int | None, problems: list[Problem]) -> Condition | None:
    def problem(message: str) -> None:
        problems.append(Problem(f"scale '{scale.id}': {message}", file=file, line=line))

    _check_cites(f"scale '{scale.id}'", scale.cites, sources, file, line, problems)
    texts = [scale.name, scale.applies_to, scale.note or ""]
    texts += [b.label for b in scale.bands] + [lv.description for lv in scale.levels]
    for comp in scale.components:
        texts.append(comp.label)
        texts += [o.label for o in comp.options]
    for text in texts:
        _lint(f"scale '{scale.id}'", text, file, line, problems)
    for name in scale.input_fields:
        if name not in registry:
            problem(f"unknown case field '{name}'")
    for comp in scale.components:
        spec = registry.get(comp.field)
        if spec is None:
            continue
        if comp.choices is not None:
            values = [c.value for c in comp.choices]
            if spec["type"] != "enum" or sorted(values, key=str) != sorted(spec["values"], key=str):
                problem(f"component '{comp.id}': choices {values} differ from the values of '{comp.field}' "
                        f"in the case contract {spec['values']}")
        else:
            _check_cover(f"component '{comp.id}'", comp.ranges or [], 0.0, None, problem)
    for desc in scale.descriptors:
        spec = registry.get(desc.field)
        if spec is not None and not {c.value for c in desc.codes} <= set(spec["values"] or []):
            problem(f"descriptor '{desc.id}': a value is not a value of '{desc.field}'")
    if scale.kind == "score":
        low = sum(c.min_points for c in scale.components)
        high = sum(c.max_points for c in scale.components)
        if (low, high) != (scale.minimum, scale.maximum):
            problem(f"minimum/maximum {scale.minimum}-{scale.maximum} differ from the components' {low}-{high}")
        for total in range(low, high + 1):
            hits = [b.id for b in scale.bands if b.contains(total)]
            if len(hits) != 1:
                problem(f"total {total} falls in {len(hits)} bands ({', '.join(hits) or 'none'}); exactly one")
    elif scale.kind == "measure":
        _check_cover("bands", scale.bands, None, None, problem)
    for band in scale.bands:
        if band.factor not in factors:
            problem(f"band '{band.id}': unknown factor '{band.factor}'")
    if scale.given_factor and scale.given_factor not in factors:
        problem(f"unknown factor '{scale.given_factor}'")
    try:
        return parse_condition(scale.applies_when, registry)
    except ValueError as error:
        problem(f"applies_when: {error}")
        return None


def _check_cover(what: str, ranges: list[Any], low: float | None, high: float | None, problem: Any) -> None:
    """Ranges (or bands) leave no gap and overlap nowhere, probed at and around every bound."""
    bounds = sorted({b for r in ranges for b in r.bounds} | ({low} if low is not None else set()))
    probes = {x for b in bounds for x in (b - 0.001, b, b + 0.001)} | {bounds[0] - 1, bounds[-1] + 1}
    for x in sorted(probes):
        if (low is not None and x < low) or (high is not None and x > high):
            continue
        hits = sum(1 for r in ranges if r.contains(x))
        if hits != 1:
            problem(f"{what}: the value {x:g} falls in {hits} ranges; exactly one")


def _check_rule(spec: RuleSpec, area: str, path: Path, line: int | None, sources: set[str], factors: set[str],
                registry: dict[str, dict[str, Any]], problems: list[Problem]) -> ScaleRule | None:
    file = str(path)
    before = len(problems)

    def problem(message: str) -> None:
        problems.append(Problem(f"rule '{spec.id}': {message}", file=file, line=line))

    try:
        condition = parse_condition(spec.when, registry)
    except ValueError as error:
        problem(str(error))
        condition = None
    if spec.factor not in factors:
        problem(f"unknown factor '{spec.factor}' (not in pack.yaml factors)")
    _lint(f"rule '{spec.id}' text", spec.text, file, line, problems)
    if condition is not None:
        read = {leaf.field for leaf in leaves(condition)}
        for name in PLACEHOLDER.findall(spec.text):
            if name not in read:
                problem(f"placeholder '{{{name}}}' names a field the condition does not read")
    _check_cites(f"rule '{spec.id}'", spec.cites, sources, file, line, problems)
    if len(problems) > before or condition is None:
        return None
    return ScaleRule(spec, condition, area, file, line)


def _check_bands_against_rules(scales: list[Scale], guards: dict[str, Condition], rules: list[ScaleRule],
                               problems: list[Problem]) -> None:
    """Each band (and each 'given' factor) has exactly one rule; the rule's clauses on the scale's value say
    exactly the band's range, and its other clauses are the scale's applies_when."""
    by_factor: dict[str, list[ScaleRule]] = {}
    for rule in rules:
        by_factor.setdefault(rule.spec.factor, []).append(rule)
    for scale in scales:
        value_field = scale.fact if scale.kind == "score" else scale.field
        targets: list[tuple[str, Any]] = [(b.factor, b) for b in scale.bands]
        if scale.given_factor:
            targets.append((scale.given_factor, None))
        for factor, band in targets:
            found = by_factor.get(factor, [])
            if len(found) != 1:
                problems.append(Problem(f"scale '{scale.id}': factor '{factor}' has {len(found)} rules; exactly one"))
                continue
            rule = found[0]
            top = list(rule.condition.items) if isinstance(rule.condition, Node) and rule.condition.op == "all" \
                else [rule.condition]
            own = [x for x in top if isinstance(x, Leaf) and x.field == value_field]
            rest = [x for x in top if x not in own]
            guard = guards.get(scale.id)
            guard_items = list(guard.items) if isinstance(guard, Node) and guard.op == "all" else [guard]

            def mismatch(message: str, rule: ScaleRule = rule) -> None:
                problems.append(Problem(f"rule '{rule.id}': {message}", file=rule.file, line=rule.line))

            if guard is not None and sorted(map(repr, rest)) != sorted(map(repr, guard_items)):
                mismatch(f"its clauses other than those on '{value_field}' differ from scale '{scale.id}' "
                         "applies_when")
            if band is None:
                if [x.op for x in own] != ["exists"]:
                    mismatch(f"a 'given' rule reads '{value_field} exists' and nothing else on it")
                continue
            if not own:
                mismatch(f"no clause on '{value_field}' for band '{band.id}'")
                continue
            probes = {x for b in scale.bands for v in b.bounds for x in (v - 0.001, v, v + 0.001)}
            if scale.kind == "score":
                probes = set(range(int(scale.minimum), int(scale.maximum) + 1))  # type: ignore[arg-type]
            for x in sorted(probes):
                said = all(leaf.evaluate({value_field: x}, {}) for leaf in own)
                if said != band.contains(x):
                    mismatch(f"at {value_field} = {x:g} its clauses say {said}, band '{band.id}' says "
                             f"{band.contains(x)}")
                    break


# ---------------------------------------------------------------- cases and scenarios (phase 1)

def case_facts(data: dict[str, Any], file: str | None = None, row: int | None = None,
               pack: ScalesPack | None = None) -> dict[str, Any]:
    """One nested case (source fields and scale fields together) -> the facts both packs read.

    Phase 1 only: the case is split, the known part goes through ``case.parse_case`` and the scale part
    through ``scales_case.parse_scale_fields``. Phase 2: ``parse_case`` reads everything, ``Case.facts``
    returns it all."""
    from .case import parse_case
    from .scales_case import parse_scale_fields, split_case_data

    base, scale_part = split_case_data(data)
    case = parse_case(base, file=file, row=row)
    scale_fields = parse_scale_fields(scale_part, file=file, row=row,
                                      scales=(pack or load_scales_pack()).scales)
    facts = {**case.facts(), **scale_fields.facts()}
    if case.ecog is not None:
        facts["ecog"] = case.ecog
    return facts


class ScenarioExpect(_Strict):
    factors: list[str] = []
    not_factors: list[str] = []
    totals: dict[str, float] = {}
    status: dict[str, str] = {}
    missing: dict[str, list[str]] = {}


class ScaleScenario(_Strict):
    name: str
    case: dict[str, Any]
    expect: ScenarioExpect


def scenario_failures(pack: ScalesPack) -> list[str]:
    """Every way the pack's scenarios (scenarios/*.yaml) are not met; empty when all hold."""
    failures: list[str] = []
    for path in sorted((pack.directory / "scenarios").glob("*.yaml")):
        scenario = ScaleScenario.model_validate(read_yaml(path))
        facts = case_facts(scenario.case, file=str(path), pack=pack)
        produced = {r.spec.factor for r in pack.fired(facts)}
        results = {r.scale.id: r for r in pack.score(facts)}
        where = f"{path.name} ({scenario.name})"
        for factor in scenario.expect.factors:
            if factor not in produced:
                failures.append(f"{where}: expected {factor}, not produced")
        for factor in scenario.expect.not_factors:
            if factor in produced:
                failures.append(f"{where}: {factor} produced, expected not")
        for scale_id, total in scenario.expect.totals.items():
            if results[scale_id].total != total:
                failures.append(f"{where}: {scale_id} total {results[scale_id].total}, expected {total:g}")
        for scale_id, status in scenario.expect.status.items():
            if results[scale_id].status != status:
                failures.append(f"{where}: {scale_id} status {results[scale_id].status}, expected {status}")
        for scale_id, missing in scenario.expect.missing.items():
            if list(results[scale_id].missing) != missing:
                failures.append(f"{where}: {scale_id} missing {list(results[scale_id].missing)}, expected {missing}")
    return failures
