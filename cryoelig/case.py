"""The input contract (case-schema.md, version 1) as pydantic models.

Why: one model validates every way a case arrives (file, CSV row, checklist answers),
so units, ranges, enums and the identifier guard are enforced in one place.
Fields the case does not give stay None: unknown, never false.
"""


import functools
import math
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .defaultpack import default_site_ids
from .errors import InputError, Problem
from .identifiers import find_identifier, is_identifying_field
from .wording import neutral_message

#: An anonymized case label: the one pattern every input path checks.
CASE_ID_REGEX = r"^[A-Za-z0-9._-]{1,64}$"
CASE_ID_PATTERN = re.compile(CASE_ID_REGEX)

Histology = Literal["basal_cell_carcinoma", "squamous_cell_carcinoma", "melanoma", "other"]
Location = Literal["peripheral", "central"]
Stage = Literal["localized", "locally_advanced", "metastatic"]
PrimaryCancer = Literal["breast", "lung", "prostate", "kidney", "thyroid", "other", "unknown"]
FailedTreatment = Literal["radiation", "chemotherapy", "hormone_therapy", "surgery", "cryoablation"]
Treatment = Literal["radiation", "chemotherapy", "hormone_therapy", "surgery", "palliative_care"]
Health = Literal["good", "fair", "poor"]
Goal = Literal["pain_relief", "quality_of_life", "cure", "stop_spread"]


