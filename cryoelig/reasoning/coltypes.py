"""The types of a batch's typed columns, without pyarrow: each case field's kind and each published scale's
total and band column.

Why one place: the results of ``--report full`` (CSV, xlsx, Parquet) and the analysis table all hold a
``total.<scale>`` column per published scale of the pack and a ``band.<scale>`` column per scale with bands;
named and typed here once, a Parquet file, a CSV file and the table cannot disagree on them. Without pyarrow
because the CSV results exist without the ``[parquet]`` extra; ``reasoning/columns.py`` maps the type names
to Arrow types (``TYPES``).
"""

from __future__ import annotations

import functools
from typing import Any, get_args

from pydantic import BaseModel

from ..case.contract import Case, case_fields

#: The Arrow type name of a total by the kind of the field it is read from (a score's total field is whole).
_TOTAL_TYPES = {"whole": "int64", "number": "float64"}


def model_fields() -> dict[str, Any]:
    """Dotted name -> pydantic FieldInfo, every field of the case form (groups opened)."""
    out = {}
    for name, info in Case.model_fields.items():
        sub = [a for a in get_args(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if sub:
            out.update({f"{name}.{n}": i for n, i in sub[0].model_fields.items()})
        else:
            out[name] = info
    return out


def base_type(annotation: Any) -> Any:
    """The type under Annotated[...] and Optional[...]."""
    while True:
        if getattr(annotation, "__metadata__", None) is not None:
            annotation = get_args(annotation)[0]
            continue
        args = [a for a in get_args(annotation) if a is not type(None)]
        if type(None) in get_args(annotation) and args:
            annotation = args[0]
            continue
        return annotation


@functools.cache
def field_kinds() -> dict[str, str]:
    """Each case field's kind as the columns hold it: ``case_fields()``'s type, with a number whose
    annotation is ``int`` as ``whole`` (an int64 column) and any other number as ``number`` (float64)."""
    infos = model_fields()
    return {n: ("whole" if s["type"] == "number" and base_type(infos[n].annotation) is int else s["type"])
            for n, s in case_fields().items()}


def scale_columns(pack: Any) -> tuple[tuple[str, str], ...]:
    """Per published scale of the pack, in its order: ``(total.<scale>, type)`` and, for a scale with bands,
    ``(band.<scale>, "string")``. A total's type is its field's (a score's: its total field's, the points
    being whole)."""
    if pack is None:
        return ()
    kinds = field_kinds()
    out: list[tuple[str, str]] = []
    for scale in pack.scales:
        read = scale.total_field if scale.kind == "score" else scale.field
        out.append((f"total.{scale.id}", _TOTAL_TYPES[kinds[read]]))
        if scale.bands:
            out.append((f"band.{scale.id}", "string"))
    return tuple(out)


__all__ = ["base_type", "field_kinds", "model_fields", "scale_columns"]
