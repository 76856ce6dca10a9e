"""Read a rule pack's YAML files with the line of every mapping, and validate them against a model.

Why apart from the gate (``cryoelig.rulepack.validate``): every problem a pack author sees names the file and
the line, so reading keeps the lines; checking what the files say is the gate's job.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import PackError, Problem


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


def line_at(data: Any, loc: tuple[Any, ...]) -> int | None:
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


def validate(model: type[BaseModel], data: Any, file: str, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            loc = tuple(item["loc"])
            where = ".".join(str(p) for p in loc)
            msg = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(Problem(f"{where}: {msg}", file=file, line=line_at(data, loc)))
        return None


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
