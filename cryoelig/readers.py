"""Compatibility shim: the input layer is now the package ``cryoelig.inputs``.

Why it is kept: ``commands/common.py`` (load_case), ``scenarios.py`` and some tests import these
names from here; the shim keeps them working until they import from ``cryoelig.inputs``.
"""

from typing import Any

from .inputs import parse_document, read_case, read_text

__all__ = ["parse_document", "read_case", "read_text"]


def __getattr__(name: str) -> Any:  # the CSV names load the CSV reader only when asked for
    if name in ("EXTRA_COLUMNS", "header_problems", "known_columns"):
        from .inputs import csvrows

        return getattr(csvrows, name)
    raise AttributeError(name)
