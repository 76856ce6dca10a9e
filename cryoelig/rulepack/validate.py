"""Read a rule pack's files and validate them: schema, references, wording, quotes, content hash.

Why: the pack is data a clinician reviews; this is the gate that makes sure every rule names a
known factor, reads known fields and sites, cites a quote found verbatim in its source, and uses
no directive wording. Every problem is reported in one run with file and line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..case.contract import case_fields
from ..errors import PackError, Problem
from ..scales.scalemodel import Scale, ScalesFile
from ..wording import advice_words, directive_words, own_words
from .conditions import ConditionError, check_derived_placement, derived_refs, leaves, parse
from .conventions import convention_problems, convention_text_problems
from .links import read_links
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
    computed_specs,
    field_specs,
)
from .packyaml import canonical_json, line_at, normalise_space, read_yaml, validate
from .quotes import by_paragraph, check_quote
from .scalecheck import Lint, check_bands_against_rules, check_scales, citation_problems

#: Fields a case gives in another unit, converted by the contract: fields.yaml may word their questions.
ALTERNATE_UNITS = ("tumor.size_mm", "labs.platelets_per_ul")

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
    meta = validate(PackMeta, raw_meta, pack_file, problems)
    if meta is None:
        raise PackError(problems)
    # A pack that cites papers (scales.yaml) is linted for advice words too: its texts are its own words.
    lint = _linter(advice_words if (directory / "scales.yaml").is_file() else directive_words)
    source_texts, source_hashes = _read_sources(directory, meta, problems)
    normalised_sources = {k: by_paragraph(v) for k, v in source_texts.items()}
    _check_meta(meta, pack_file, lint, problems)
    statements, raw_statements = _read_statements(directory, normalised_sources, problems)
    _check_not_encoded(meta, {s.id for s in statements}, pack_file, lint, problems)
    scales, guards, raw_scales = _read_scales(directory, meta, lint, problems)
    specs = {**field_specs([s.id for s in meta.sites] if meta.sites else None), **computed_specs(scales)}
    fields, groups, raw_fields = _read_fields(directory, lint, problems)
    rules, raw_rules = _read_rules(directory, meta, (normalised_sources, specs, lint), problems)
    _check_rule_set(rules, meta, pack_file, problems)
    problems += convention_text_problems(rules, _texts(meta, fields, rules, pack_file, directory))
    if scales:
        check_bands_against_rules(scales, guards, rules, problems)
    links, raw_links = read_links(directory, meta, specs, lint, problems)
    ordered = _evaluation_order(rules, problems)
    if problems:
        raise PackError(problems)
    content = {"meta": raw_meta, "sources_sha256": source_hashes, "statements": raw_statements,
               "fields": raw_fields, "rules": raw_rules}
    if raw_scales is not None:  # a pack without scales keeps the hash it always had
        content["scales"] = raw_scales
    if raw_links is not None:  # likewise a pack without links
        content["links"] = raw_links
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return Pack(directory, meta, ordered, statements, fields, source_texts, digest, groups, scales=scales,
                guards=guards, links=links)


def _linter(words: Any) -> Lint:
    """A wording check that adds its problem to the list: ``words`` finds the words a text may not carry."""
    def lint(what: str, text: str, file: str, line: int | None, problems: list[Problem]) -> None:
        found = words(text)
        if found:
            problems.append(Problem(
                f"{what}: directive wording {sorted({w.lower() for w in found})}; findings name points "
                "to discuss, never a course of action", file=file, line=line))
    return lint


def _read_scales(directory: Path, meta: PackMeta, lint: Lint,
                 problems: list[Problem]) -> tuple[list[Scale], dict[str, Any], Any]:
    """scales.yaml, when the pack has one: the scales, each one's applies_when parsed, the raw data."""
    path = directory / "scales.yaml"
    if not path.is_file():
        return [], {}, None
    raw = read_yaml(path)
    parsed = validate(ScalesFile, raw, str(path), problems)
    if parsed is None:
        return [], {}, raw
    specs = {**field_specs([s.id for s in meta.sites] if meta.sites else None), **computed_specs(parsed.scales)}
    lines = [line_at(raw, ("scales", i)) for i in range(len(parsed.scales))]
    guards = check_scales(parsed.scales, meta, specs, str(path), lines, lint, problems)
    return parsed.scales, guards, raw


