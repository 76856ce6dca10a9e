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

from ..errors import InputError, Problem
from .grammar import parse_choice, shown_number
from .identifiers import find_identifier, find_label_identifier
from .limits import MAX_CASE_ID, check_structure, validation_problems
from .measures import READINGS, bounded, measured
from .packterms import PackTerms
from .scalefields import TOTAL_GROUPS, BoneRegion, LabsFields, MirelsFields, RenalFields, SinsFields, check_totals
from .valuetypes import ANY_CASE, Count, Flag, Number, Part, dedupe

__all__ = ["ANY_CASE", "Count", "Flag", "Number"]  # the value types, for callers that took them from here

#: An anonymized case label: the one pattern every input path checks.
CASE_ID_REGEX = r"^[A-Za-z0-9._-]{1,64}$"
CASE_ID_PATTERN = re.compile(CASE_ID_REGEX)
#: A site id as packs write them (``SiteSpec.id``): all a site can be checked against without a pack.
SITE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

Histology = Literal["basal_cell_carcinoma", "squamous_cell_carcinoma", "melanoma", "other"]
Location = Literal["peripheral", "central"]
Stage = Literal["localized", "locally_advanced", "metastatic"]
PrimaryCancer = Literal["breast", "lung", "prostate", "kidney", "thyroid", "other", "unknown"]
FailedTreatment = Literal["radiation", "chemotherapy", "hormone_therapy", "surgery", "cryoablation"]
Treatment = Literal["radiation", "chemotherapy", "hormone_therapy", "surgery", "palliative_care"]
Health = Literal["good", "fair", "poor"]
Goal = Literal["pain_relief", "quality_of_life", "cure", "stop_spread"]


#: Smallest tumor size the contract takes: 0.1 mm. Below it a value is a typo, not a tumor, and a
#: float that small is written with an exponent, which the rule engine's parser cannot read.
MIN_SIZE_CM = 0.01


#: Fields the case gives in another unit and the contract converts: never facts, never rule fields.
_NOT_FACTS = frozenset({"size_mm", "platelets_per_ul"})


class Tumor(Part):
    size_cm: measured("tumor.size_cm") | None = bounded("tumor.size_cm", "largest diameter in cm")
    size_mm: measured("tumor.size_mm") | None = bounded("tumor.size_mm", "the same in mm; converted to size_cm")
    count: measured("tumor.count") | None = bounded("tumor.count", "number of tumors at this site")
    histology: Annotated[Histology, ANY_CASE] | None = Field(None, description="skin")
    location: Annotated[Location, ANY_CASE] | None = Field(None, description="lung: near the edge of the lung, or not")
    surgically_difficult: Flag | None = Field(None, description="liver: hard to reach with traditional surgery")
    stage: Annotated[Stage, ANY_CASE] | None = Field(None, description="prostate")
    metastatic: Flag | None = Field(None, description="bone: spread to bone from elsewhere")
    primary_cancer: Annotated[PrimaryCancer, ANY_CASE] | None = Field(
        None, description="bone metastases: where the cancer started")
    bone_region: Annotated[BoneRegion, ANY_CASE] | None = Field(
        None, description="bone: where in the skeleton (Mirels is for long bones, SINS for the spine)")

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


class Symptoms(Part):
    pain_score: measured("symptoms.pain_score") | None = bounded("symptoms.pain_score",
                                                                 "worst pain, numeric rating 0-10")
    fracture: Flag | None = None
    bone_weakness: Flag | None = None
    anemia: Flag | None = None
    fatigue: Flag | None = None
    worst_pain_last_day: measured("symptoms.worst_pain_last_day") | None = bounded(
        "symptoms.worst_pain_last_day", "worst pain in the last 24 hours, numeric rating 0-10")


class History(Part):
    prior_cryoablation: Flag | None = Field(None, description="cryoablation already done at this site")
    regrowth: Flag | None = Field(None, description="the tumor has regrown")
    symptoms_returned: Flag | None = Field(None, description="pain or other symptoms have returned")
    failed_treatments: Annotated[list[FailedTreatment], BeforeValidator(dedupe)] | None = Field(
        None, description="treatments that did not work (salvage)"
    )


