"""Published JSON Schemas of the case, the report and the pack files (from the pydantic models)."""

from __future__ import annotations

from typing import Any

from ..case.contract import Case
from ..report.compact import CompactReport
from ..report.projection import Report
from ..report.words import Words
from ..rulepack.packmodel import Pack, PackMeta, RuleFile


def json_schema(name: str, pack: Pack | None = None) -> dict[str, Any]:
    """The JSON Schema for 'case', 'report', 'pack' (pack.yaml), 'rule' (a rule file), 'compact' (a compact
    report, a line of ``batch --report compact``) or 'words' (the words file beside it).

    The case schema is a loaded pack's (``pack``, required for it): its ``site`` is one of that pack's sites."""
    models = {"case": Case, "report": Report, "pack": PackMeta, "rule": RuleFile, "compact": CompactReport,
              "words": Words}
    schema = models[name].model_json_schema()
    if name == "case":
        if pack is None:
            raise ValueError("the case schema is a rule pack's: give the loaded pack")
        fill_case_schema(schema, pack)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def fill_case_schema(schema: dict[str, Any], pack: Pack) -> None:
    """What the Case model leaves to the pack, filled in from the loaded one: the sites a case can name,
    and where its rules read ECOG as poor overall health (the tool's convention, when they state one)."""
    schema["properties"]["site"]["enum"] = list(pack.site_ids)
    if pack.ecog_poor_from is not None:
        schema["properties"]["ecog"]["description"] += (f"; read as poor overall health from {pack.ecog_poor_from} "
                                                        "(this tool's convention)")