def _no_bool(value: Any) -> Any:
    """Refuse true/false where a number is expected (pydantic would read True as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "expected a number, got {value}", {"value": str(value).lower()})
    return value


def _dedupe(value: Any) -> Any:
    """Lists are sets of answers: keep first occurrence order, drop repeats."""
    if isinstance(value, list | tuple):
        seen: list[Any] = []
        for item in value:
            if item not in seen:
                seen.append(item)
        return seen
    return value


Number = Annotated[float, BeforeValidator(_no_bool)]
Count = Annotated[int, BeforeValidator(_no_bool)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tumor(_Part):
    size_cm: Number | None = Field(None, gt=0, le=50, description="largest diameter in cm")
    size_mm: Number | None = Field(None, gt=0, le=500, description="the same in mm; converted to size_cm")
    count: Count | None = Field(None, ge=1, description="number of tumors at this site")
    histology: Histology | None = Field(None, description="skin")
    location: Location | None = Field(None, description="lung: near the edge of the lung, or not")
    surgically_difficult: bool | None = Field(None, description="liver: hard to reach with traditional surgery")
    stage: Stage | None = Field(None, description="prostate")
    metastatic: bool | None = Field(None, description="bone: spread to bone from elsewhere")
    primary_cancer: PrimaryCancer | None = Field(None, description="bone metastases: where the cancer started")

    @model_validator(mode="after")
    def _mm_to_cm(self) -> "Tumor":
        if self.size_mm is None:
            return self
        from_mm = round(self.size_mm / 10, 6)
        if self.size_cm is not None and not math.isclose(self.size_cm, from_mm, rel_tol=0, abs_tol=1e-6):
            raise PydanticCustomError(
                "size_conflict",
                "size_cm ({cm}) and size_mm ({mm}) disagree; give one of them",
                {"cm": self.size_cm, "mm": self.size_mm},
            )
        object.__setattr__(self, "size_cm", from_mm)
        return self


class Symptoms(_Part):
    pain_score: Count | None = Field(None, ge=0, le=10, description="worst pain, numeric rating 0-10")
    fracture: bool | None = None
    bone_weakness: bool | None = None
    anemia: bool | None = None
    fatigue: bool | None = None


class History(_Part):
    prior_cryoablation: bool | None = Field(None, description="cryoablation already done at this site")
    regrowth: bool | None = Field(None, description="the tumor has regrown")
    symptoms_returned: bool | None = Field(None, description="pain or other symptoms have returned")
    failed_treatments: Annotated[list[FailedTreatment], BeforeValidator(_dedupe)] | None = Field(
        None, description="treatments that did not work (salvage)"
    )


class Concerns(_Part):
    near_nerves: bool | None = None
    bleeding_risk: bool | None = None
    active_infection: bool | None = None
    near_critical_structures: bool | None = None


ECOG_TO_HEALTH: dict[int, str] = {0: "good", 1: "good", 2: "fair", 3: "poor", 4: "poor"}


class Case(BaseModel):
    """One de-identified case. Unknown fields are refused; identifying ones get their own error."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig case (schema version 1)")

    case_id: str = Field(..., pattern=CASE_ID_REGEX, description="an anonymized label")
    site: str  # one of the rule pack's sites (see _known_site)
    tumor: Tumor | None = None
    symptoms: Symptoms | None = None
    history: History | None = None
    treatments: Annotated[list[Treatment], BeforeValidator(_dedupe)] | None = None
    overall_health: Health | None = Field(None, description="the team's summary of overall health status")
    ecog: Count | None = Field(None, ge=0, le=4, description="performance status; maps to overall_health")
    goals: Annotated[list[Goal], BeforeValidator(_dedupe)] | None = None
    concerns: Concerns | None = None
    notes: str | None = Field(None, max_length=2000, description="free text; checked for identifiers")

    @field_validator("site", mode="before")
    @classmethod
    def _known_site(cls, value: Any, info: ValidationInfo) -> Any:
        """A site of the pack in the validation context (``{"sites": ...}``), else of the default pack."""
        sites = (info.context or {}).get("sites") or default_site_ids()
        if value not in sites:
            raise PydanticCustomError("literal_error", "Input should be {expected}",
                                      {"expected": _one_of(sites)})
        return value

    @model_validator(mode="before")
    @classmethod
    def _refuse_identifying_fields(cls, data: Any) -> Any:
        for name in _identifying_names(data):
            raise PydanticCustomError(
                "identifier",
                "identifying field '{field}' is refused: cryoelig takes de-identified cases only",
                {"field": name},
            )
        return data

    @field_validator("case_id", "notes")
    @classmethod
    def _refuse_identifier_values(cls, value: str | None) -> str | None:
        if value is not None and (kind := find_identifier(value)):
            raise PydanticCustomError(
                "identifier", "looks like {kind}; identifying data is refused (value not shown)", {"kind": kind}
            )
        return value

    def effective_health(self) -> tuple[str | None, str | None]:
        """overall_health as rules read it, and a note when it came from ECOG or disagrees with it."""
        if self.overall_health is not None:
            note = None
            if self.ecog is not None and ECOG_TO_HEALTH[self.ecog] != self.overall_health:
                note = (
                    f"overall_health given as {self.overall_health} is used; ECOG {self.ecog} alone "
                    f"would map to {ECOG_TO_HEALTH[self.ecog]}"
                )
            return self.overall_health, note
        if self.ecog is not None:
            health = ECOG_TO_HEALTH[self.ecog]
            return health, f"overall_health taken as {health} from ECOG {self.ecog} (0-1 good, 2 fair, 3-4 poor)"
        return None, None

    def facts(self) -> dict[str, Any]:
        """The known facts as dotted field -> value (lists as tuples); absent fields are unknown."""
        out: dict[str, Any] = {"site": self.site}
        for part in ("tumor", "symptoms", "history", "concerns"):
            model = getattr(self, part)
            if model is None:
                continue
            for name, value in model:
                if value is not None and name != "size_mm":
                    out[f"{part}.{name}"] = tuple(value) if isinstance(value, list) else value
        for name in ("treatments", "goals"):
            value = getattr(self, name)
            if value is not None:
                out[name] = tuple(value)
        health, _ = self.effective_health()
        if health is not None:
            out["overall_health"] = health
        return out

    def input_notes(self) -> list[str]:
        """How given values were turned into the facts rules read (units, ECOG)."""
        notes = []
        if self.tumor is not None and self.tumor.size_mm is not None:
            notes.append(f"tumor.size_cm {_num(self.tumor.size_cm)} from size_mm {_num(self.tumor.size_mm)}")
        _, health_note = self.effective_health()
        if health_note:
            notes.append(health_note)
        return notes


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _identifying_names(data: Any, prefix: str = "") -> list[str]:
    """Dotted names of identifying fields anywhere in a nested mapping."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}{key}"
            if isinstance(key, str) and is_identifying_field(key):
                found.append(name)
            elif isinstance(value, dict):
                found.extend(_identifying_names(value, name + "."))
    return found


def _describe(annotation: Any) -> dict[str, Any]:
    """A field's type as the rule language reads it, from its annotation."""
    while True:  # unwrap Optional[...] and Annotated[...] down to the bare type
        if getattr(annotation, "__metadata__", None) is not None:
            annotation = get_args(annotation)[0]
            continue
        args = get_args(annotation)
        if type(None) not in args:
            break
        annotation = next(a for a in args if a is not type(None))
    origin = getattr(annotation, "__origin__", None)
    if annotation is bool:
        return {"type": "bool", "values": [True, False]}
    if origin is Literal:
        return {"type": "enum", "values": list(get_args(annotation))}
    if origin is list:
        return {"type": "list", "values": list(get_args(get_args(annotation)[0]))}
    if annotation in (int, float):
        return {"type": "number", "values": None}
    return {"type": "text", "values": None}


