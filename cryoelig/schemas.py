"""Published JSON Schemas of the case, the report and the pack files (from the pydantic models)."""

from __future__ import annotations

from typing import Any


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema for 'case', 'report', 'pack' (pack.yaml) or 'rule' (a rule file)."""
    from .case import Case
    from .report import Report
    from .rulepack import PackMeta, RuleFile

    models = {"case": Case, "report": Report, "pack": PackMeta, "rule": RuleFile}
    schema = models[name].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
