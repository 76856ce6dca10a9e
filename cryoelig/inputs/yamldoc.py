"""YAML case files under the input grammar: the YAML 1.2 core schema, without its surprises.

Why a restricted loader: PyYAML resolves plain scalars by YAML 1.1, where ``0x10`` is 16,
``010`` is 8, ``1:30`` is 90, ``on``/``y`` are true and ``2024-03-12`` is a date (so a
``case_id`` that is a date got "expected a valid string" instead of the identifier refusal).
Here a plain scalar is ``true``/``false``, ``null``/``~``/empty, a decimal integer, a plain
decimal, or else text; the case model then applies the one input grammar to it.

Also refused, each with one line naming the line of the file: anchors and aliases (``&a``/``*a``:
a kilobyte of nested aliases expands exponentially, "billion laughs"), explicit tags (``!x``;
a tag is never echoed), duplicate keys, nesting deeper than the limit. Safe loading only: libyaml
scans and parses (in C, where installed), and the composer and constructor, where these checks
sit, are PyYAML's safe Python ones.
"""

from __future__ import annotations

import re
from typing import Any

from ..case.limits import MAX_DEPTH, MAX_DIGITS
from ..errors import InputError, Problem
from .jsondoc import duplicate_message, negative_zero


class _Refused(Exception):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message = message
        self.mark = mark


class _CaseChecks:
    """The checks of a case loader, placed before PyYAML's composer and constructor in its bases."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        from yaml.events import AliasEvent

        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, AliasEvent):
            raise _Refused("YAML aliases (*name) are not used in case files", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused("YAML anchors (&name) are not used in case files", event.start_mark)
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refused("unknown YAML tag (not shown): tags are not used in case files", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        from yaml.nodes import MappingNode

        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                hash(key)
            except TypeError:
                raise _Refused("a field name is a list or a mapping (not shown)", key_node.start_mark) from None
            if key in mapping:
                raise _Refused(duplicate_message(key), key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)  # type: ignore[attr-defined]
        return mapping

    def construct_yaml_int(self, node: Any) -> int | str:
        text = self.construct_scalar(node)  # type: ignore[attr-defined]
        if len(text) > MAX_DIGITS + 1 or negative_zero(text):  # refused by the model as text, as written
            return text
        return int(text)

    def construct_yaml_float(self, node: Any) -> float | str:
        text = self.construct_scalar(node)  # type: ignore[attr-defined]
        return float(text) if len(text) <= MAX_DIGITS + 2 else text


def _loader_class() -> type:
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    try:  # libyaml scans and parses in C; composing (where the checks sit) stays in Python
        from yaml.cyaml import CParser as parser_bases
        bases: tuple[type, ...] = (Composer, parser_bases, SafeConstructor, Resolver)
    except ImportError:  # pragma: no cover - PyYAML without libyaml
        bases = (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, Composer, SafeConstructor, Resolver)

    class CaseLoader(_CaseChecks, *bases):  # type: ignore[misc]
        """A safe loader with the core-schema resolvers only, and no anchors, aliases or tags."""

        yaml_implicit_resolvers: dict[str, list[Any]] = {}

        def __init__(self, stream: str) -> None:
            if len(bases) == 4:
                bases[1].__init__(self, stream)
            else:  # pragma: no cover
                for base in bases[:3]:
                    base.__init__(self, *((stream,) if base is yaml.reader.Reader else ()))
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    CaseLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                     list("tTfF"))
    CaseLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
    CaseLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                     re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$"), list("-+0123456789."))
    CaseLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                     ["~", "n", "N", ""])
    CaseLoader.add_constructor("tag:yaml.org,2002:int", CaseLoader.construct_yaml_int)
    CaseLoader.add_constructor("tag:yaml.org,2002:float", CaseLoader.construct_yaml_float)
    return CaseLoader


_LOADER: type | None = None
#: A quoted piece of a YAML error message longer than two characters may be the user's text: not shown.
_QUOTED = re.compile(r"""'[^']{3,}'|"[^"]{3,}\"""")


def loads(text: str, name: str | None = None) -> Any:
    """The decoded document (None for an empty one); InputError naming the line when it is refused."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _loader_class()
    loader = None
    try:
        loader = _LOADER(text)  # the reader checks the characters here already
        return loader.get_single_data()
    except _Refused as error:
        line = error.mark.line + 1 if error.mark is not None else None
        raise InputError([Problem(f"invalid YAML: {error.message}", file=name, line=line)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        reason = _QUOTED.sub("(not shown)", error.problem or "cannot parse")
        raise InputError([Problem(f"invalid YAML: {reason}", file=name,
                                  line=mark.line + 1 if mark else None)]) from None
    except yaml.YAMLError:  # the reader: a control character that YAML does not allow
        raise InputError([Problem("invalid YAML: a special character (such as NUL or a control character) "
                                  "is not allowed", file=name)]) from None
    except RecursionError:
        raise InputError([Problem(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file=name)]) from None
    finally:
        if loader is not None:
            loader.dispose()
