"""Load and validate a rule pack: schema, references, wording, quotes, content hash.

Why: the pack is data a clinician reviews; the loader is the gate that makes sure every
rule names a known factor, reads known fields, cites a quote found verbatim in its source,
and uses no directive wording. Every problem is reported in one run with file and line.
"""


import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import packcache
from .conditions import Condition, ConditionError, check_derived_placement, derived_refs, leaves, parse
from .errors import PackError, Problem
from .wording import directive_words

SPECIAL_FILES = ("pack.yaml", "statements.yaml", "fields.yaml")
AREA_ORDER = ("general", "skin", "liver", "prostate", "kidney", "lung", "bone", "repeat", "risks", "care")
FINDING_KINDS = ("supporting", "caution", "context")
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")


# ---------------------------------------------------------------- file schemas

class _Strict(BaseModel):
    # defer_build: a pack read from the validated cache never pays for building validators.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]*$")
    file: str
    title: str
    publisher: str | None = None
    provenance: str | None = None


class FactorSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")
    kind: Literal["supporting", "caution", "context"]
    label: str


class NotEncoded(_Strict):
    statement: str
    reason: str


class PackMeta(_Strict):
    name: str
    version: str
    description: str | None = None
    sources: list[SourceSpec] = Field(..., min_length=1)
    factors: list[FactorSpec] = Field(..., min_length=1)
    not_encoded: list[NotEncoded] = []


class Cite(_Strict):
    source: str
    quote: str = Field(..., min_length=3)


