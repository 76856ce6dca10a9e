"""Read a rule pack's files and validate them: schema, references, wording, quotes, content hash.

Why: the pack is data a clinician reviews; this is the gate that makes sure every rule names a
known factor, reads known fields and sites, cites a quote found verbatim in its source, and uses
no directive wording. Every problem is reported in one run with file and line.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .case import case_fields
from .conditions import ConditionError, check_derived_placement, derived_refs, leaves, parse
from .errors import PackError, Problem
from .packmodel import (
    PLACEHOLDER,
    SPECIAL_FILES,
    FieldGroup,
    FieldsFile,
    FieldSpec,
    Pack,
    PackMeta,
    Rule,
    RuleFile,
    RuleSpec,
    Statement,
    StatementsFile,
    field_specs,
)
from .wording import directive_words

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


# ---------------------------------------------------------------- validating

def rule_files(directory: Path, areas: list[str]) -> list[Path]:
    """The pack's rule files in reading order: the pack's ``areas`` first, then the rest by name."""
    files = [p for p in directory.glob("*.yaml") if p.name not in SPECIAL_FILES]
    order = {name: i for i, name in enumerate(areas)}
    return sorted(files, key=lambda p: (order.get(p.stem, len(order)), p.name))


def load_files(directory: Path) -> Pack:
    """Validate a pack folder from its files; raises PackError with every problem found."""
    problems: list[Problem] = []
    pack_file = str(directory / "pack.yaml")
    raw_meta = read_yaml(directory / "pack.yaml")
    meta = _validate(PackMeta, raw_meta, pack_file, problems)
    if meta is None:
        raise PackError(problems)
    source_texts, source_hashes = _read_sources(directory, meta, problems)
    normalised_sources = {k: normalise_space(v) for k, v in source_texts.items()}
    _check_meta(meta, pack_file, problems)
    statements, raw_statements = _read_statements(directory, normalised_sources, problems)
    statement_ids = {s.id for s in statements}
    for item in meta.not_encoded:
        if item.statement not in statement_ids:
            problems.append(Problem(f"not_encoded names unknown statement '{item.statement}'", file=pack_file))
        _lint_words(f"not_encoded {item.statement} reason", item.reason, pack_file, None, problems)
    fields, groups, raw_fields = _read_fields(directory, problems)
    rules, raw_rules = _read_rules(directory, meta, normalised_sources, problems)
    _check_rule_set(rules, meta, pack_file, problems)
    ordered = _evaluation_order(rules, problems)
    if problems:
        raise PackError(problems)
    content = {"meta": raw_meta, "sources_sha256": source_hashes, "statements": raw_statements,
               "fields": raw_fields, "rules": raw_rules}
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return Pack(directory, meta, ordered, statements, fields, source_texts, digest, groups)


def _read_sources(directory: Path, meta: PackMeta, problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]]:
    texts: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for source in meta.sources:
        path = directory / source.file
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(Problem(f"source '{source.id}' cannot be read: {error}", file=str(path)))
            continue
        texts[source.id] = raw.decode("utf-8")
        hashes[source.id] = hashlib.sha256(raw).hexdigest()
    return texts, hashes


def _check_meta(meta: PackMeta, file: str, problems: list[Problem]) -> None:
    """Factors and sites listed once each, their labels free of directive wording."""
    seen: set[str] = set()
    for f in meta.factors:
        if f.id in seen:
            problems.append(Problem(f"factor '{f.id}' listed twice", file=file))
        seen.add(f.id)
        _lint_words(f"factor '{f.id}' label", f.label, file, None, problems)
    sites: set[str] = set()
    for site in meta.sites:
        if site.id in sites:
            problems.append(Problem(f"site '{site.id}' listed twice", file=file))
        sites.add(site.id)
        _lint_words(f"site '{site.id}' label", site.label, file, None, problems)
    for source in meta.sources:
        for part in (source.title, source.publisher, source.date, source.description, source.scope):
            _lint_words(f"source '{source.id}'", part or "", file, None, problems)


def _read_statements(directory: Path, normalised_sources: dict[str, str],
                     problems: list[Problem]) -> tuple[list[Statement], Any]:
    path = directory / "statements.yaml"
    if not path.is_file():
        return [], None
    raw = read_yaml(path)
    parsed = _validate(StatementsFile, raw, str(path), problems)
    if parsed is None:
        return [], raw
    for i, st in enumerate(parsed.statements):
        line = _line_at(raw, ("statements", i))
        _check_quote(parsed.source, st.quote, normalised_sources, str(path), line, problems)
    return parsed.statements, raw


def _read_fields(directory: Path, problems: list[Problem]
                 ) -> tuple[dict[str, FieldSpec], dict[str, FieldGroup], Any]:
    path = directory / "fields.yaml"
    if not path.is_file():
        return {}, {}, None
    raw = read_yaml(path)
    parsed = _validate(FieldsFile, raw, str(path), problems)
    if parsed is None:
        return {}, {}, raw
    known = case_fields()
    for name, spec in parsed.fields.items():
        line = _line_at(raw, ("fields", name))
        if name not in known:
            problems.append(Problem(f"unknown case field '{name}'", file=str(path), line=line))
        for part in (spec.label, spec.question, spec.help or ""):
            _lint_words(f"field '{name}'", part, str(path), line, problems)
    grouped: set[str] = set()
    for group, spec in parsed.groups.items():
        line = _line_at(raw, ("groups", group))
        _lint_words(f"group '{group}' label", spec.label, str(path), line, problems)
        for name in spec.fields:
            if name not in known:
                problems.append(Problem(f"group '{group}': unknown case field '{name}'", file=str(path), line=line))
            elif name in grouped:
                problems.append(Problem(f"group '{group}': field '{name}' is in another group", file=str(path),
                                        line=line))
            grouped.add(name)
    return parsed.fields, parsed.groups, raw


def _read_rules(directory: Path, meta: PackMeta, normalised_sources: dict[str, str],
                problems: list[Problem]) -> tuple[list[Rule], dict[str, Any]]:
    factor_kinds = {f.id: f.kind for f in meta.factors}
    specs = field_specs([s.id for s in meta.sites])
    rules: list[Rule] = []
    raw_rules: dict[str, Any] = {}
    for path in rule_files(directory, meta.areas):
        raw = read_yaml(path)
        raw_rules[path.name] = raw
        parsed = _validate(RuleFile, raw, str(path), problems)
        if parsed is None:
            continue
        for i, spec in enumerate(parsed.rules):
            line = _line_at(raw, ("rules", i))
            rule = _check_rule(spec, parsed.area, path, line, (factor_kinds, specs, normalised_sources), problems)
            if rule is not None:
                rules.append(rule)
    return rules, raw_rules


def _check_rule_set(rules: list[Rule], meta: PackMeta, pack_file: str, problems: list[Problem]) -> None:
    """Rule ids unique; every factor of the vocabulary produced by some rule."""
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
            problems.append(Problem(f"factor '{f.id}' is produced by no rule", file=pack_file))


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


def _check_rule(spec: RuleSpec, area: str, path: Path, line: int | None,
                known: tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, str]],
                problems: list[Problem]) -> Rule | None:
    """A rule with its condition parsed, or None after adding its problems.
    ``known``: the factor kinds, the field specs (with the pack's sites) and the sources."""
    factor_kinds, specs, normalised_sources = known
    file = str(path)
    before = len(problems)

    def problem(message: str) -> None:
        problems.append(Problem(f"rule '{spec.id}': {message}", file=file, line=line))

    try:
        condition = parse(spec.when, fields=specs)
        check_derived_placement(condition)
    except ConditionError as error:
        problem(str(error))
        condition = None
    for message in _kind_problems(spec, factor_kinds):
        problem(message)
    if spec.kind != "derived" and spec.text:
        _lint_words(f"rule '{spec.id}' text", spec.text, file, line, problems)
        if condition is not None:
            read = {leaf.field for leaf in leaves(condition)}
            for name in PLACEHOLDER.findall(spec.text):
                if name not in read:
                    problem(f"placeholder '{{{name}}}' names a field the condition does not read")
    for cite in spec.cites:
        _check_quote(cite.source, cite.quote, normalised_sources, file, line, problems)
        _lint_words(f"rule '{spec.id}' quote", cite.quote, file, line, problems)
    clauses = {leaf.text for leaf in leaves(condition)} if condition is not None else set()
    for clause, note in spec.notes.items():
        _lint_words(f"rule '{spec.id}' note", note, file, line, problems)
        if condition is not None and clause not in clauses:
            problem(f"note on '{clause}': no such clause in the condition (clauses: {', '.join(sorted(clauses))})")
    if len(problems) > before or condition is None:
        return None
    return Rule(spec, condition, area, file, line)


def _kind_problems(spec: RuleSpec, factor_kinds: dict[str, str]) -> list[str]:
    """What the rule's kind requires: derived rules a fact name only, others a factor and a text."""
    if spec.kind == "derived":
        out = [] if spec.derives else ["a derived rule needs 'derives: <name>'"]
        if spec.factor or spec.text:
            out.append("a derived rule establishes a fact; it has no factor or text")
        return out
    out = ["'derives' is only for kind: derived"] if spec.derives else []
    if not spec.factor:
        out.append("needs a 'factor' from the pack's vocabulary")
    elif spec.factor not in factor_kinds:
        out.append(f"unknown factor '{spec.factor}' (not in pack.yaml factors)")
    elif factor_kinds[spec.factor] != spec.kind:
        out.append(f"kind '{spec.kind}' differs from factor '{spec.factor}' kind '{factor_kinds[spec.factor]}'")
    if not spec.text:
        out.append("needs a clinician-facing 'text'")
    return out


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
