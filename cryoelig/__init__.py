"""cryoelig: explained, non-diagnostic summaries of documented cryoablation factors.

Points to discuss with the multidisciplinary team, each with its rule, the case values that
met it and the verbatim source quote; never a recommendation.

The public API is the names in ``__all__`` (docs/api.md shows them at work)::

    import cryoelig

    pack = cryoelig.load_pack()                      # the default pack set, validated
    case = cryoelig.parse_case({"case_id": "c1", "site": "kidney", "tumor": {"size_cm": 3}}, pack)
    print(cryoelig.review(case, pack).report.model_dump_json(indent=2))

Why imported on first use: ``import cryoelig`` runs for every command before its options are
read, so it loads nothing until one of these names is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Each public name and the module that defines it.
_PUBLIC = {
    "review": "facade", "review_many": "facade", "Review": "facade", "ReviewError": "facade",
    "parse_case": "case.contract", "load_pack": "rulepack.load", "Pack": "rulepack.packmodel",
    "Case": "case.contract", "Report": "report.projection", "read_case": "inputs",
    "explanation_of": "views.explanation", "CaseExplanation": "views.explanation",
    "CryoeligError": "errors", "InputError": "errors", "PackError": "errors", "Problem": "errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'cryoelig' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
