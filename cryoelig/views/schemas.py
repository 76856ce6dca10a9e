"""Published JSON Schemas of the case, the report and the pack files (from the pydantic models)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..case.contract import Case
from ..report.projection import Report
from ..rulepack.defaultpack import default_site_ids
from ..rulepack.packmodel import PackMeta, RuleFile


def json_schema(name: str, sites: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON Schema for 'case', 'report', 'pack' (pack.yaml) or 'rule' (a rule file).

    In the case schema, ``site`` is one of a pack's sites (default: the default pack's)."""
    models = {"case": Case, "report": Report, "pack": PackMeta, "rule": RuleFile}
    schema = models[name].model_json_schema()
    if name == "case":
        schema["properties"]["site"]["enum"] = list(default_site_ids() if sites is None else sites)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