class RuleSpec(_Strict):
    id: str = Field(..., pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
    kind: Literal["supporting", "caution", "context", "derived"]
    factor: str | None = None
    derives: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")
    when: Any
    text: str | None = None
    cites: list[Cite] = Field(..., min_length=1)


class RuleFile(_Strict):
    area: str
    rules: list[RuleSpec]


class Statement(_Strict):
    id: str
    topic: str
    quote: str


class StatementsFile(_Strict):
    source: str
    statements: list[Statement]


class FieldSpec(_Strict):
    label: str
    question: str
    help: str | None = None


class FieldsFile(_Strict):
    fields: dict[str, FieldSpec]


# ---------------------------------------------------------------- loaded pack

@dataclass(frozen=True)
class Rule:
    """A validated rule with its parsed condition and where it was written."""

    spec: RuleSpec
    condition: Condition
    area: str
    file: str
    line: int | None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @functools.cached_property
    def fields(self) -> list[str]:
        """Case fields this rule reads, in order, without repeats (computed once per rule)."""
        seen: dict[str, None] = {}
        for leaf in leaves(self.condition):
            if leaf.op != "derived":
                seen.setdefault(leaf.field, None)
        return list(seen)


@dataclass(eq=False)
class Pack:
    """A loaded, validated rule pack. Rules are in evaluation order (derivers first)."""

    directory: Path
    meta: PackMeta
    rules: list[Rule]
    statements: list[Statement]
    fields: dict[str, FieldSpec]
    source_texts: dict[str, str]
    sha256: str
    rule_by_id: dict[str, Rule] = field(default_factory=dict)
    factor_by_id: dict[str, FactorSpec] = field(default_factory=dict)
    source_by_id: dict[str, SourceSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rule_by_id = {r.id: r for r in self.rules}
        self.factor_by_id = {f.id: f for f in self.meta.factors}
        self.source_by_id = {s.id: s for s in self.meta.sources}

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version

    def derivers(self, name: str) -> list[Rule]:
        return [r for r in self.rules if r.spec.derives == name]


# ---------------------------------------------------------------- YAML with line numbers

class _LineDict(dict):
    line: int | None = None


@functools.cache
def _line_loader() -> type:
    """A safe YAML loader that remembers the line of every mapping (for messages).

    Built on first use: a pack read from the validated cache never imports yaml."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):  # type: ignore[misc, valid-type]
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
        keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key(s) {sorted(map(str, duplicates))}", node.start_mark
            )
        data = _LineDict(loader.construct_mapping(node, deep=True))
        data.line = node.start_mark.line + 1
        return data

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return LineLoader


def read_yaml(path: Path) -> Any:
    """Safe-load a YAML file; errors become PackError with the file and line."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PackError([Problem(f"cannot read: {error}", file=str(path))]) from None
    try:
        return yaml.load(text, Loader=_line_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(error, "problem", None) or str(error)
        raise PackError([Problem(f"invalid YAML: {reason}", file=str(path), line=line)]) from None


def _line_at(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest mapping on a pydantic error location."""
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
            where = ".".join(str(p) for p in loc)
            msg = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(f"{where}: {msg}", file=file, line=_line_at(data, loc)))
        return None


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- loading

def default_pack_dir() -> Path:
    """The pack next to the sources in a checkout, else the copy installed in the package."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules"
    if (checkout / "pack.yaml").is_file():
        return checkout
    return here / "pack"


def _rule_files(directory: Path) -> list[Path]:
    files = [p for p in directory.glob("*.yaml") if p.name not in SPECIAL_FILES]
    order = {name: i for i, name in enumerate(AREA_ORDER)}
    return sorted(files, key=lambda p: (order.get(p.stem, len(order)), p.name))


@functools.lru_cache(maxsize=8)
def _load_cached(directory: str) -> Pack:
    return _load(Path(directory))


def load_pack(directory: str | Path | None = None) -> Pack:
    """Load and validate a pack (cached per folder for the process); raises PackError."""
    path = Path(directory) if directory is not None else default_pack_dir()
    if not (path / "pack.yaml").is_file():
        raise PackError([Problem("no pack.yaml here: not a rule pack folder", file=str(path))])
    return _load_cached(str(path.resolve()))


def _load(directory: Path) -> Pack:
    """A validated pack: from the cache when the same files were validated before, else from YAML."""
    fingerprint = packcache.fingerprint(directory)
    cached = packcache.read(fingerprint)
    if cached is not None:
        try:
            return _from_cache(directory, cached)
        except (KeyError, TypeError, ValueError, ConditionError):
            pass  # a cache written by another version: validate from the files again
    pack = _load_files(directory)
    packcache.write(fingerprint, _to_cache(pack))
    return pack


def _to_cache(pack: Pack) -> dict[str, Any]:
    return {
        "meta": pack.meta.model_dump(mode="json"),
        "statements": [s.model_dump(mode="json") for s in pack.statements],
        "fields": {k: v.model_dump(mode="json") for k, v in pack.fields.items()},
        "rules": [{"spec": r.spec.model_dump(mode="json"), "area": r.area, "file": r.file, "line": r.line}
                  for r in pack.rules],
        "source_texts": pack.source_texts,
        "sha256": pack.sha256,
    }


def _from_cache(directory: Path, data: dict[str, Any]) -> Pack:
    """Rebuild a pack that was validated before (same files, same library): no YAML, no validation."""
    raw_meta = data["meta"]
    meta = PackMeta.model_construct(
        **{**raw_meta,
           "sources": [SourceSpec.model_construct(**x) for x in raw_meta["sources"]],
           "factors": [FactorSpec.model_construct(**x) for x in raw_meta["factors"]],
           "not_encoded": [NotEncoded.model_construct(**x) for x in raw_meta["not_encoded"]]})
    rules = []
    for item in data["rules"]:
        raw = item["spec"]
        spec = RuleSpec.model_construct(**{**raw, "cites": [Cite.model_construct(**c) for c in raw["cites"]]})
        rules.append(Rule(spec, parse(raw["when"]), item["area"], item["file"], item["line"]))
    return Pack(directory, meta, rules, [Statement.model_construct(**x) for x in data["statements"]],
                {k: FieldSpec.model_construct(**v) for k, v in data["fields"].items()},
                data["source_texts"], data["sha256"])


def _load_files(directory: Path) -> Pack:
    problems: list[Problem] = []
    raw_meta = read_yaml(directory / "pack.yaml")
    meta = _validate(PackMeta, raw_meta, str(directory / "pack.yaml"), problems)
    if meta is None:
        raise PackError(problems)

    source_texts: dict[str, str] = {}
    source_hashes: dict[str, str] = {}
    for source in meta.sources:
        path = directory / source.file
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(Problem(f"source '{source.id}' cannot be read: {error}", file=str(path)))
            continue
        source_texts[source.id] = raw.decode("utf-8")
        source_hashes[source.id] = hashlib.sha256(raw).hexdigest()
    normalised_sources = {k: normalise_space(v) for k, v in source_texts.items()}

    factor_kinds = {f.id: f.kind for f in meta.factors}
    seen_factors: set[str] = set()
    for f in meta.factors:
        if f.id in seen_factors:
            problems.append(Problem(f"factor '{f.id}' listed twice", file=str(directory / "pack.yaml")))
        seen_factors.add(f.id)
        _lint_words(f"factor '{f.id}' label", f.label, str(directory / "pack.yaml"), None, problems)

    statements: list[Statement] = []
    raw_statements: Any = None
    statements_path = directory / "statements.yaml"
    if statements_path.is_file():
        raw_statements = read_yaml(statements_path)
        parsed = _validate(StatementsFile, raw_statements, str(statements_path), problems)
        if parsed is not None:
            statements = parsed.statements
            for i, st in enumerate(statements):
                line = _line_at(raw_statements, ("statements", i))
                _check_quote(parsed.source, st.quote, normalised_sources, str(statements_path), line, problems)
    statement_ids = {s.id for s in statements}
    for item in meta.not_encoded:
        if item.statement not in statement_ids:
            problems.append(Problem(f"not_encoded names unknown statement '{item.statement}'",
                                    file=str(directory / "pack.yaml")))
        _lint_words(f"not_encoded {item.statement} reason", item.reason, str(directory / "pack.yaml"), None,
                    problems)

    fields: dict[str, FieldSpec] = {}
    raw_fields: Any = None
    fields_path = directory / "fields.yaml"
    if fields_path.is_file():
        raw_fields = read_yaml(fields_path)
        parsed_fields = _validate(FieldsFile, raw_fields, str(fields_path), problems)
        if parsed_fields is not None:
            from .case import case_fields

            known = case_fields()
            for name, spec in parsed_fields.fields.items():
                line = _line_at(raw_fields, ("fields", name))
                if name not in known:
                    problems.append(Problem(f"unknown case field '{name}'", file=str(fields_path), line=line))
                for part in (spec.label, spec.question, spec.help or ""):
                    _lint_words(f"field '{name}'", part, str(fields_path), line, problems)
            fields = parsed_fields.fields

    rules: list[Rule] = []
    raw_rules: dict[str, Any] = {}
    for path in _rule_files(directory):
        raw = read_yaml(path)
        raw_rules[path.name] = raw
        parsed_file = _validate(RuleFile, raw, str(path), problems)
        if parsed_file is None:
            continue
        for i, spec in enumerate(parsed_file.rules):
            line = _line_at(raw, ("rules", i))
            rule = _check_rule(spec, parsed_file.area, path, line, factor_kinds, normalised_sources, problems)
            if rule is not None:
                rules.append(rule)

    ids: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in ids:
            first = ids[rule.id]
            problems.append(Problem(f"duplicate rule id '{rule.id}' (first at {first.file}:{first.line})",
                                    file=rule.file, line=rule.line))
        ids[rule.id] = rule

    used_factors = {r.spec.factor for r in rules}
    for f in meta.factors:
        if f.id not in used_factors:
            problems.append(Problem(f"factor '{f.id}' is produced by no rule", file=str(directory / "pack.yaml")))

    ordered = _evaluation_order(rules, problems)
    if problems:
        raise PackError(problems)

    content = {
        "meta": raw_meta,
        "sources_sha256": source_hashes,
        "statements": raw_statements,
        "fields": raw_fields,
        "rules": raw_rules,
    }
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return Pack(directory, meta, ordered, statements, fields, source_texts, digest)


def _lint_words(what: str, text: str, file: str, line: int | None, problems: list[Problem]) -> None:
    words = directive_words(text)
    if words:
        problems.append(Problem(
            f"{what}: directive wording {sorted(set(w.lower() for w in words))}; findings name points "
            "to discuss, never a course of action", file=file, line=line))


def _check_quote(source: str, quote: str, normalised_sources: dict[str, str], file: str,
                 line: int | None, problems: list[Problem]) -> None:
    if source not in normalised_sources:
        problems.append(Problem(f"unknown source '{source}'", file=file, line=line))
    elif normalise_space(quote) not in normalised_sources[source]:
        problems.append(Problem(f"quote not found verbatim in source '{source}': \"{quote[:80]}\"",
                                file=file, line=line))


def _check_rule(spec: RuleSpec, area: str, path: Path, line: int | None, factor_kinds: dict[str, str],
                normalised_sources: dict[str, str], problems: list[Problem]) -> Rule | None:
    file = str(path)
    before = len(problems)

    def problem(message: str) -> None:
        problems.append(Problem(f"rule '{spec.id}': {message}", file=file, line=line))

    try:
        condition = parse(spec.when)
        check_derived_placement(condition)
    except ConditionError as error:
        problem(str(error))
        condition = None
    if spec.kind == "derived":
        if not spec.derives:
            problem("a derived rule needs 'derives: <name>'")
        if spec.factor or spec.text:
            problem("a derived rule establishes a fact; it has no factor or text")
    else:
        if spec.derives:
            problem("'derives' is only for kind: derived")
        if not spec.factor:
            problem("needs a 'factor' from the pack's vocabulary")
        elif spec.factor not in factor_kinds:
            problem(f"unknown factor '{spec.factor}' (not in pack.yaml factors)")
        elif factor_kinds[spec.factor] != spec.kind:
            problem(f"kind '{spec.kind}' differs from factor '{spec.factor}' kind '{factor_kinds[spec.factor]}'")
        if not spec.text:
            problem("needs a clinician-facing 'text'")
        else:
            _lint_words(f"rule '{spec.id}' text", spec.text, file, line, problems)
            if condition is not None:
                read = {leaf.field for leaf in leaves(condition)}
                for name in PLACEHOLDER.findall(spec.text):
                    if name not in read:
                        problem(f"placeholder '{{{name}}}' names a field the condition does not read")
    for cite in spec.cites:
        _check_quote(cite.source, cite.quote, normalised_sources, file, line, problems)
        _lint_words(f"rule '{spec.id}' quote", cite.quote, file, line, problems)
    if len(problems) > before or condition is None:
        return None
    return Rule(spec, condition, area, file, line)


def _evaluation_order(rules: list[Rule], problems: list[Problem]) -> list[Rule]:
    """Stable order where every rule comes after the rules deriving the facts it reads."""
    derived_by: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.spec.derives:
            derived_by.setdefault(rule.spec.derives, []).append(rule)
    level: dict[str, int] = {}

    def depth(rule: Rule, trail: tuple[str, ...]) -> int:
        if rule.id in level:
            return level[rule.id]
        if rule.id in trail:
            raise ConditionError(" -> ".join((*trail, rule.id)))
        result = 0
        for name in derived_refs(rule.condition):
            for deriver in derived_by.get(name, []):
                result = max(result, 1 + depth(deriver, (*trail, rule.id)))
        level[rule.id] = result
        return result

    for rule in rules:
        for name in derived_refs(rule.condition):
            if name not in derived_by:
                problems.append(Problem(f"rule '{rule.id}': no rule derives '{name}'", file=rule.file,
                                        line=rule.line))
        try:
            depth(rule, ())
        except ConditionError as cycle:
            problems.append(Problem(f"derived facts form a cycle: {cycle}", file=rule.file, line=rule.line))
            level.setdefault(rule.id, 0)
    return sorted(rules, key=lambda r: level.get(r.id, 0))


def coverage_problems(pack: Pack) -> list[Problem]:
    """Source statements neither cited by a rule (quote overlap) nor listed as not encoded."""
    cited = [normalise_space(c.quote) for r in pack.rules for c in r.spec.cites]
    not_encoded = {n.statement for n in pack.meta.not_encoded}
    problems = []
    for st in pack.statements:
        quote = normalise_space(st.quote)
        covered = any(c in quote or quote in c for c in cited)
        if not covered and st.id not in not_encoded:
            problems.append(Problem(
                f"statement {st.id} ({st.topic}) is cited by no rule and not listed in not_encoded",
                file=str(pack.directory / "statements.yaml")))
        if covered and st.id in not_encoded:
            problems.append(Problem(
                f"statement {st.id} is listed as not encoded but a rule cites it",
                file=str(pack.directory / "pack.yaml")))
    return problems
