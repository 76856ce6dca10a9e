"""Rule tests as data: example cases with the factors they are expected to produce and not to produce.

Why data: a clinician reviewing the pack can read and add scenarios without Python;
pytest and `cryoelig rules test` run the same files through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .case import parse_case
from .errors import InputError, PackError, Problem
from .packmodel import Pack
from .readers import parse_document, read_text
from .review import review


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    factors: list[str] = []
    not_factors: list[str] = []
    missing: list[str] = []
    not_missing: list[str] = []


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
    return sorted((pack.directory / "scenarios").glob("*.yaml"))


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
            case = parse_case(scenario.case, file=str(path), sites=pack.site_ids)
        except (PackError, InputError) as error:
            results.append(ScenarioResult(str(path), path.stem, [str(error)]))
            continue
        report = review(case, pack, use_engine=use_engine).report
        produced = [f.factor for f in report.findings]
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
        results.append(result)
    return results