def _read_sources(directory: Path, meta: PackMeta, problems: list[Problem]) -> tuple[dict[str, str], dict[str, str]]:
    texts: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for source in meta.sources:
        if source.file is None:  # a paper cited in full: no text is stored
            continue
        path = directory / source.file
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(Problem(f"source '{source.id}' cannot be read: {error}", file=str(path)))
            continue
        texts[source.id] = raw.decode("utf-8")
        hashes[source.id] = hashlib.sha256(raw).hexdigest()
    return texts, hashes


def _check_meta(meta: PackMeta, file: str, lint: Lint, problems: list[Problem]) -> None:
    """Factors, sites and sources listed once each, their texts free of directive wording; sites given,
    or the pack this one adds to; every source stored as a file or cited in full."""
    for what, ids in (("factor", [f.id for f in meta.factors]), ("site", [s.id for s in meta.sites]),
                      ("source", [s.id for s in meta.sources])):
        for twice in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(Problem(f"{what} '{twice}' listed twice", file=file))
    for f in meta.factors:
        lint(f"factor '{f.id}' label", f.label, file, None, problems)
    for site in meta.sites:
        lint(f"site '{site.id}' label", site.label, file, None, problems)
    if bool(meta.sites) == bool(meta.adds_to):
        problems.append(Problem("sites: Field required (the sites a case can name); a pack that adds to "
                                "another pack's sites names that pack in adds_to instead, not both", file=file))
    for source in meta.sources:
        title = own_words(f"\u201c{source.title}\u201d") if source.file is None else source.title  # a paper's words
        for part in (title, source.publisher, source.date, source.description, source.scope):
            lint(f"source '{source.id}'", part or "", file, None, problems)
        if source.file is None:
            citation_problems(source, file, lint, problems)


def _check_not_encoded(meta: PackMeta, statement_ids: set[str], file: str, lint: Lint,
                       problems: list[Problem]) -> None:
    """What is deliberately left out: a statement of the stored text by id, or an item of a paper."""
    for item in meta.not_encoded:
        name = item.statement or item.item
        if (item.statement is None) == (item.item is None):
            problems.append(Problem("not_encoded: give a statement id or an item, not both", file=file))
        elif item.statement is not None and item.statement not in statement_ids:
            problems.append(Problem(f"not_encoded names unknown statement '{item.statement}'", file=file))
        lint(f"not_encoded {name} reason", item.reason, file, None, problems)


def _read_statements(directory: Path, normalised_sources: dict[str, str],
                     problems: list[Problem]) -> tuple[list[Statement], Any]:
    path = directory / "statements.yaml"
    if not path.is_file():
        return [], None
    raw = read_yaml(path)
    parsed = validate(StatementsFile, raw, str(path), problems)
    if parsed is None:
        return [], raw
    for i, st in enumerate(parsed.statements):
        line = line_at(raw, ("statements", i))
        check_quote(parsed.source, st.quote, normalised_sources, str(path), line, problems)
    return parsed.statements, raw


def _read_fields(directory: Path, lint: Lint, problems: list[Problem]
                 ) -> tuple[dict[str, FieldSpec], dict[str, FieldGroup], Any]:
    path = directory / "fields.yaml"
    if not path.is_file():
        return {}, {}, None
    raw = read_yaml(path)
    parsed = validate(FieldsFile, raw, str(path), problems)
    if parsed is None:
        return {}, {}, raw
    known = case_fields()
    for name, spec in parsed.fields.items():
        line = line_at(raw, ("fields", name))
        if name not in known and name not in ALTERNATE_UNITS:
            problems.append(Problem(f"unknown case field '{name}'", file=str(path), line=line))
        for part in (spec.label, spec.question, spec.help or ""):
            lint(f"field '{name}'", part, str(path), line, problems)
    grouped: set[str] = set()
    for group, spec in parsed.groups.items():
        line = line_at(raw, ("groups", group))
        lint(f"group '{group}' label", spec.label, str(path), line, problems)
        for name in spec.fields:
            if name not in known:
                problems.append(Problem(f"group '{group}': unknown case field '{name}'", file=str(path), line=line))
            elif name in grouped:
                problems.append(Problem(f"group '{group}': field '{name}' is in another group", file=str(path),
                                        line=line))
            grouped.add(name)
    return parsed.fields, parsed.groups, raw


