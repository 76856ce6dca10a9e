"""Rule tests as data: example cases with the factors they are expected to produce and not to produce.

Why data: a clinician reviewing the pack can read and add scenarios without Python;
pytest and `cryoelig rules test` run the same files through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..case.contract import parse_case
from ..errors import InputError, PackError, Problem
from ..facade import review
from ..inputs import parse_document, read_text
from ..rulepack.packmodel import Pack


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    factors: list[str] = []
    not_factors: list[str] = []
    missing: list[str] = []
    not_missing: list[str] = []
    #: published scales, by scale id: the total (or value), the status, the fields missing for that scale
    totals: dict[str, float] = {}
    status: dict[str, str] = {}
    scale_missing: dict[str, list[str]] = {}


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    case: dict[str, Any]
    expect: Expect


@dataclass
class ScenarioResult:
    file: str
    name: str
    failures: list[str] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def scenario_files(pack: Pack) -> list[Path]:
    """The scenarios of every pack of a set, pack by pack."""
    return [path for part in pack.parts for path in sorted((part.directory / "scenarios").glob("*.yaml"))]


def load_scenario(path: Path) -> Scenario:
    data = parse_document(read_text(str(path)), str(path))
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = [Problem(f"{'.'.join(map(str, e['loc']))}: {e['msg']}", file=str(path))
                    for e in error.errors(include_url=False, include_input=False)]
        raise PackError(problems) from None


def run_scenarios(pack: Pack, use_engine: bool = True) -> list[ScenarioResult]:
    """Run every scenario of a pack; a scenario that cannot even be read is a failure too."""
    results: list[ScenarioResult] = []
    for path in scenario_files(pack):
        try:
            scenario = load_scenario(path)
            case = parse_case(scenario.case, pack, file=str(path))
        except (PackError, InputError) as error:
            results.append(ScenarioResult(str(path), path.stem, [str(error)]))
            continue
        report = review(case, pack, use_engine=use_engine).report
        lines = {line.scale: line for line in report.published_scales.lines} if report.published_scales else {}
        produced = [f.factor for f in report.findings] + [p.factor for line in lines.values() for p in line.points]
        missing = [m.field for m in report.missing]
        result = ScenarioResult(str(path), scenario.name, factors=produced)
        known = set(pack.factor_by_id)
        exp = scenario.expect
        for factor in exp.factors + exp.not_factors:
            if factor not in known:
                result.failures.append(f"names unknown factor '{factor}'")
        result.failures += [f"expected factor {f} was not produced" for f in exp.factors if f not in produced]
        result.failures += [f"factor {f} was produced but is expected absent" for f in exp.not_factors if f in produced]
        result.failures += [f"{m} not listed as missing information" for m in exp.missing if m not in missing]
        result.failures += [f"{m} listed as missing but is expected not to be" for m in exp.not_missing if m in missing]
        result.failures += _scale_failures(exp, lines)
        results.append(result)
    return results


def _scale_failures(exp: Expect, lines: dict[str, Any]) -> list[str]:
    """What a scenario expects of the published scales and the report does not show."""
    out = []
    for scale_id in {*exp.totals, *exp.status, *exp.scale_missing}:
        if scale_id not in lines:
            out.append(f"published scale {scale_id} is not in the report")
    for scale_id, total in exp.totals.items():
        if scale_id in lines and lines[scale_id].total != total:
            out.append(f"{scale_id}: total {lines[scale_id].total}, expected {total:g}")
    for scale_id, status in exp.status.items():
        if scale_id in lines and lines[scale_id].status != status:
            out.append(f"{scale_id}: status {lines[scale_id].status}, expected {status}")
    for scale_id, fields in exp.scale_missing.items():
        got = [m.field for m in lines[scale_id].missing] if scale_id in lines else None
        if got is not None and got != fields:
            out.append(f"{scale_id}: missing {got}, expected {fields}")
    return out
