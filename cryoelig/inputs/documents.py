"""One case per file: document formats (YAML, JSON) and interpreters of decoded documents.

The extension point for formats that hold one case per document:

- a **document format** turns text into decoded data (``parse``); it is chosen by the file's
  suffix, else by ``sniff`` on the text (standard input, unknown suffixes), else YAML;
- an **interpreter** turns a decoded document that is not the nested case form into it: it is
  chosen by ``detect`` on the decoded data. A FHIR R4 Bundle is JSON with a ``"resourceType"``:
  the FHIR reader (``fhirdoc``) registers an interpreter named ``"fhir"`` whose ``to_case_data`` calls
  ``cryoelig.inputs.fhir.mapping.read_fhir`` (until then the built-in one says that FHIR is not read).

Register with :func:`register_document_format` / :func:`register_interpreter`; the same
interpreters apply to a case file, a JSONL line and each file of a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..errors import InputError, Problem
from . import jsondoc, yamldoc
from .opening import decode_text


class DocumentFormat(NamedTuple):
    name: str
    suffixes: tuple[str, ...]
    parse: Callable[[str, str], Any]  # (text, file name) -> decoded data; raises InputError
    sniff: Callable[[str], bool] | None = None


class Interpreter(NamedTuple):
    name: str
    detect: Callable[[Any], bool]
    to_case_data: Callable[[Any, str], Any]  # (decoded document, file name) -> nested case form


_FORMATS: dict[str, DocumentFormat] = {}
_INTERPRETERS: dict[str, Interpreter] = {}


def register_document_format(fmt: DocumentFormat) -> None:
    _FORMATS[fmt.name] = fmt


def register_interpreter(interpreter: Interpreter) -> None:
    """Add (or replace, by name) an interpreter; later registrations are tried first."""
    _INTERPRETERS.pop(interpreter.name, None)
    _INTERPRETERS[interpreter.name] = interpreter


def document_suffixes() -> tuple[str, ...]:
    return tuple(s for fmt in _FORMATS.values() for s in fmt.suffixes)


def format_for(name: str, text: str) -> DocumentFormat:
    lower = name.lower()
    for fmt in _FORMATS.values():
        if lower.endswith(fmt.suffixes):
            return fmt
    for fmt in _FORMATS.values():
        if fmt.sniff is not None and fmt.sniff(text):
            return fmt
    return _FORMATS["yaml"]


def parse_text(text: str, name: str) -> Any:
    """Decoded data of a document (YAML or JSON by suffix or content), before any interpreter."""
    return format_for(name, text).parse(text, name)


def interpret(data: Any, name: str) -> Any:
    """The nested case form of a decoded document (FHIR and the like through their interpreter)."""
    for interpreter in reversed(_INTERPRETERS.values()):
        if interpreter.detect(data):
            return interpreter.to_case_data(data, name)
    return data


def decode_document(raw: bytes, name: str) -> Any:
    """Bytes of one case file -> the nested case form (not yet validated)."""
    data = parse_text(decode_text(raw, name), name)
    if data is None:
        raise InputError([Problem("the file is empty", file=name)])
    return interpret(data, name)


def _fhir_not_read(data: Any, name: str) -> Any:
    raise InputError([Problem("a FHIR resource (it has a resourceType): this installation reads the nested "
                              "case form of docs/case-schema.md only", file=name)])


register_document_format(DocumentFormat("json", (".json",), lambda text, name: jsondoc.loads(text, name),
                                        jsondoc.sniff))
register_document_format(DocumentFormat("yaml", (".yaml", ".yml"), lambda text, name: yamldoc.loads(text, name)))
register_interpreter(Interpreter("fhir", lambda data: isinstance(data, dict) and "resourceType" in data,
                                 _fhir_not_read))