class Concerns(Part):
    near_nerves: Flag | None = None
    bleeding_risk: Flag | None = None
    active_infection: Flag | None = None
    near_critical_structures: Flag | None = None


#: The highest ECOG performance status (5, dead, is not a case). Where the pack reads ECOG as poor overall
#: health is the pack's, not the contract's (``PackTerms.ecog_poor_from``).
ECOG_HIGHEST = 4

#: Fields the case schema describes for one site only: given for another site, they are kept and an
#: input note says so (the case is not refused: a record may carry them from another context).
SITE_FIELDS: dict[str, str] = {
    "tumor.histology": "skin",
    "tumor.surgically_difficult": "liver",
    "tumor.stage": "prostate",
    "tumor.location": "lung",
    "tumor.metastatic": "bone",
    "tumor.primary_cancer": "bone",
}
#: SITE_FIELDS with each field's name in the tumor group, split once (input_notes runs for every case).
_SITE_FIELD_NAMES = tuple((name, name.split(".", 1)[1], site) for name, site in SITE_FIELDS.items())


class Case(BaseModel):
    """One de-identified case. Unknown fields are refused; identifying ones get their own error."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cryoelig case (schema version 1)")

    case_id: str = Field(..., pattern=CASE_ID_REGEX, description="an anonymized label")
    site: str  # one of the loaded rule pack's sites (see _known_site)
    tumor: Tumor | None = None
    symptoms: Symptoms | None = None
    history: History | None = None
    treatments: Annotated[list[Treatment], BeforeValidator(dedupe)] | None = None
    overall_health: Annotated[Health, ANY_CASE] | None = Field(
        None, description="the team's summary of overall health status")
    ecog: measured("ecog") | None = bounded("ecog", f"ECOG performance status 0-{ECOG_HIGHEST}")
    kps: measured("kps") | None = bounded("kps", "Karnofsky performance status, 10 to 100 by 10")
    goals: Annotated[list[Goal], BeforeValidator(dedupe)] | None = None
    concerns: Concerns | None = None
    mirels: MirelsFields | None = Field(None, description="Mirels score components (long-bone metastasis)")
    sins: SinsFields | None = Field(None, description="SINS components (spinal tumor)")
    renal: RenalFields | None = Field(None, description="R.E.N.A.L. nephrometry components (kidney tumor)")
    labs: LabsFields | None = Field(None, description="laboratory values (INR, platelet count)")
    notes: str | None = Field(None, max_length=2000, description="free text; checked for identifiers")

    @field_validator("site", mode="before")
    @classmethod
    def _known_site(cls, value: Any, info: ValidationInfo) -> Any:
        """A site of the pack in the validation context (``{"sites": ...}``, as ``parse_case`` gives it), in
        any letter case, as every listed value (cryoelig.case.grammar). Without a pack, only the form of a
        site id is checked: ``cryoelig.facade`` checks the site against the reviewing pack's."""
        sites = (info.context or {}).get("sites")
        value = parse_choice(value)
        if sites is None:
            if type(value) is str and not SITE_ID_PATTERN.match(value):
                raise PydanticCustomError("site_id", "a site id: lower-case letters, digits and '_'")
        elif value not in sites:
            raise PydanticCustomError("literal_error", site_message(sites))
        return value

    @field_validator("kps")
    @classmethod
    def _kps_steps_of_ten(cls, value: int | None) -> int | None:
        if value is not None and value % 10:
            raise PydanticCustomError("kps_step", "Karnofsky status goes in steps of 10 (10, 20, ... 100)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _refuse_identifying_fields(cls, data: Any, info: ValidationInfo) -> Any:
        # parse_case has already walked the data (bounds and identifying names); other callers get it here.
        if (info.context or {}).get("checked"):
            return data
        for problem in check_structure(data, levels=schema_levels()):
            kind = "identifier" if problem.reason == "identifier" else "limit"
            raise PydanticCustomError(kind, "{where}{message}", {
                "where": f"{problem.field}: " if problem.field else "", "message": problem.message,
                "field": problem.field})
        return data

    @field_validator("case_id", mode="before")
    @classmethod
    def _refuse_identifying_labels(cls, value: Any) -> Any:
        # Before the pattern: a label that looks like a person is refused as such, whatever else is wrong.
        if type(value) is str:
            if len(value) > MAX_CASE_ID:
                raise PydanticCustomError("grammar", f"longer than {MAX_CASE_ID} characters")
            if kind := find_label_identifier(value):
                raise _identifier(kind)
        return value

    @field_validator("notes")
    @classmethod
    def _refuse_identifier_values(cls, value: str | None) -> str | None:
        if value is not None and (kind := find_identifier(value)):
            raise _identifier(kind)
        return value

    def facts(self) -> dict[str, Any]:
        """The known facts as dotted field -> value (lists as tuples); absent fields are unknown."""
        fields = self.__dict__  # read directly, names made once (_fact_names): iterating models cost 3x more
        out: dict[str, Any] = {"site": fields["site"]}
        for part, names in _fact_names():
            model = fields[part]
            if model is None:
                continue
            values = model.__dict__
            for name, dotted in names:
                value = values[name]
                if value is not None:
                    out[dotted] = tuple(value) if isinstance(value, list) else value
        for name in ("treatments", "goals"):
            value = fields[name]
            if value is not None:
                out[name] = tuple(value)
        for name in ("overall_health", "ecog", "kps"):  # as given: the pack's rules read ECOG, the scales both
            value = fields[name]
            if value is not None:
                out[name] = value
        return out

    def input_notes(self, pack: PackTerms) -> list[str]:
        """How given values were turned into the facts rules read (units, readings), then values that
        disagree with each other, with the site, or under the loaded pack's ECOG reading, then what the pack's
        links make of the facts (``reading_notes``, ``value_notes``, the pack's ``link_notes``). The case is
        kept as given: a note names the fields, never refuses them, and shows only field names, sites and
        listed values."""
        return self.reading_notes() + self.value_notes(pack) + pack.link_notes(self.facts())

    def reading_notes(self) -> list[str]:
        """How this case's given values were read into facts (a number written with a comma, a size in mm, a
        platelet count per uL): what only the input shows, so a compact report keeps these as text (the other
        notes follow from the facts and the pack, and an expansion makes them again)."""
        notes = list(readings_of(self))
        tumor = self.tumor
        if tumor is not None and tumor.size_mm is not None:
            notes.append(f"tumor.size_cm {shown_number(tumor.size_cm)} from size_mm {shown_number(tumor.size_mm)}")
        if self.labs is not None and (platelets := self.labs.input_note()):
            notes.append(platelets)
        return notes

    def value_notes(self, pack: PackTerms) -> list[str]:
        """Values that disagree with each other, with the site, or under the loaded pack's ECOG reading."""
        notes = []
        tumor = self.tumor
        if tumor is not None:
            for name, field, site in _SITE_FIELD_NAMES:
                if site != self.site and tumor.__dict__[field] is not None:
                    notes.append(f"{name} is given for site {self.site}; the case schema describes it for "
                                 f"site {site} only")
            if tumor.metastatic is False and tumor.primary_cancer is not None:
                notes.append(f"tumor.metastatic is false, while tumor.primary_cancer (where a bone metastasis "
                             f"started) is given as {tumor.primary_cancer}; the two disagree")
        if self.ecog is not None and self.overall_health is not None and (
                (poor_from := pack.ecog_poor_from) is not None
                and (self.ecog >= poor_from) != (self.overall_health == "poor")):
            notes.append(
                f"overall_health is given as {self.overall_health} and ecog as {self.ecog}; they disagree under "
                f"this tool's convention (not from the source: ECOG {poor_from}-{ECOG_HIGHEST} read as poor "
                "overall health); both are kept, and either reading of poor health raises the overall-health point")
        return notes


#: The groups of the nested case form whose fields become dotted facts (tumor.size_cm, mirels.site, ...).
_GROUPS = ("tumor", "symptoms", "history", "concerns", "mirels", "sins", "renal", "labs")


@functools.cache
def _fact_names() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Each group and its (field, dotted fact name) pairs, in the fields' order, without the unit fields."""
    models = {part: next(a for a in get_args(Case.model_fields[part].annotation) if isinstance(a, type)
                         and issubclass(a, BaseModel)) for part in _GROUPS}
    return tuple((part, tuple((name, f"{part}.{name}") for name in model.model_fields if name not in _NOT_FACTS))
                 for part, model in models.items())


def keep_readings(case: Case, notes: list[str]) -> None:
    """Keep with the case the notes of numbers whose comma its fields' ranges read (cryoelig.case.measures).
    Why not a PrivateAttr: one makes pydantic initialise private state on every Case (measured: a tenth of a
    case's validation), while few cases have a reading; pydantic keeps ``__pydantic_private__`` through copies,
    pickling (batch workers) and equality."""
    object.__setattr__(case, "__pydantic_private__", {"readings": tuple(notes)})


def readings_of(case: Case) -> tuple[str, ...]:
    private = case.__pydantic_private__
    return private.get("readings", ()) if private else ()


def _identifier(kind: str) -> PydanticCustomError:
    return PydanticCustomError(
        "identifier", "looks like {kind}; identifying data is refused (value not shown)", {"kind": kind})


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
        if name in ("case_id", "notes"):
            continue
        annotation = info.annotation
        sub = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if name == "site":
            fields[name] = {"type": "enum", "values": None}
        elif sub:
            for sub_name, sub_info in sub[0].model_fields.items():
                if sub_name not in _NOT_FACTS:
                    fields[f"{name}.{sub_name}"] = _describe(sub_info.annotation)
        else:
            fields[name] = _describe(annotation)
    return fields


def site_message(sites: Sequence[str]) -> str:
    """Why a site is none of the pack's: "Input should be 'a', 'b' or 'c'" (pydantic's own wording for a
    choice, so messages stay as they were); only the pack's sites are shown, never the value given."""
    if not sites:
        return "the rule pack names no sites (a pack that adds to another is loaded with it)"
    quoted = [f"'{v}'" for v in sites]
    return "Input should be " + (quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}")


@functools.cache
def schema_levels() -> dict[tuple[str, ...], frozenset[str]]:
    """Field names allowed at each level of the nested case form: () for the top, ('tumor',) ..."""
    levels: dict[tuple[str, ...], frozenset[str]] = {(): frozenset(Case.model_fields)}
    for name, info in Case.model_fields.items():
        sub = [a for a in get_args(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if sub:
            levels[(name,)] = frozenset(sub[0].model_fields)
    return levels


def parse_case(data: Any, pack: PackTerms, file: str | None = None, row: int | None = None) -> Case:
    """Validate raw data into a Case of the loaded ``pack`` or raise InputError naming file, row and field: the
    one step from decoded data (the nested case form) to a Case: bounds and identifying field names first
    (cryoelig.case.limits), then the model with the input grammar (cryoelig.case.grammar) and the pack's sites,
    then every published-scale total given against the components given, by the pack's points."""
    if not isinstance(data, dict):
        message = "a case is a mapping of fields (name: value), not a list or a single value"
        raise InputError([Problem(message, file=file, row=row)])
    problems = check_structure(data, file, row, levels=schema_levels())
    if problems:
        raise InputError(problems)
    readings: list[str] = []
    context = {"checked": True, "sites": pack.site_ids, READINGS: readings}
    try:
        case = Case.model_validate(data, context=context)
    except ValidationError as error:
        raise InputError(validation_problems(error, file, row, data, schema_levels())) from None
    if readings:
        keep_readings(case, readings)
    if any(getattr(case, group) is not None for group in TOTAL_GROUPS):
        check_totals(case.facts(), file, row, pack)
    return case
