"""JSON renderings: byte-identical for the same case and pack (``--format json``)."""

from __future__ import annotations

import json

from ..report.projection import Report
from ..views.explanation import CaseExplanation


def report_json(report: Report, **_: object) -> str:
    """The Report as JSON (`check --format json`, one line of `batch --out x.jsonl` unindented)."""
    return report.model_dump_json(indent=2) + "\n"


def explanation_json(ex: CaseExplanation, rules: list[str] | None = None, **_: object) -> str:
    """The explanation as JSON; with ``rules``, only those rules are listed."""
    data = ex.model_dump(mode="json")
    if rules:
        data["rules"] = [r for r in data["rules"] if r["rule"] in rules]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