def _read_rules(directory: Path, meta: PackMeta, known: tuple[dict[str, str], dict[str, dict[str, Any]], Lint],
                problems: list[Problem]) -> tuple[list[Rule], dict[str, Any]]:
    """Every rule file; ``known``: the sources' texts, the field specs the clauses read, the linter."""
    normalised_sources, specs, lint = known
    factor_kinds = {f.id: f.kind for f in meta.factors}
    sources = {s.id: s.file is not None for s in meta.sources}
    rules: list[Rule] = []
    raw_rules: dict[str, Any] = {}
    for path in rule_files(directory, meta.areas):
        raw = read_yaml(path)
        raw_rules[path.name] = raw
        parsed = validate(RuleFile, raw, str(path), problems)
        if parsed is None:
            continue
        for i, spec in enumerate(parsed.rules):
            line = line_at(raw, ("rules", i))
            rule = _check_rule(spec, parsed.area, path, line,
                               (factor_kinds, specs, normalised_sources, sources, lint), problems)
            if rule is not None:
                rules.append(rule)
    return rules, raw_rules


def _check_rule_set(rules: list[Rule], meta: PackMeta, pack_file: str, problems: list[Problem]) -> None:
    """Rule ids unique; every factor of the vocabulary produced by some rule; one ECOG convention."""
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
    problems += convention_problems(rules)


def _texts(meta: PackMeta, fields: dict[str, FieldSpec], rules: list[Rule], pack_file: str,
           directory: Path) -> list[tuple[str, str, str]]:
    """The pack's own words a report or a question shows, as (what, file, text)."""
    fields_file = str(directory / "fields.yaml")
    out = [(f"factor '{f.id}' label", pack_file, f.label) for f in meta.factors]
    out += [(f"field '{name}'", fields_file, text) for name, spec in fields.items()
            for text in (spec.label, spec.question, spec.help or "")]
    out += [(f"rule '{r.id}'", r.file, text) for r in rules for text in (r.spec.text or "", *r.spec.notes.values())]
    return out


def _check_rule(spec: RuleSpec, area: str, path: Path, line: int | None, known: tuple[Any, ...],
                problems: list[Problem]) -> Rule | None:
    """A rule with its condition parsed, or None after adding its problems. ``known``: the factor kinds,
    the field specs (with the pack's sites), the sources' texts, which sources are stored, the linter."""
    factor_kinds, specs, normalised_sources, stored, lint = known
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
        lint(f"rule '{spec.id}' text", spec.text, file, line, problems)
        if condition is not None:
            read = {leaf.field for leaf in leaves(condition)}
            for name in PLACEHOLDER.findall(spec.text):
                if name not in read:
                    problem(f"placeholder '{{{name}}}' names a field the condition does not read")
    _check_cites(spec, (normalised_sources, stored, lint), file, line, problems)
    clauses = {leaf.text for leaf in leaves(condition)} if condition is not None else set()
    for clause, note in spec.notes.items():
        lint(f"rule '{spec.id}' note", note, file, line, problems)
        if condition is not None and clause not in clauses:
            problem(f"note on '{clause}': no such clause in the condition (clauses: {', '.join(sorted(clauses))})")
    if len(problems) > before or condition is None:
        return None
    return Rule(spec, condition, area, file, line)


def _check_cites(spec: RuleSpec, known: tuple[dict[str, str], dict[str, bool], Lint], file: str,
                 line: int | None, problems: list[Problem]) -> None:
    """A stored source is quoted verbatim (the quote found in its text); a source cited in full is named
    by place (a locator), never quoted: there is no text to check a quote against."""
    normalised_sources, stored, lint = known
    for cite in spec.cites:
        if cite.source not in stored:
            problems.append(Problem(f"unknown source '{cite.source}'", file=file, line=line))
        elif stored[cite.source] != (cite.quote is not None):
            problems.append(Problem(
                f"rule '{spec.id}': cites '{cite.source}' with a {'locator' if cite.quote is None else 'quote'}: "
                "a stored source is quoted verbatim; a source cited in full is named by place (locator), never "
                "quoted", file=file, line=line))
        elif cite.quote is not None:
            check_quote(cite.source, cite.quote, normalised_sources, file, line, problems)
            lint(f"rule '{spec.id}' quote", cite.quote, file, line, problems)
        else:
            lint(f"rule '{spec.id}' locator", cite.locator or "", file, line, problems)


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
    cited = [normalise_space(c.quote) for r in pack.rules for c in r.spec.cites if c.quote]
    not_encoded = {n.statement for n in pack.meta.not_encoded if n.statement}
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
