"""The input layer: every way a case arrives, one reader per format, one grammar, bounded resources.

Public entry points:

- :func:`read_case` — one case from a YAML or JSON file, or ``-`` for standard input;
- :func:`open_source` — many cases (``batch``): a CSV or JSONL file, a folder of case files, or
  ``-`` (JSONL on standard input), as a :class:`Source` of raw records with their positions;
- :func:`cryoelig.inputs.fhir.mapping.read_fhir` — FHIR R4 documents (a Bundle, one resource, a CDS
  Hooks prefetch) to the case data of each site and its provenance: the one way FHIR is read, by the
  FHIR plug-in ``fhirdoc`` (case files), the API and the CDS service alike;
- :func:`cryoelig.case.contract.parse_case` stays the one step from decoded data to a validated Case.

Layout (one module per job): ``files`` (regular files only, size caps), ``stdin``, ``lines``
(physical lines), ``jsondoc`` and ``yamldoc`` (documents), ``documents`` (document formats and
interpreters), ``csvrows``, ``jsonlines``, ``folder`` (sources of many records), ``sources``
(stream formats by suffix).

Adding a format (the extension point):

- one case per document (e.g. FHIR, JSON with a ``"resourceType"``): register an
  ``Interpreter`` in ``documents`` (``detect`` on the decoded document, ``to_case_data`` to the
  nested case form); it then applies to case files, JSONL lines and folders alike. A new text
  syntax registers a ``DocumentFormat`` (suffixes, parse, sniff).
- many cases per file (e.g. Parquet, xlsx): a module with a ``Source`` subclass (records with
  positions, a picklable ``decoder()`` returning the nested case form per record, a
  ``fingerprint()`` for ``--resume``) registered as a ``StreamFormat`` in ``sources``; decode the
  cells with ``CsvDecoder.to_data``-style dotted columns so that the input grammar stays one.

A reader module named in :data:`PLUGINS` and present in this package (``inputs/fhirdoc.py``,
``inputs/parquet.py``, ``inputs/xlsx.py``) is imported when the package is, and registers itself;
it imports its own optional dependencies (python-stdnum, pyarrow, openpyxl) only when it reads.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from ..case.limits import MAX_CASE_BYTES, MAX_RECORD_BYTES
from ..case.packterms import PackTerms
from .base import BOM, Decoder, Position, Record, RecordError, Source
from .documents import (
    DocumentFormat,
    Interpreter,
    decode_document,
    interpret,
    parse_text,
    register_document_format,
    register_interpreter,
)
from .opening import decode_text, open_regular, read_file_bytes
from .sources import StreamFormat, open_source, register_stream_format
from .stdin import STDIN_NAME, read_stdin_bytes

__all__ = [
    "BOM", "MAX_CASE_BYTES", "MAX_RECORD_BYTES", "STDIN_NAME", "Decoder", "DocumentFormat", "Interpreter",
    "Position", "Record", "RecordError", "Source", "StreamFormat", "decode_document", "interpret",
    "open_regular", "open_source", "parse_document", "read_case", "read_case_data", "read_text",
    "register_document_format", "register_interpreter", "register_stream_format",
]


def read_case_data(path: str, max_bytes: int = MAX_CASE_BYTES) -> tuple[Any, str]:
    """The nested case form of one case file ('-': standard input), not yet validated, and its name."""
    if path == "-":
        return decode_document(read_stdin_bytes(max_bytes), STDIN_NAME), STDIN_NAME
    return decode_document(read_file_bytes(path, max_bytes), path), path


def read_case(path: str, pack: PackTerms, max_bytes: int = MAX_CASE_BYTES) -> Any:
    """One validated Case of the loaded ``pack`` from a YAML or JSON file, or '-' for standard input."""
    from ..case.contract import parse_case

    data, name = read_case_data(path, max_bytes)
    return parse_case(data, pack, file=name)


def read_text(path: str, max_bytes: int = MAX_CASE_BYTES) -> str:
    """The whole text of a file (or of standard input for '-'), UTF-8, size-capped."""
    if path == "-":
        return decode_text(read_stdin_bytes(max_bytes), STDIN_NAME)
    return decode_text(read_file_bytes(path, max_bytes), path)


def parse_document(text: str, name: str) -> Any:
    """JSON or YAML text (by the name's suffix, else by content) decoded under the input grammar."""
    return parse_text(text, name)


#: Reader modules that register themselves when present (one more format = one more module).
PLUGINS = ("fhirdoc", "parquet", "xlsx")


def _load_plugins() -> None:
    for name in PLUGINS:
        module = f"{__name__}.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


_load_plugins()