@functools.cache
def case_fields() -> dict[str, dict[str, Any]]:
    """Dotted field -> {'type': bool|number|enum|list, 'values': allowed values for enum/list}.

    ``site`` is an enum whose values are a rule pack's sites, so its values here are None:
    ``Pack.field_specs`` gives the same mapping with the pack's sites filled in.
    """
    fields: dict[str, dict[str, Any]] = {}
    for name, info in Case.model_fields.items():
        if name in ("case_id", "notes", "ecog"):
            continue
        annotation = info.annotation
        sub = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if name == "site":
            fields[name] = {"type": "enum", "values": None}
        elif sub:
            for sub_name, sub_info in sub[0].model_fields.items():
                if sub_name != "size_mm":
                    fields[f"{name}.{sub_name}"] = _describe(sub_info.annotation)
        else:
            fields[name] = _describe(annotation)
    return fields


def _one_of(values: Sequence[str]) -> str:
    """'a', 'b' or 'c' (pydantic's own wording for a choice, so messages stay as they were)."""
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def problems_from_validation(error: ValidationError, file: str | None, row: int | None) -> list[Problem]:
    """pydantic's error locations as readable dotted fields, one Problem per error."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [str(p) for p in item["loc"]]
        field = ".".join(loc) or None
        reason = item["type"]
        message = neutral_message(item["msg"])
        if reason == "extra_forbidden":
            message = "unknown field (not in the case schema; check the spelling)"
        elif reason == "identifier":
            field = item.get("ctx", {}).get("field", field)
            message = message.removeprefix("Value error, ")
        elif reason == "missing":
            message = "required field is missing"
        kind = "identifier" if reason == "identifier" else "invalid"
        problems.append(Problem(message, file=file, row=row, field=field, reason=kind))
    return problems


def parse_case(data: Any, file: str | None = None, row: int | None = None, *,
               sites: Sequence[str] | None = None) -> Case:
    """Validate raw data into a Case or raise InputError naming file, row and field.

    ``sites``: the sites of the rule pack the case is for (``Pack.site_ids``); without it, the
    default pack's."""
    if not isinstance(data, dict):
        message = "a case is a mapping of fields (name: value), not a list or a single value"
        raise InputError([Problem(message, file=file, row=row)])
    try:
        return Case.model_validate(data, context={"sites": tuple(sites)} if sites is not None else None)
    except ValidationError as error:
        raise InputError(problems_from_validation(error, file, row)) from None
