"""Load a rule pack: validated from its files once, then from the validated-pack cache.

Why: the pack is data a clinician reviews; ``cryoelig.rulepack.validate`` is the gate that validates
it, ``cryoelig.rulepack.packmodel`` the shape every other module reads. This module is the one entry,
``load_pack(directory)``, cached per folder for the process; without a folder it loads the
default set of packs (the source pack and the packs beside it: ``cryoelig.rulepack.packset``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..citations import Cite
from ..errors import PackError, Problem
from ..scales.scalemodel import Scale
from . import packcache
from .conditions import ConditionError, parse
from .links import LinkSpec, link_of
from .packmodel import (
    PLACEHOLDER,
    FactorSpec,
    FieldGroup,
    FieldSpec,
    NotEncoded,
    Pack,
    PackMeta,
    Rule,
    RuleSpec,
    SiteSpec,
    SourceSpec,
    Statement,
    computed_specs,
    field_specs,
)
from .packset import combine, default_pack_dirs, set_problems
from .validate import coverage_problems, load_files, normalise_space

__all__ = ["PLACEHOLDER", "Pack", "Rule", "coverage_problems", "load_pack", "load_pack_set", "normalise_space"]


@functools.lru_cache(maxsize=8)
def _load_cached(directory: str) -> Pack:
    return _load(Path(directory))


def load_pack(directory: str | Path | Sequence[str | Path] | None = None) -> Pack:
    """Load and validate one pack (cached per folder for the process); raises PackError. Several
    folders: those packs loaded together; none: the default set, the source pack with the packs that
    add to it (``load_pack_set``)."""
    if directory is None or isinstance(directory, list | tuple):
        return load_pack_set(directory or None)
    path = Path(directory)
    if not (path / "pack.yaml").is_file():
        raise PackError([Problem("no pack.yaml here: not a rule pack folder", file=str(path))])
    return _load_cached(str(path.resolve()))


def load_pack_set(directories: Iterable[str | Path] | None = None) -> Pack:
    """The packs of these folders loaded together (default: ``default_pack_dirs()``), one Pack; a
    single folder gives that pack itself. Raises PackError with every problem found."""
    paths = tuple(Path(d) for d in directories) if directories is not None else default_pack_dirs()
    if not paths:
        raise PackError([Problem("no rule pack folder given")])
    resolved = []
    for path in paths:
        if not (path / "pack.yaml").is_file():
            raise PackError([Problem("no pack.yaml here: not a rule pack folder", file=str(path))])
        resolved.append(str(path.resolve()))
    return _load_set(tuple(dict.fromkeys(resolved)))


@functools.lru_cache(maxsize=8)
def _load_set(directories: tuple[str, ...]) -> Pack:
    packs = [load_pack(d) for d in directories]
    problems = set_problems(packs)
    if problems:
        raise PackError(problems)
    if len(packs) == 1:
        return packs[0]
    return combine(sorted(packs, key=lambda p: p.meta.adds_to is not None))


def _load(directory: Path) -> Pack:
    """A validated pack: from the cache when the same files were validated before, else from YAML."""
    fingerprint = packcache.fingerprint(directory)
    cached = packcache.read(fingerprint)
    if cached is not None:
        try:
            return _from_cache(directory, cached)
        except (KeyError, TypeError, ValueError, ConditionError):
            pass  # a cache written by another version: validate from the files again
    pack = load_files(directory)
    packcache.write(fingerprint, _to_cache(pack))
    return pack


def _to_cache(pack: Pack) -> dict[str, Any]:
    return {
        "meta": pack.meta.model_dump(mode="json"),
        "statements": [s.model_dump(mode="json") for s in pack.statements],
        "fields": {k: v.model_dump(mode="json") for k, v in pack.fields.items()},
        "groups": {k: v.model_dump(mode="json") for k, v in pack.groups.items()},
        "rules": [{"spec": r.spec.model_dump(mode="json"), "area": r.area, "file": r.file, "line": r.line}
                  for r in pack.rules],
        "source_texts": pack.source_texts,
        "sha256": pack.sha256,
        "scales": [s.model_dump(mode="json") for s in pack.scales],
        "links": [link.spec.model_dump(mode="json", by_alias=True) for link in pack.links],
    }


def _from_cache(directory: Path, data: dict[str, Any]) -> Pack:
    """Rebuild a pack that was validated before (same files, same library): no YAML, no validation
    (except the published scales, few and nested)."""
    raw_meta = data["meta"]
    meta = PackMeta.model_construct(
        **{**raw_meta,
           "sources": [SourceSpec.model_construct(**x) for x in raw_meta["sources"]],
           "sites": [SiteSpec.model_construct(**x) for x in raw_meta["sites"]],
           "factors": [FactorSpec.model_construct(**x) for x in raw_meta["factors"]],
           "not_encoded": [NotEncoded.model_construct(**x) for x in raw_meta["not_encoded"]]})
    scales = [Scale.model_validate(x) for x in data["scales"]]
    specs = {**field_specs([s.id for s in meta.sites] if meta.sites else None), **computed_specs(scales)}
    rules = []
    for item in data["rules"]:
        raw = item["spec"]
        spec = RuleSpec.model_construct(**{**raw, "cites": [Cite.model_construct(**c) for c in raw["cites"]]})
        rules.append(Rule(spec, parse(raw["when"], fields=specs), item["area"], item["file"], item["line"]))
    guards = {s.id: parse(s.applies_when, fields=specs) for s in scales}
    links = [link_of(LinkSpec.model_validate(x), specs) for x in data["links"]]
    return Pack(directory, meta, rules, [Statement.model_construct(**x) for x in data["statements"]],
                {k: FieldSpec.model_construct(**v) for k, v in data["fields"].items()},
                data["source_texts"], data["sha256"],
                {k: FieldGroup.model_construct(**v) for k, v in data["groups"].items()}, scales=scales, guards=guards,
                links=links)
